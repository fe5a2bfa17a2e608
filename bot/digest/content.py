"""What a digest says, computed for one team and one period from aggregate queries."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col

from bot.themes.lists import RankedTheme, ranked_themes
from models import digest_queries as q
from models.feedback import Feedback
from models.loop import Loop
from models.team import Team

OVERDUE_SHOWN = 5
THEMES_SHOWN = 5
LIVE_THEME_STATUSES = ("new", "accepted", "fix_planned", "shipped")
OWNER_LOOPS_SHOWN = 3
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "don",
        "for",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "not",
        "now",
        "of",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "same",
        "she",
        "should",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "really",
        "still",
        "even",
        "much",
        "many",
        "one",
        "two",
        "get",
        "got",
        "us",
        "im",
        "it's",
        "i'm",
        "don't",
        "can't",
    ]
)
WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]{2,}")


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
    team: Team | None
    period: Period
    now: datetime
    open: dict[str, int]
    current: dict
    previous: dict
    ack_times: tuple[float | None, float | None]
    ack_times_before: tuple[float | None, float | None]
    resolve_times: tuple[float | None, float | None]
    resolve_times_before: tuple[float | None, float | None]
    revenue_at_risk: Decimal
    touchpoints: list[tuple[str, int, int]]
    products: list[tuple[str, int, int]]
    common_words: list[tuple[str, int]]
    owners: list[tuple[str, int, datetime]]
    owner_loops: dict[str, list[tuple[int, datetime, str, str | None]]] = field(default_factory=dict)
    overdue: list[Loop] = field(default_factory=list)
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


def common_words(comments: list[str], *, top: int = 5) -> list[tuple[str, int]]:
    """The most common words in the period's detractor comments, once per comment (explainable counts)."""
    counts: Counter[str] = Counter()
    for comment in comments:
        counts.update({w.lower().strip("'-") for w in WORD.findall(comment)} - STOPWORDS)
    ranked = sorted(((word, n) for word, n in counts.items() if n > 1), key=lambda item: (-item[1], item[0]))
    return ranked[:top]


def build_digest(session: Session, *, workspace_id: str, team: Team | None, period: Period, now: datetime) -> Digest:
    """Every figure of a digest; each query aggregates in the database."""
    team_id = team.id if team else None
    scope: dict[str, Any] = {"workspace_id": workspace_id, "team_id": team_id}
    edges = (now - timedelta(days=1), now - timedelta(days=3), now - timedelta(days=7))
    before = period.previous
    overdue, overdue_total = q.overdue_loops(session=session, now=now, limit=OVERDUE_SHOWN, **scope)
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
        revenue_at_risk=q.revenue_at_risk(session=session, **scope),
        touchpoints=q.weakest(
            session=session, start=period.start, end=period.end, column=col(Feedback.touchpoint), **scope
        ),
        products=q.weakest(session=session, start=period.start, end=period.end, column=col(Feedback.product), **scope),
        common_words=common_words(q.detractor_comments(session=session, start=period.start, end=period.end, **scope)),
        owners=q.open_by_owner(session=session, **scope),
        owner_loops=q.oldest_open_by_owner(session=session, per_owner=OWNER_LOOPS_SHOWN, **scope),
        overdue=overdue,
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
