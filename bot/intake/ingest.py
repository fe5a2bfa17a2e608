"""Storing feedback exactly once and keeping its loop and card in step with it.

New feedback opens a loop per routed team and queues its card. The same
response again is a duplicate. A changed response (a comment added later, a
score corrected) updates the stored feedback and the card in place, notes the
change in the card's thread, and re-routes when the score changes category.
Later feedback from a customer whose loop is still open joins that loop; the card of a resolved detractor
loop of theirs is updated to show what they said next (recovery).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.feedback import FeedbackIn
from bot.intake.changes import apply_changes, describe_changes
from bot.intake.group_commit import GroupCommit
from bot.intake.owner_alerts import tell_account_owner
from bot.intake.routing_targets import destinations
from bot.loops.opening import Target, attach_feedback, feedback_changed, open_loops
from bot.loops.playbooks import suggest, workspace_playbooks
from bot.loops.recovery import show_recovery
from models.db import new_session, transaction
from models.feedback import Feedback, get_feedback_by_external_id
from models.loop import list_loops_for_feedback, open_loop_of_customer
from models.team import get_team
from models.workspace import get_or_create_workspace

CREATED, DUPLICATE, UPDATED, ATTACHED, STORED = "created", "duplicate", "updated", "attached", "stored"
STALE = "stale"  # an older version of a response than the one stored: never applied


@dataclass(frozen=True)
class IngestResult:
    feedback_id: int
    loop_ids: tuple[int, ...]
    # created, duplicate, updated, attached (joined an open loop), stored (history, no loop), stale (older)
    outcome: str

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


def ingest(
    engine: Engine, *, workspace_id: str, feedback: FeedbackIn, policy: IntakePolicy, now: datetime
) -> IngestResult:
    """Store, update or recognise ``feedback`` in one transaction of its own (the intake entry point)."""
    try:
        with transaction(engine) as session:
            return ingest_in_transaction(session, workspace_id=workspace_id, feedback=feedback, policy=policy, now=now)
    except IntegrityError:
        # Another request stored the same response between our check and our insert.
        with new_session(engine, read_only=True) as session:
            existing = get_feedback_by_external_id(
                session=session, workspace_id=workspace_id, source=feedback.source, external_id=feedback.external_id
            )
            if existing is None:
                raise
            return _result(session, existing, DUPLICATE)


def ingest_together(
    group: GroupCommit, *, workspace_id: str, feedback: FeedbackIn, policy: IntakePolicy, now: datetime
) -> Future[IngestResult]:
    """:func:`ingest`, in a transaction shared with the feedback arriving at the same moment (group commit);
    the result once committed. An error (or a race with another writer) is this feedback's alone."""

    def work(session: Session) -> IngestResult:
        try:
            with session.begin_nested():
                return ingest_in_transaction(
                    session, workspace_id=workspace_id, feedback=feedback, policy=policy, now=now
                )
        except IntegrityError:
            # Another process stored the same response between our check and our insert (it has committed).
            existing = get_feedback_by_external_id(
                session=session, workspace_id=workspace_id, source=feedback.source, external_id=feedback.external_id
            )
            if existing is None:
                raise
            return _result(session, existing, DUPLICATE)

    return group.submit(work)


def ingest_in_transaction(
    session: Session, *, workspace_id: str, feedback: FeedbackIn, policy: IntakePolicy, now: datetime
) -> IngestResult:
    """The work of :func:`ingest` without committing (imports batch many rows per transaction)."""
    existing = get_feedback_by_external_id(
        session=session, workspace_id=workspace_id, source=feedback.source, external_id=feedback.external_id
    )
    if existing is not None:
        if existing.forgotten_at is not None:
            return _result(session, existing, DUPLICATE)  # erased at the customer's request: a re-delivery stays out
        if _older(feedback, existing):
            return _result(session, existing, STALE)
        changes = describe_changes(existing, feedback)
        if not changes:
            return _result(session, existing, DUPLICATE)
        return _update(session, existing, feedback, changes, policy=policy, now=now)

    get_or_create_workspace(session=session, workspace_id=workspace_id)
    row = Feedback(
        workspace_id=workspace_id,
        source=feedback.source,
        external_id=feedback.external_id,
        scale=feedback.scale,
        category=feedback.category,
        received_at=now,
    )
    apply_changes(row, feedback)
    session.add(row)
    session.flush()
    if not policy.open_loops:
        return IngestResult(row.id, (), STORED)
    show_recovery(session, feedback=row)  # a resolved detractor's card shows what the customer said next

    joined = (
        open_loop_of_customer(
            session=session,
            workspace_id=workspace_id,
            email=feedback.customer.email,
            customer_id=feedback.customer.id,
            since=now - policy.customer_window,
        )
        if policy.customer_window
        else None
    )
    if joined is not None:
        attach_feedback(session, feedback=row, loop=joined, via=policy.via, now=now)
        tell_account_owner(session, feedback=row, loops=[joined], opened=False, now=now)
        return IngestResult(row.id, (joined.id,), ATTACHED)

    suggestions = suggest(
        feedback.routing_fields(), received_at=now, playbooks=workspace_playbooks(session, workspace_id=workspace_id)
    )
    loops = open_loops(
        session,
        feedback=row,
        targets=_targets(session, workspace_id, feedback, policy),
        suggestions=suggestions,
        via=policy.via,
        now=now,
    )
    row.loop_id = loops[0].id
    session.add(row)
    tell_account_owner(session, feedback=row, loops=loops, opened=True, now=now)
    return IngestResult(row.id, tuple(loop.id for loop in loops), CREATED)


def _targets(session: Session, workspace_id: str, feedback: FeedbackIn, policy: IntakePolicy) -> list[Target]:
    """The routed teams with their channels, else the default channel."""
    return [
        (get_team(session=session, team_id=d.team_id), d.channel_id)
        for d in destinations(
            session, workspace_id=workspace_id, fields=feedback.routing_fields(), default_channel=policy.default_channel
        )
    ]


def _older(incoming: FeedbackIn, stored: Feedback) -> bool:
    """True when the source says this delivery is an older version of the response than the stored one."""
    return incoming.version_at is not None and stored.version_at is not None and incoming.version_at < stored.version_at


def _result(session: Session, feedback: Feedback, outcome: str) -> IngestResult:
    loops = list_loops_for_feedback(session=session, feedback_id=feedback.id)
    loop_ids = tuple(loop.id for loop in loops) or ((feedback.loop_id,) if feedback.loop_id else ())
    return IngestResult(feedback.id, loop_ids, outcome)


def _update(
    session: Session, row: Feedback, feedback: FeedbackIn, changes: list[str], *, policy: IntakePolicy, now: datetime
) -> IngestResult:
    old_category = row.category
    apply_changes(row, feedback)
    row.updated_at = now
    session.add(row)
    loops = list_loops_for_feedback(session=session, feedback_id=row.id)
    reroute, suggestions = None, None
    if loops and row.category != old_category:
        suggestions = suggest(
            feedback.routing_fields(),
            received_at=now,
            playbooks=workspace_playbooks(session, workspace_id=row.workspace_id),
        )
        reroute = _targets(session, row.workspace_id, feedback, policy)[0]
    feedback_changed(
        session,
        feedback=row,
        loops=loops,
        changes=changes,
        via=policy.via,
        now=now,
        reroute=reroute,
        suggestions=suggestions,
    )
    return IngestResult(row.id, tuple(loop.id for loop in loops), UPDATED)
