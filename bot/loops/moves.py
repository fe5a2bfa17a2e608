"""Moving a loop to another team's channel, with a note on the card it leaves behind."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.delivery.outbox import cancel_unsent_posts, enqueue_card_post, enqueue_moved_card, enqueue_thread_reply
from bot.errors import NotFound
from bot.loops.changes import Actor
from bot.loops.events import record_event
from bot.loops.permissions import check_lead_rule
from bot.loops.sla import set_due_times
from bot.mrkdwn import link_channel, mention_user
from models.loop import Loop
from models.team import Team, get_team, get_team_by_name


def move_loop(
    session: Session,
    *,
    loop: Loop,
    team: Team | None,
    channel_id: str,
    reason: str,
    actor: str,
    via: str,
    now: datetime,
) -> None:
    """Hand ``loop`` to ``team`` (or a bare channel) in the caller's transaction: old card marked, new posted."""
    old_channel, old_ts = loop.channel_id, loop.card_ts
    if old_ts:
        enqueue_moved_card(session, loop=loop, channel_id=old_channel, ts=old_ts, moved_to=channel_id)
        enqueue_thread_reply(
            session,
            loop=loop,
            channel_id=old_channel,
            thread_ts=old_ts,
            text=f":arrow_right: Moved to {link_channel(channel_id)}. {reason}",
        )
    else:
        cancel_unsent_posts(session, loop=loop)
    old_team = loop.team_id
    loop.team_id, loop.channel_id, loop.card_ts = (team.id if team else None), channel_id, None
    set_due_times(loop, team, since=now)
    session.add(loop)
    session.flush()
    # recorded once the loop is in its new place, so the event's snapshot (hooks) shows where it went
    record_event(
        session,
        loop=loop,
        kind="moved",
        actor=actor,
        via=via,
        at=now,
        from_channel=old_channel,
        to_channel=channel_id,
        from_team=old_team,
        to_team=team.id if team else None,
    )
    enqueue_card_post(session, loop=loop)
    if old_channel:
        enqueue_thread_reply(
            session, loop=loop, text=f":arrow_left: Moved here from {link_channel(old_channel)}. {reason}"
        )


def move_to_team(session: Session, *, actor: Actor, loop: Loop, team_name: str, reason: str) -> bool:
    """A person moves a loop to another team, with a reason; False when it is that team's already."""
    check_lead_rule(get_team(session=session, team_id=loop.team_id), user_id=actor.user_id, verb="move")
    team = get_team_by_name(session=session, workspace_id=actor.workspace_id, name=team_name)
    if team is None:
        raise NotFound(f"There is no team called {team_name} any more.")
    if team.id == loop.team_id:
        return False
    who = f"{mention_user(actor.user_id)}"
    move_loop(
        session,
        loop=loop,
        team=team,
        channel_id=team.channel_id,
        reason=f"{who}: {reason}" if reason else f"By {who}.",
        actor=actor.user_id,
        via=actor.via,
        now=actor.now,
    )
    return True
