"""The report month by month, for its chart: closure rate, and churn of closed and never-closed loops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.accounts.statistics import Rate
from bot.impact.periods import Window
from models.feedback import Feedback
from models.loop import Loop

NEVER = "never"
RESOLVED = "resolved"


@dataclass(frozen=True)
class Month:
    """One calendar month of the period (its first and last may be partial)."""

    start: datetime
    closure: Rate  # detractor loops received that month that are resolved now
    churn_closed: Rate  # counted loops of the month, closed (within SLA or late), whose account churned
    churn_never: Rate  # counted loops of the month never closed whose account churned


def months(
    window: Window, *, tz_name: str, pairs: list[tuple[Loop, Feedback]], counted: list[tuple[Feedback, str, bool]]
) -> list[Month]:
    """Each month the window touches, by when the feedback was received (in ``tz_name``)."""
    tz = ZoneInfo(tz_name)
    found = []
    for start, end in _month_edges(window, tz):
        bad = [loop for loop, f in pairs if start <= f.received_at < end]
        closed = [churned for f, group, churned in counted if start <= f.received_at < end and group != NEVER]
        never = [churned for f, group, churned in counted if start <= f.received_at < end and group == NEVER]
        found.append(
            Month(
                start=start,
                closure=Rate(sum(1 for loop in bad if loop.status == RESOLVED), len(bad)),
                churn_closed=Rate(sum(closed), len(closed)),
                churn_never=Rate(sum(never), len(never)),
            )
        )
    return found


def _month_edges(window: Window, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    local = window.start.astimezone(tz)
    year, month = local.year, local.month
    edges = []
    while True:
        start = datetime.combine(local.date().replace(year=year, month=month, day=1), time(0), tzinfo=tz)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
        end = datetime.combine(local.date().replace(year=year, month=month, day=1), time(0), tzinfo=tz)
        edges.append((max(start.astimezone(UTC), window.start), min(end.astimezone(UTC), window.end)))
        if end.astimezone(UTC) >= window.end:
            return edges
