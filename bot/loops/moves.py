"""Moving a loop to another team's channel, with a note on the card it leaves behind."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.errors import LoopNotFound, NotAuthorized
from bot.delivery.outbox import (
    cancel_unsent_posts,
    enqueue_card_post,
    enqueue_moved_card,
    enqueue_thread_reply,
)
from bot.loops.sla import set_due_times
from models.feedback import Feedback
from models.loop import Loop, LoopEvent, get_loop
from models.team import Team, get_team_by_name


def move_loop(session: Session, *, loop: Loop, feedback: Feedback, team: Team | None, channel_id: str,
              reason: str, actor: str, via: str, now: datetime) -> None:
    """Hand ``loop`` to ``team`` (or a bare channel) without committing: old card marked, new card posted."""
    old_channel, old_ts = loop.channel_id, loop.card_ts
    if old_ts:
        enqueue_moved_card(session, loop=loop, feedback=feedback, channel_id=old_channel, ts=old_ts,
                           moved_to=channel_id)
        enqueue_thread_reply(session, loop=loop, channel_id=old_channel, thread_ts=old_ts,
                             text=f":arrow_right: Moved to <#{channel_id}>. {reason}")
    else:
        cancel_unsent_posts(session, loop=loop)
    session.add(LoopEvent(workspace_id=loop.workspace_id, loop_id=loop.id, kind="moved", actor=actor, via=via,
                          at=now, details={"from_channel": old_channel, "to_channel": channel_id,
                                           "from_team": loop.team_id, "to_team": team.id if team else None}))
    loop.team_id, loop.channel_id, loop.card_ts = (team.id if team else None), channel_id, None
    set_due_times(loop, team, since=now)
    session.add(loop)
    session.flush()
    enqueue_card_post(session, loop=loop, feedback=feedback)
    if old_channel:
        enqueue_thread_reply(session, loop=loop, text=f":arrow_left: Moved here from <#{old_channel}>. {reason}")


def move_to_team(session: Session, *, workspace_id: str, loop_id: int, user_id: str, team_name: str, reason: str,
                 via: str, now: datetime) -> Loop:
    """A person moves a loop to another team, with a reason; committed."""
    loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
    if loop is None:
        raise LoopNotFound(f"Loop #{loop_id} no longer exists; it may have been deleted.")
    current = session.get(Team, loop.team_id) if loop.team_id else None
    if current is not None and current.leads_only_moves and user_id not in current.leads:
        raise NotAuthorized(f"only {current.name}'s leads may move its loops")
    team = get_team_by_name(session=session, workspace_id=workspace_id, name=team_name)
    if team is None:
        raise LoopNotFound(f"There is no team called {team_name} any more.")
    if team.id == loop.team_id:
        session.rollback()
        return loop
    move_loop(session, loop=loop, feedback=session.get(Feedback, loop.feedback_id), team=team,
              channel_id=team.channel_id, reason=f"<@{user_id}>: {reason}" if reason else f"By <@{user_id}>.",
              actor=user_id, via=via, now=now)
    session.commit()
    return loop
