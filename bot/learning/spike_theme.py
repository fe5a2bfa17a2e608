"""Elevate as theme, from a spike alert: one new theme, owned by the alerted team, linking every loop of the spike."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.delivery.outbox import enqueue_spike_alert_update, enqueue_theme_card, enqueue_theme_note
from bot.errors import BadRequest, NotFound
from bot.loops.changes import Actor
from bot.mrkdwn import escape, mention_user
from bot.themes.elevation import link_loop, new_theme
from models.db import transaction
from models.loop import list_loops_by_id
from models.spike import claim_spike_theme, get_spike_alert
from models.team import get_team
from models.theme import Theme

IMPACT = "complaint"  # a cluster of detractors about one thing; the team can change it on the theme's loops


def elevate_spike(engine: Engine, *, actor: Actor, alert_id: int) -> Theme:
    """In one transaction: the theme, a link (with event, card update and notes) per loop, the theme's card and
    the alert's update. A second click (here or on another replica) is told which theme the first one made."""
    with transaction(engine) as session:
        alert = get_spike_alert(session=session, workspace_id=actor.workspace_id, alert_id=alert_id)
        if alert is None:
            raise NotFound("That spike alert no longer exists here.")
        if alert.theme_id is not None:
            raise BadRequest(f"This spike was already elevated to theme #{alert.theme_id}.")
        team = get_team(session=session, team_id=alert.team_id)
        if team is None:
            raise NotFound("The team this spike was about no longer exists; elevate its loops one by one.")
        theme = new_theme(session, actor, name=f"Spike: {alert.label}", team=team)
        if not claim_spike_theme(session=session, alert_id=alert.id, theme_id=theme.id, by=actor.user_id):
            session.refresh(alert)
            raise BadRequest(f"This spike was already elevated to theme #{alert.theme_id}.")
        note = f"From the spike alert: {alert.count} detractors in 24 h against {alert.baseline_per_day:.1f} a day"
        loops = list_loops_by_id(session=session, workspace_id=actor.workspace_id, loop_ids=alert.loop_ids)
        for loop in loops:
            link_loop(session, actor, loop, theme, impact=IMPACT, note=note, theme_note=False)
        enqueue_theme_card(session, workspace_id=theme.workspace_id, theme_id=theme.id, channel_id=theme.channel_id)
        enqueue_theme_note(
            session,
            workspace_id=theme.workspace_id,
            theme_id=theme.id,
            channel_id=theme.channel_id,
            text=f":arrow_up: {mention_user(actor.user_id)} elevated the {len(loops)} loops of a spike alert "
            f"({escape(alert.label)}: {note[len('From the spike alert: ') :]}) — "
            + ", ".join(f"#{loop.id}" for loop in loops),
        )
        enqueue_spike_alert_update(
            session, workspace_id=alert.workspace_id, alert_id=alert.id, channel_id=alert.channel_id
        )
        return theme
