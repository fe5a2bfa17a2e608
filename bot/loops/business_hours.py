"""Counting SLA time in a team's business hours and timezone (DST-safe)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.schedules import DAYS

MAX_DAYS_SEARCHED = 366


def _window(day: datetime, hours: dict, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start_h, start_m = map(int, hours["start"].split(":"))
    end_h, end_m = map(int, hours["end"].split(":"))
    local = day.date()
    start = datetime.combine(local, time(start_h, start_m), tzinfo=tz)
    end = datetime.combine(local, time(end_h, end_m), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def add_business_time(
    start: datetime, duration: timedelta, *, tz_name: str = "UTC", hours: dict | None = None
) -> datetime:
    """When ``duration`` of working time has passed after ``start``.

    With no business hours the clock runs around the clock. Otherwise only time
    inside each business day's window counts, in the team's timezone: a Friday
    16:30 alert with a 2-hour SLA for a 09:00–17:00 team is due Monday 10:30.
    Windows are built from local wall-clock times each day, so DST changes
    shift them correctly. Whole days count as business days: "close 2d" for a
    09:00–17:00 team is 16 working hours, not 48.
    """
    if hours is None:
        return start + duration
    tz = ZoneInfo(tz_name)
    remaining = duration
    if duration >= timedelta(days=1) and duration % timedelta(days=1) == timedelta(0):
        day_length = datetime.combine(datetime.min, time.fromisoformat(hours["end"])) - datetime.combine(
            datetime.min, time.fromisoformat(hours["start"])
        )
        remaining = (duration // timedelta(days=1)) * day_length
    cursor = start.astimezone(tz)
    for _ in range(MAX_DAYS_SEARCHED):
        if DAYS[cursor.weekday()] in hours["days"]:
            open_at, close_at = _window(cursor, hours, tz)
            begin = max(open_at, cursor.astimezone(UTC))
            if begin < close_at:
                available = close_at - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        next_day = (cursor + timedelta(days=1)).date()
        cursor = datetime.combine(next_day, time(0, 0), tzinfo=tz)
    raise ValueError("business hours never open; check the team's hours")


def next_opening(after: datetime, *, tz_name: str, hours: dict | None, at: str = "09:00") -> datetime:
    """The next local ``at`` o'clock on a business day after ``after`` (snooze "until tomorrow 09:00")."""
    tz = ZoneInfo(tz_name)
    hour, minute = map(int, at.split(":"))
    day = after.astimezone(tz).date() + timedelta(days=1)
    for _ in range(14):
        if hours is None or DAYS[day.weekday()] in hours["days"]:
            return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
        day += timedelta(days=1)
    return datetime.combine(after.astimezone(tz).date() + timedelta(days=1), time(hour, minute), tzinfo=tz).astimezone(
        UTC
    )
