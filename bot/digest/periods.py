"""Digest periods in a team's timezone: last week, yesterday, this week so far."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.digest.content import Period
from bot.errors import CommandError

NAMES = ("last-week", "last-day", "this-week")


def period(name: str, *, now: datetime, tz_name: str = "UTC") -> Period:
    """The named period ending at or before ``now``, with boundaries at local midnight."""
    tz = ZoneInfo(tz_name)
    today = now.astimezone(tz).date()
    midnight = datetime.combine(today, time(0), tzinfo=tz)
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=tz)
    if name == "last-week":
        start = datetime.combine(monday.date() - timedelta(days=7), time(0), tzinfo=tz)
        return Period(start.astimezone(UTC), monday.astimezone(UTC), "last week")
    if name == "last-day":
        start = datetime.combine(today - timedelta(days=1), time(0), tzinfo=tz)
        return Period(start.astimezone(UTC), midnight.astimezone(UTC), "yesterday")
    if name == "this-week":
        return Period(monday.astimezone(UTC), now, "this week so far")
    raise CommandError(f"`{name}` is not a period; use {', '.join(NAMES)}", example="/loops digest preview billing")
