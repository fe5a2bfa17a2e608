"""Storing feedback exactly once and keeping its loop and card in step with it.

New feedback opens a loop per routed team and queues its card. The same
response again is a duplicate. A changed response (a comment added later, a
score corrected) updates the stored feedback and the card in place, notes the
change in the card's thread, and re-routes when the score changes category.
Later feedback from a customer whose loop is still open joins that loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.loops.cards import feedback_summary
from bot.feedback import FeedbackIn
from bot.intake.changes import apply_changes, describe_changes
from bot.intake.routing_targets import destinations
from bot.loops.moves import move_loop
from bot.delivery.outbox import enqueue_card_post, enqueue_card_update, enqueue_thread_reply
from bot.loops.playbooks import suggest, workspace_playbooks
from bot.loops.sla import set_due_times
from models.feedback import Feedback, get_feedback_by_external_id
from models.loop import OPEN_STATUSES, Loop, LoopEvent, list_loops_for_feedback
from models.team import Team
from models.workspace import get_or_create_workspace

log = logging.getLogger(__name__)

CREATED, DUPLICATE, UPDATED, ATTACHED, STORED = "created", "duplicate", "updated", "attached", "stored"


@dataclass(frozen=True)
class IngestResult:
    feedback_id: int
    loop_ids: tuple[int, ...]
    outcome: str  # created, duplicate, updated, attached (joined an open loop), stored (history, no loop)

    @property
    def loop_id(self) -> int | None:
        return self.loop_ids[0] if self.loop_ids else None

    @property
    def duplicate(self) -> bool:
        return self.outcome == DUPLICATE

    @property
    def is_new(self) -> bool:
        return self.outcome in (CREATED, ATTACHED, STORED)


@dataclass(frozen=True)
class IntakePolicy:
    default_channel: str | None
    customer_window: timedelta = timedelta(days=14)
    open_loops: bool = True  # False stores history without loops or cards (old imported rows)
    via: str = "webhook"


def ingest(session: Session, *, workspace_id: str, feedback: FeedbackIn, policy: IntakePolicy,
           now: datetime) -> IngestResult:
    """Store, update or recognise ``feedback`` in one transaction, and commit it."""
    try:
        result = ingest_in_transaction(session, workspace_id=workspace_id, feedback=feedback, policy=policy, now=now)
        session.commit()
        return result
    except IntegrityError:
        # Another request stored the same response between our check and our insert.
        session.rollback()
        existing = get_feedback_by_external_id(session=session, workspace_id=workspace_id, source=feedback.source,
                                               external_id=feedback.external_id)
        if existing is None:
            raise
        return _result(session, existing, DUPLICATE)


def ingest_in_transaction(session: Session, *, workspace_id: str, feedback: FeedbackIn, policy: IntakePolicy,
                          now: datetime) -> IngestResult:
    """The work of :func:`ingest` without committing (imports batch many rows per transaction)."""
    existing = get_feedback_by_external_id(session=session, workspace_id=workspace_id, source=feedback.source,
                                           external_id=feedback.external_id)
    if existing is not None:
        changes = describe_changes(existing, feedback)
        if not changes:
            return _result(session, existing, DUPLICATE)
        return _update(session, existing, feedback, changes, policy=policy, now=now)

    get_or_create_workspace(session=session, workspace_id=workspace_id)
    row = Feedback(workspace_id=workspace_id, source=feedback.source, external_id=feedback.external_id,
                   scale=feedback.scale, category=feedback.category, received_at=now)
    apply_changes(row, feedback)
    session.add(row)
    session.flush()
    if not policy.open_loops:
        return IngestResult(row.id, (), STORED)

    joined = _open_loop_of_customer(session, workspace_id=workspace_id, feedback=feedback,
                                    since=now - policy.customer_window) if policy.customer_window else None
    if joined is not None:
        return _attach(session, row, joined, via=policy.via, now=now)

    suggestions = suggest(feedback.routing_fields(), received_at=now,
                          playbooks=workspace_playbooks(session, workspace_id=workspace_id))
    loop_ids = []
    for destination in destinations(session, workspace_id=workspace_id, fields=feedback.routing_fields(),
                                    default_channel=policy.default_channel):
        loop = Loop(workspace_id=workspace_id, feedback_id=row.id, team_id=destination.team_id,
                    channel_id=destination.channel_id or "", suggestions=suggestions, created_at=now, updated_at=now)
        set_due_times(loop, session.get(Team, destination.team_id) if destination.team_id else None, since=now)
        session.add(loop)
        session.flush()
        _event(session, loop, "opened", via=policy.via, now=now, source=feedback.source,
               team_id=destination.team_id, channel=destination.channel_id)
        if destination.channel_id:
            enqueue_card_post(session, loop=loop, feedback=row)
        else:
            log.warning("loop %s has no route and no default channel; set LOOPKEEPER_DEFAULT_CHANNEL", loop.id)
        loop_ids.append(loop.id)
    row.loop_id = loop_ids[0]
    session.add(row)
    return IngestResult(row.id, tuple(loop_ids), CREATED)


def _result(session: Session, feedback: Feedback, outcome: str) -> IngestResult:
    loops = list_loops_for_feedback(session=session, feedback_id=feedback.id)
    loop_ids = tuple(loop.id for loop in loops) or ((feedback.loop_id,) if feedback.loop_id else ())
    return IngestResult(feedback.id, loop_ids, outcome)


def _event(session: Session, loop: Loop, kind: str, *, via: str, now: datetime, **details) -> None:
    session.add(LoopEvent(workspace_id=loop.workspace_id, loop_id=loop.id, kind=kind, actor="loopkeeper", via=via,
                          at=now, details=details))


def _open_loop_of_customer(session: Session, *, workspace_id: str, feedback: FeedbackIn,
                           since: datetime) -> Loop | None:
    """The newest open loop, opened since ``since``, holding feedback from the same customer."""
    customer = feedback.customer
    same_customer = []
    if customer.email:
        same_customer.append(Feedback.customer_email == customer.email.lower())
    if customer.id:
        same_customer.append(Feedback.customer_id == customer.id)
    if not same_customer:
        return None
    # From the customer's feedback (indexed by email and id) to their loops, never the other way round:
    # a workspace has many open loops, a customer few.
    theirs = select(Feedback.loop_id).where(Feedback.workspace_id == workspace_id, or_(*same_customer))
    return session.exec(
        select(Loop).where(Loop.id.in_(theirs), Loop.workspace_id == workspace_id,
                           Loop.status.in_(OPEN_STATUSES), Loop.created_at >= since, Loop.channel_id != "")
        .order_by(Loop.created_at.desc(), Loop.id.desc()).limit(1)
    ).first()


def _attach(session: Session, row: Feedback, loop: Loop, *, via: str, now: datetime) -> IngestResult:
    row.loop_id = loop.id
    session.add(row)
    session.flush()
    _event(session, loop, "feedback_added", via=via, now=now, source=row.source, feedback_id=row.id)
    enqueue_thread_reply(session, loop=loop, text=":speech_balloon: More from this customer — "
                         + feedback_summary(row))
    enqueue_card_update(session, loop=loop)
    return IngestResult(row.id, (loop.id,), ATTACHED)


def _update(session: Session, row: Feedback, feedback: FeedbackIn, changes: list[str], *, policy: IntakePolicy,
            now: datetime) -> IngestResult:
    old_category = row.category
    apply_changes(row, feedback)
    row.updated_at = now
    session.add(row)
    loops = list_loops_for_feedback(session=session, feedback_id=row.id)
    note = f":pencil2: Updated in {row.source}: " + "; ".join(changes)
    moved: set[int] = set()
    if loops and row.category != old_category:
        fields = feedback.routing_fields()
        primary = loops[0]
        primary.suggestions = suggest(fields, received_at=now,
                                      playbooks=workspace_playbooks(session, workspace_id=row.workspace_id))
        target = destinations(session, workspace_id=row.workspace_id, fields=fields,
                              default_channel=policy.default_channel)[0]
        if target.channel_id and (target.team_id, target.channel_id) != (primary.team_id, primary.channel_id):
            team = session.get(Team, target.team_id) if target.team_id else None
            move_loop(session, loop=primary, feedback=row, team=team, channel_id=target.channel_id, reason=note,
                      actor="loopkeeper", via=policy.via, now=now)
            moved.add(primary.id)
        session.add(primary)
    session.flush()
    for loop in loops:
        _event(session, loop, "feedback_updated", via=policy.via, now=now, source=row.source, changes=changes)
        if loop.id not in moved and loop.channel_id:
            enqueue_card_update(session, loop=loop, feedback=row)
            enqueue_thread_reply(session, loop=loop, text=note)
    return IngestResult(row.id, tuple(loop.id for loop in loops), UPDATED)
