"""Loops that intake starts or touches: opened per routed team, joined by a repeat customer, updated."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_post, enqueue_card_update, enqueue_thread_reply
from bot.loops.cards import feedback_summary
from bot.loops.events import LOOPKEEPER, record_event
from bot.loops.moves import move_loop
from bot.loops.sla import set_due_times
from models.feedback import Feedback
from models.loop import Loop
from models.team import Team, get_team

log = logging.getLogger(__name__)
# Where new feedback goes: a team and its channel, or no team and the default channel (None: nowhere).
Target = tuple[Team | None, str | None]


def open_loops(
    session: Session, *, feedback: Feedback, targets: list[Target], suggestions: list[dict], via: str, now: datetime
) -> list[Loop]:
    """One loop per target for new feedback, each with its due times, its event and its card queued."""
    loops = []
    for team, channel_id in targets:
        loop = Loop(
            workspace_id=feedback.workspace_id,
            feedback_id=feedback.id,
            team_id=team.id if team else None,
            channel_id=channel_id or "",
            suggestions=suggestions,
            created_at=now,
            updated_at=now,
        )
        set_due_times(loop, team, since=now)
        session.add(loop)
        session.flush()
        record_event(
            session,
            loop=loop,
            kind="opened",
            actor=LOOPKEEPER,
            via=via,
            at=now,
            source=feedback.source,
            team_id=loop.team_id,
            channel=channel_id,
        )
        if channel_id:
            enqueue_card_post(session, loop=loop)
        else:
            log.warning("loop %s has no route and no default channel; set LOOPKEEPER_DEFAULT_CHANNEL", loop.id)
        loops.append(loop)
    return loops


def attach_feedback(session: Session, *, feedback: Feedback, loop: Loop, via: str, now: datetime) -> None:
    """Later feedback from the customer joins their open loop: noted in its thread, counted on its card."""
    feedback.loop_id = loop.id
    session.add(feedback)
    session.flush()
    record_event(
        session,
        loop=loop,
        kind="feedback_added",
        actor=LOOPKEEPER,
        via=via,
        at=now,
        source=feedback.source,
        feedback_id=feedback.id,
    )
    team = get_team(session=session, team_id=loop.team_id)
    summary = feedback_summary(feedback, mask_emails=team is not None and team.mask_emails)
    enqueue_thread_reply(session, loop=loop, text=":speech_balloon: More from this customer — " + summary)
    enqueue_card_update(session, loop=loop)


def feedback_changed(
    session: Session,
    *,
    feedback: Feedback,
    loops: list[Loop],
    changes: list[str],
    via: str,
    now: datetime,
    reroute: Target | None = None,
    suggestions: list[dict] | None = None,
) -> None:
    """The source changed a response: each loop's card and thread say so; ``reroute`` moves the first loop."""
    note = f":pencil2: Updated in {feedback.source}: " + "; ".join(changes)
    moved: set[int] = set()
    if loops and suggestions is not None:
        loops[0].suggestions = suggestions
        session.add(loops[0])
    if loops and reroute is not None:
        team, channel_id = reroute
        primary = loops[0]
        if channel_id and (team.id if team else None, channel_id) != (primary.team_id, primary.channel_id):
            move_loop(
                session, loop=primary, team=team, channel_id=channel_id, reason=note, actor=LOOPKEEPER, via=via, now=now
            )
            moved.add(primary.id)
    session.flush()
    for loop in loops:
        record_event(
            session,
            loop=loop,
            kind="feedback_updated",
            actor=LOOPKEEPER,
            via=via,
            at=now,
            source=feedback.source,
            changes=changes,
        )
        if loop.id not in moved and loop.channel_id:
            enqueue_card_update(session, loop=loop)
            enqueue_thread_reply(session, loop=loop, text=note)
