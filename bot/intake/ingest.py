"""Storing feedback once and opening a loop, with its card, in the owning team's channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.feedback import FeedbackIn
from bot.outbox import enqueue_card_post
from bot.playbooks import suggest
from bot.routing import Rule, route
from models.feedback import Feedback, get_feedback_by_external_id
from models.loop import Loop, LoopEvent, list_loops_for_feedback
from models.team import list_routes, list_teams
from models.workspace import get_or_create_workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    feedback_id: int
    loop_ids: tuple[int, ...]
    duplicate: bool

    @property
    def loop_id(self) -> int | None:
        return self.loop_ids[0] if self.loop_ids else None


@dataclass(frozen=True)
class Destination:
    team_id: int | None
    channel_id: str | None


def destinations(session: Session, *, workspace_id: str, fields: dict[str, object],
                 default_channel: str | None) -> list[Destination]:
    """Where feedback with ``fields`` goes: the routed teams, else the default channel."""
    rows = list_routes(session=session, workspace_id=workspace_id)
    teams = {team.id: team for team in list_teams(session=session, workspace_id=workspace_id)}
    rules = [Rule.parse(str(r.team_id), r.matchers, r.continue_matching) for r in rows]
    chosen = route(rules, fields)
    if chosen:
        seen: dict[int, Destination] = {}
        for rule in chosen:
            team = teams[int(rule.team)]
            seen.setdefault(team.id, Destination(team.id, team.channel_id))
        return list(seen.values())
    workspace = get_or_create_workspace(session=session, workspace_id=workspace_id)
    return [Destination(None, workspace.default_channel_id or default_channel)]


def ingest(session: Session, *, workspace_id: str, feedback: FeedbackIn, default_channel: str | None,
           now: datetime) -> IngestResult:
    """Store ``feedback`` unless it is a duplicate; open a loop and queue its card per destination.

    Everything happens in one transaction: the feedback, the loops, their
    first events and the outbox rows for their cards are all stored, or none.
    """
    existing = get_feedback_by_external_id(
        session=session, workspace_id=workspace_id, source=feedback.source, external_id=feedback.external_id
    )
    if existing is not None:
        return _duplicate(session, existing)
    get_or_create_workspace(session=session, workspace_id=workspace_id)
    fields = feedback.routing_fields()
    row = _feedback_row(workspace_id, feedback, now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Another request stored the same response between our check and insert.
        session.rollback()
        existing = get_feedback_by_external_id(
            session=session, workspace_id=workspace_id, source=feedback.source, external_id=feedback.external_id
        )
        return _duplicate(session, existing)

    suggestions = suggest(fields, received_at=now)
    loop_ids = []
    for destination in destinations(session, workspace_id=workspace_id, fields=fields,
                                    default_channel=default_channel):
        loop = Loop(workspace_id=workspace_id, feedback_id=row.id, team_id=destination.team_id,
                    channel_id=destination.channel_id or "", suggestions=suggestions, created_at=now, updated_at=now)
        session.add(loop)
        session.flush()
        session.add(LoopEvent(workspace_id=workspace_id, loop_id=loop.id, kind="opened", actor="loopkeeper",
                              via=f"webhook:{feedback.source}", at=now,
                              details={"team_id": destination.team_id, "channel": destination.channel_id}))
        if destination.channel_id:
            enqueue_card_post(session, loop=loop, feedback=row)
        else:
            log.warning("loop %s has no route and no default channel; set LOOPKEEPER_DEFAULT_CHANNEL", loop.id)
        loop_ids.append(loop.id)
    session.commit()
    return IngestResult(row.id, tuple(loop_ids), duplicate=False)


def _duplicate(session: Session, existing: Feedback) -> IngestResult:
    loops = list_loops_for_feedback(session=session, feedback_id=existing.id)
    session.rollback()
    return IngestResult(existing.id, tuple(loop.id for loop in loops), duplicate=True)


def _feedback_row(workspace_id: str, feedback: FeedbackIn, now: datetime) -> Feedback:
    customer = feedback.customer
    return Feedback(
        workspace_id=workspace_id,
        source=feedback.source,
        external_id=feedback.external_id,
        score=feedback.score,
        scale=feedback.scale,
        category=feedback.category,
        comment=feedback.comment,
        customer_id=customer.id,
        customer_email=customer.email,
        customer_name=customer.name,
        account=customer.account,
        segment=customer.segment,
        arr=customer.arr,
        touchpoint=feedback.touchpoint,
        product=feedback.product,
        tags=list(feedback.tags),
        url=feedback.url,
        submitted_at=feedback.submitted_at,
        received_at=now,
    )
