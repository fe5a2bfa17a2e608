"""What a digest says, computed for one team and one period from aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col

from bot.insight.words import common_words
from bot.loops.lists import LoadedLoop, with_feedback
from bot.themes.lists import RankedTheme, ranked_themes
from models import digest_queries as q
from models.feedback import Feedback
from models.team import Team

OVERDUE_SHOWN = 5
UNOWNED_SHOWN = 5
THEMES_SHOWN = 5
LIVE_THEME_STATUSES = ("new", "accepted", "fix_planned", "shipped")
OWNER_LOOPS_SHOWN = 3


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str

    @property
    def previous(self) -> Period:
        span = self.end - self.start
        return Period(self.start - span, self.start, f"the {self.label} before")


@dataclass
class Digest:
    """Every figure of one digest. Each is either of the period (received, closed, acknowledged in it) or of
    now (open at ``now``); the renderer says which on every line."""

    team: Team | None
    period: Period
    now: datetime
    open: dict[str, int]  # now
    current: dict  # this period
    previous: dict  # the period before
    ack_times: tuple[float | None, float | None]
    ack_times_before: tuple[float | None, float | None]
    resolve_times: tuple[float | None, float | None]
    resolve_times_before: tuple[float | None, float | None]
    open_detractors: int  # now
    revenue_at_risk: Decimal  # now: ARR behind the open detractor loops
    touchpoints: list[tuple[str, int]]  # detractors received this period
    products: list[tuple[str, int]]
    open_touchpoints: list[tuple[str, int]]  # loops open now
    open_products: list[tuple[str, int]]
    common_words: list[tuple[str, int]]
    owners: list[tuple[str, int, datetime]]
    owner_loops: dict[str, list[tuple[int, datetime, str, str | None]]] = field(default_factory=dict)
    # Unowned loops (overdue first, then oldest) and overdue loops that have an owner: together every loop
    # that needs someone, each listed once.
    unowned: list[LoadedLoop] = field(default_factory=list)
    unowned_total: int = 0
    overdue: list[LoadedLoop] = field(default_factory=list)
    overdue_total: int = 0
    late: bool = False
    root_causes: list[tuple[str, int]] = field(default_factory=list)
    # Themes the team owns (still open or shipped), and themes its own loops were elevated to, by ARR affected.
    themes_owned: list[RankedTheme] = field(default_factory=list)
    themes_fed: list[RankedTheme] = field(default_factory=list)

    @property
    def closure_rate(self) -> float | None:
        opened = self.current["opened"]
        return self.current["closed"] / opened if opened else None

    @property
    def all_clear(self) -> bool:
        return self.open["open"] == 0 and self.current["closed"] == 0 and self.current["opened"] == 0


def build_digest(session: Session, *, workspace_id: str, team: Team | None, period: Period, now: datetime) -> Digest:
    """Every figure of a digest; each query aggregates in the database."""
    team_id = team.id if team else None
    scope: dict[str, Any] = {"workspace_id": workspace_id, "team_id": team_id}
    edges = (now - timedelta(days=1), now - timedelta(days=3), now - timedelta(days=7))
    before = period.previous
    unowned, unowned_total = q.unowned_loops(session=session, now=now, limit=UNOWNED_SHOWN, **scope)
    overdue, overdue_total = q.overdue_owned_loops(session=session, now=now, limit=OVERDUE_SHOWN, **scope)
    open_detractors, revenue_at_risk = q.open_detractors(session=session, **scope)
    touchpoints, open_touchpoints = q.weakest(
        session=session, start=period.start, end=period.end, column=col(Feedback.touchpoint), **scope
    )
    products, open_products = q.weakest(
        session=session, start=period.start, end=period.end, column=col(Feedback.product), **scope
    )
    return Digest(
        team=team,
        period=period,
        now=now,
        open=q.open_by_age(session=session, now=now, edges=edges, **scope),
        current=q.period_counts(session=session, start=period.start, end=period.end, **scope),
        previous=q.period_counts(session=session, start=before.start, end=before.end, **scope),
        ack_times=q.durations(session=session, start=period.start, end=period.end, until="ack", **scope),
        ack_times_before=q.durations(session=session, start=before.start, end=before.end, until="ack", **scope),
        resolve_times=q.durations(session=session, start=period.start, end=period.end, until="resolve", **scope),
        resolve_times_before=q.durations(session=session, start=before.start, end=before.end, until="resolve", **scope),
        open_detractors=open_detractors,
        revenue_at_risk=revenue_at_risk,
        touchpoints=touchpoints,
        products=products,
        open_touchpoints=open_touchpoints,
        open_products=open_products,
        common_words=common_words(q.detractor_comments(session=session, start=period.start, end=period.end, **scope)),
        owners=q.open_by_owner(session=session, **scope),
        owner_loops=q.oldest_open_by_owner(session=session, per_owner=OWNER_LOOPS_SHOWN, **scope),
        unowned=with_feedback(session, unowned),
        unowned_total=unowned_total,
        overdue=with_feedback(session, overdue),
        overdue_total=overdue_total,
        root_causes=q.root_cause_counts(session=session, start=period.start, end=period.end, **scope),
        themes_owned=ranked_themes(
            session, workspace_id=workspace_id, now=now, owner=team, statuses=LIVE_THEME_STATUSES
        )
        if team
        else [],
        themes_fed=ranked_themes(
            session, workspace_id=workspace_id, now=now, team_of_loops=team, statuses=LIVE_THEME_STATUSES
        ),
    )
