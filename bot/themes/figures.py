"""A theme's figures, derived from its loops and their feedback (never typed in)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from bot.feedback import BAD_CATEGORIES
from models.feedback import Feedback
from models.loop import OPEN_STATUSES, Loop
from models.theme import Theme, ThemeLink, linked_feedback_times, theme_loop_rows, touchpoint_counts

WEEKS_SHOWN = 8
VERBATIMS_SHOWN = 3
MAX_VERIFY_WINDOW = timedelta(days=28)


@dataclass(frozen=True)
class ThemeFigures:
    customers: int
    arr: Decimal
    detractors: int
    open_loops: int
    resolved_loops: int
    first_seen: datetime | None
    last_seen: datetime | None
    weekly: list[tuple[date, int]]
    verbatims: list[str]
    elevated_by: list[str]
    told: int
    linked: int
    touchpoint: str | None
    team_ids: list[int]


@dataclass(frozen=True)
class Verification:
    """Equal windows before and after the ship date: new linked feedback, and the touchpoint's detractor rate."""

    days: int
    feedback_before: int
    feedback_after: int
    touchpoint: str | None
    rate_before: tuple[int, int]  # (detractors, all scored feedback)
    rate_after: tuple[int, int]


def customer_key(feedback: Feedback) -> str:
    """Who a piece of feedback is from, for counting customers once."""
    return (feedback.customer_email or feedback.customer_id or feedback.account or f"feedback:{feedback.id}").lower()


def account_key(feedback: Feedback) -> str:
    """Which account it is about, for counting ARR once per account."""
    return (feedback.account or feedback.customer_email or feedback.customer_id or f"feedback:{feedback.id}").lower()


def figures(rows: list[tuple[ThemeLink, Loop, Feedback]], arrivals: list[datetime], *, now: datetime) -> ThemeFigures:
    """Every figure of a theme from its (link, loop, feedback) rows and when its feedback arrived."""
    arr_by_account: dict[str, Decimal] = {}
    for _, _, feedback in rows:
        if feedback.arr is not None:
            key = account_key(feedback)
            arr_by_account[key] = max(arr_by_account.get(key, Decimal(0)), Decimal(feedback.arr))
    newest_first = sorted(rows, key=lambda row: row[2].received_at, reverse=True)
    touchpoints = Counter(f.touchpoint for _, _, f in rows if f.touchpoint)
    elevators: list[str] = []
    for link, _, _ in rows:
        if link.elevated_by not in elevators:
            elevators.append(link.elevated_by)
    return ThemeFigures(
        customers=len({customer_key(f) for _, _, f in rows}),
        arr=sum(arr_by_account.values(), Decimal(0)),
        detractors=sum(1 for _, _, f in rows if f.category in BAD_CATEGORIES),
        open_loops=sum(1 for _, loop, _ in rows if loop.status in OPEN_STATUSES),
        resolved_loops=sum(1 for _, loop, _ in rows if loop.status == "resolved"),
        first_seen=min(arrivals) if arrivals else None,
        last_seen=max(arrivals) if arrivals else None,
        weekly=weekly_counts(arrivals, now=now),
        verbatims=[f.comment for _, _, f in newest_first if f.comment][:VERBATIMS_SHOWN],
        elevated_by=elevators,
        told=sum(1 for link, _, _ in rows if link.customer_told_at is not None),
        linked=len(rows),
        touchpoint=touchpoints.most_common(1)[0][0] if touchpoints else None,
        team_ids=sorted({loop.team_id for _, loop, _ in rows if loop.team_id is not None}),
    )


def weekly_counts(arrivals: list[datetime], *, now: datetime, weeks: int = WEEKS_SHOWN) -> list[tuple[date, int]]:
    """New linked feedback per week (weeks start on Monday), the last ``weeks`` weeks, oldest first."""
    this_week = (now - timedelta(days=now.weekday())).date()
    starts = [this_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = Counter((when - timedelta(days=when.weekday())).date() for when in arrivals)
    return [(start, counts.get(start, 0)) for start in starts]


def theme_figures(session: Session, *, theme: Theme, now: datetime) -> ThemeFigures:
    """A theme's figures, read now."""
    return figures(
        theme_loop_rows(session=session, theme_ids=[theme.id]),
        linked_feedback_times(session=session, theme_id=theme.id),
        now=now,
    )


def verification(session: Session, *, theme: Theme, figures: ThemeFigures, now: datetime) -> Verification | None:
    """Before and after the ship date, in equal windows (up to four weeks each); None before it shipped."""
    if theme.shipped_at is None:
        return None
    window = max(timedelta(days=1), min(now - theme.shipped_at, MAX_VERIFY_WINDOW))
    start, ship, end = theme.shipped_at - window, theme.shipped_at, theme.shipped_at + window
    arrivals = linked_feedback_times(session=session, theme_id=theme.id)
    rate_before = rate_after = (0, 0)
    if figures.touchpoint:
        rate_before = touchpoint_counts(
            session=session, workspace_id=theme.workspace_id, touchpoint=figures.touchpoint, start=start, end=ship
        )
        rate_after = touchpoint_counts(
            session=session, workspace_id=theme.workspace_id, touchpoint=figures.touchpoint, start=ship, end=end
        )
    return Verification(
        days=window.days or 1,
        feedback_before=sum(1 for when in arrivals if start <= when < ship),
        feedback_after=sum(1 for when in arrivals if ship <= when < end),
        touchpoint=figures.touchpoint,
        rate_before=rate_before,
        rate_after=rate_after,
    )
