"""Due times of a loop from its team's SLAs, counted in the team's business hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.loops.business_hours import add_business_time
from models.loop import Loop
from models.team import Team


def set_due_times(loop: Loop, team: Team | None, *, since: datetime) -> None:
    """Acknowledge-by and resolve-by times for ``loop`` (None when the team has no such SLA)."""
    if team is None:
        loop.ack_due_at = loop.resolve_due_at = None
        return
    loop.ack_due_at = _due(team, team.sla_ack_minutes, since)
    loop.resolve_due_at = _due(team, team.sla_close_minutes, since)


def _due(team: Team, minutes: int | None, since: datetime) -> datetime | None:
    if not minutes:
        return None
    return add_business_time(since, timedelta(minutes=minutes), tz_name=team.timezone, hours=team.hours)


def breached(loop: Loop, now: datetime) -> str | None:
    """Which SLA the loop is past ("ack" or "resolve"), if any."""
    if loop.status == "resolved":
        return None
    if loop.status == "new" and loop.ack_due_at and now >= loop.ack_due_at:
        return "ack"
    if loop.resolve_due_at and now >= loop.resolve_due_at:
        return "resolve"
    return None
