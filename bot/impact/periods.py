"""The impact report's periods: the last 90 days unless told; named like the digest's (``last-week``, …).

Churn is read up to 90 days after each feedback, so short periods hold few loops: the longer names exist for that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import CommandError

DEFAULT = "last-90-days"
LAST_DAYS = {"last-30-days": 30, "last-90-days": 90, "last-180-days": 180, "last-365-days": 365}
CALENDAR = ("last-month", "this-month", "last-quarter", "this-quarter")
DIGEST = ("last-week", "last-day", "this-week")
NAMES = (*LAST_DAYS, *CALENDAR, *DIGEST)
MAX_DAYS = 730
_DAYS = re.compile(r"^(\d{1,3})d$")
EXAMPLE = "/loops impact billing last-quarter"


@dataclass(frozen=True)
class Window:
    """The period whose feedback the report counts: [start, end), and how people say it."""

    start: datetime
    end: datetime
    label: str


def is_period(word: str) -> bool:
    """Whether a word names a period (``last-90-days``, ``this-quarter``, ``60d``, …)."""
    return word.lower() in NAMES or _DAYS.match(word.lower()) is not None


def last_days(days: int, *, end: datetime) -> Window:
    """The ``days`` days up to ``end``."""
    return Window(end - timedelta(days=days), end, f"last {days} days")


def window(word: str | None, *, now: datetime, tz_name: str = "UTC") -> Window:
    """The named period ending at or before ``now``; calendar periods start at local midnight."""
    name = (word or DEFAULT).lower()
    if name in LAST_DAYS:
        return last_days(LAST_DAYS[name], end=now)
    match = _DAYS.match(name)
    if match:
        days = int(match.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"`{word}`: a period is 1 to {MAX_DAYS} days", example=EXAMPLE)
        return last_days(days, end=now)
    tz = ZoneInfo(tz_name)
    today = now.astimezone(tz).date()

    def midnight(year: int, month: int, day: int = 1) -> datetime:
        return datetime.combine(today.replace(year=year, month=month, day=day), time(0), tzinfo=tz).astimezone(UTC)

    month_start = midnight(today.year, today.month)
    quarter_month = 3 * ((today.month - 1) // 3) + 1
    quarter_start = midnight(today.year, quarter_month)
    if name == "this-month":
        return Window(month_start, now, "this month so far")
    if name == "last-month":
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        return Window(midnight(year, month), month_start, "last month")
    if name == "this-quarter":
        return Window(quarter_start, now, "this quarter so far")
    if name == "last-quarter":
        year, month = (today.year, quarter_month - 3) if quarter_month > 1 else (today.year - 1, 10)
        return Window(midnight(year, month), quarter_start, "last quarter")
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=tz)
    if name == "last-week":
        return Window((monday - timedelta(days=7)).astimezone(UTC), monday.astimezone(UTC), "last week")
    if name == "this-week":
        return Window(monday.astimezone(UTC), now, "this week so far")
    if name == "last-day":
        start = datetime.combine(today - timedelta(days=1), time(0), tzinfo=tz)
        return Window(start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC), "yesterday")
    raise CommandError(f"`{word}` is not a period; use {', '.join(NAMES)} or a number of days (`60d`)", example=EXAMPLE)
