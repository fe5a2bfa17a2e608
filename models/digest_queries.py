"""Aggregate queries behind team digests: counts, sums and percentiles computed by the database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from models.feedback import Feedback
from models.loop import OPEN_STATUSES, Loop

BAD = ("detractor", "negative")


def _seconds_between(start: Any, end: Any, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _overdue(now: datetime) -> ColumnElement[bool]:
    """Past the due time of the step it is waiting for (acknowledging while new, else resolving)."""
    return or_(and_(col(Loop.status) == "new", col(Loop.ack_due_at) <= now), col(Loop.resolve_due_at) <= now)


def _scope(team_id: int | None, workspace_id: str) -> list[ColumnElement[bool]]:
    return [
        col(Loop.workspace_id) == workspace_id,
        col(Loop.team_id) == team_id if team_id is not None else literal(True),
    ]


def open_by_age(
    *,
    session: Session,
    workspace_id: str,
    team_id: int | None,
    now: datetime,
    edges: tuple[datetime, datetime, datetime],
) -> dict[str, int]:
    """Open loops by age (< 1 day, 1–3 days, 3–7 days, older), unowned and overdue, in one query."""
    day1, day3, day7 = edges
    overdue = _overdue(now)
    row = session.execute(
        select(
            func.count(),
            func.sum(case((col(Loop.created_at) > day1, 1), else_=0)),
            func.sum(case((and_(col(Loop.created_at) <= day1, col(Loop.created_at) > day3), 1), else_=0)),
            func.sum(case((and_(col(Loop.created_at) <= day3, col(Loop.created_at) > day7), 1), else_=0)),
            func.sum(case((col(Loop.created_at) <= day7, 1), else_=0)),
            func.sum(case((col(Loop.owner_id).is_(None), 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
        ).where(*_scope(team_id, workspace_id), col(Loop.status).in_(OPEN_STATUSES))
    ).one()
    keys = ("open", "under_1d", "1_3d", "3_7d", "older", "unowned", "overdue")
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


def period_counts(*, session: Session, workspace_id: str, team_id: int | None, start: datetime, end: datetime) -> dict:
    """Opened and closed in [start, end), the detractors among those opened, outcomes, and revenue retained
    (ARR of loops resolved as saved)."""
    in_period = and_(col(Loop.resolved_at) >= start, col(Loop.resolved_at) < end)
    opened_in_period = and_(col(Loop.created_at) >= start, col(Loop.created_at) < end)
    row = session.execute(
        select(
            func.sum(case((opened_in_period, 1), else_=0)),
            func.sum(case((and_(opened_in_period, col(Feedback.category).in_(BAD)), 1), else_=0)),
            func.sum(case((in_period, 1), else_=0)),
            func.sum(case((and_(in_period, col(Loop.outcome) == "saved"), 1), else_=0)),
            func.sum(case((and_(in_period, col(Loop.outcome) == "churned"), 1), else_=0)),
            func.sum(case((and_(in_period, col(Loop.outcome) == "saved"), col(Feedback.arr)), else_=None)),
        )
        .select_from(Loop)
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(*_scope(team_id, workspace_id), or_(opened_in_period, in_period))
    ).one()
    opened, detractors, closed, saved, churned, retained = row
    return {
        "opened": int(opened or 0),
        "detractors": int(detractors or 0),
        "closed": int(closed or 0),
        "saved": int(saved or 0),
        "churned": int(churned or 0),
        "retained": Decimal(retained or 0),
    }


def open_detractors(*, session: Session, workspace_id: str, team_id: int | None) -> tuple[int, Decimal]:
    """Open detractor/negative loops now, and the ARR of the customers behind them (revenue at risk)."""
    loops, arr = session.execute(
        select(func.count(), func.sum(col(Feedback.arr)))
        .select_from(Loop)
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(*_scope(team_id, workspace_id), col(Loop.status).in_(OPEN_STATUSES), col(Feedback.category).in_(BAD))
    ).one()
    return int(loops or 0), Decimal(arr or 0)


def durations(
    *, session: Session, workspace_id: str, team_id: int | None, start: datetime, end: datetime, until: str
) -> tuple[float | None, float | None]:
    """Median and 90th percentile, in seconds, of time to acknowledge (``until="ack"``) or to resolve,
    for loops acknowledged/resolved in [start, end). Nearest-rank percentiles by window functions, so
    SQLite and PostgreSQL compute the same figures."""
    dialect = session.get_bind().dialect.name
    done = col(Loop.acknowledged_at) if until == "ack" else col(Loop.resolved_at)
    seconds = _seconds_between(col(Loop.created_at), done, dialect).label("seconds")
    ranked = (
        select(seconds, func.row_number().over(order_by=seconds).label("position"), func.count().over().label("total"))
        .where(*_scope(team_id, workspace_id), done >= start, done < end)
        .subquery()
    )
    picks = []
    for fraction in (0.5, 0.9):
        # nearest rank: the smallest value with at least `fraction` of values at or below it
        exact = ranked.c.total * fraction
        whole = cast(exact, Integer)
        rank = whole + case((exact > whole, 1), else_=0)
        picks.append(func.min(case((ranked.c.position >= rank, ranked.c.seconds), else_=None)))
    median, p90 = session.execute(select(*picks).select_from(ranked)).one()
    return (float(median) if median is not None else None, float(p90) if p90 is not None else None)


def weakest(
    *,
    session: Session,
    workspace_id: str,
    team_id: int | None,
    start: datetime,
    end: datetime,
    column: Any,
    limit: int = 3,
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Touchpoints (or products) ranked two ways, never mixed: by detractors received in [start, end), and by
    loops open now; up to ``limit`` of each, leaving out zeros, ties by name."""
    received = and_(col(Loop.created_at) >= start, col(Loop.created_at) < end)
    detractor = and_(col(Feedback.category).in_(BAD), received)
    is_open = col(Loop.status).in_(OPEN_STATUSES)
    counts = (
        select(
            column.label("name"),
            func.sum(case((detractor, 1), else_=0)).label("detractors"),
            func.sum(case((is_open, 1), else_=0)).label("open_loops"),
        )
        .select_from(Loop)
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        # filtered on loop columns only, so the database can use the (team, status) and (team, created) indexes
        .where(*_scope(team_id, workspace_id), column.is_not(None), or_(is_open, received))
        .group_by(column)
        .subquery()
    )
    ranked = select(
        counts,
        func.row_number().over(order_by=(counts.c.detractors.desc(), counts.c.name)).label("by_detractors"),
        func.row_number().over(order_by=(counts.c.open_loops.desc(), counts.c.name)).label("by_open"),
    ).subquery()
    rows = session.execute(
        select(ranked.c.name, ranked.c.detractors, ranked.c.open_loops, ranked.c.by_detractors, ranked.c.by_open).where(
            or_(ranked.c.by_detractors <= limit, ranked.c.by_open <= limit)
        )
    ).all()
    by_detractors = sorted((rank, name, int(d)) for name, d, _, rank, _ in rows if rank <= limit and d)
    by_open = sorted((rank, name, int(o)) for name, _, o, _, rank in rows if rank <= limit and o)
    return [(name, n) for _, name, n in by_detractors], [(name, n) for _, name, n in by_open]


def open_by_owner(*, session: Session, workspace_id: str, team_id: int | None) -> list[tuple[str, int, datetime]]:
    """(owner, open loops, oldest opened) for each owner, most loaded first."""
    rows = session.execute(
        select(col(Loop.owner_id), func.count(), func.min(col(Loop.created_at)))
        .where(*_scope(team_id, workspace_id), col(Loop.status).in_(OPEN_STATUSES), col(Loop.owner_id).is_not(None))
        .group_by(col(Loop.owner_id))
        .order_by(func.count().desc(), col(Loop.owner_id))
    ).all()
    return [(owner, int(count), oldest) for owner, count, oldest in rows]


def oldest_open_by_owner(
    *, session: Session, workspace_id: str, team_id: int | None, per_owner: int
) -> dict[str, list[tuple[int, datetime, str, str | None]]]:
    """Each owner's ``per_owner`` oldest open loops: (id, opened, channel, card ts), oldest first."""
    rank = (
        func.row_number()
        .over(partition_by=col(Loop.owner_id), order_by=(col(Loop.created_at), col(Loop.id)))
        .label("rank")
    )
    ranked = (
        select(col(Loop.owner_id), col(Loop.id), col(Loop.created_at), col(Loop.channel_id), col(Loop.card_ts), rank)
        .where(*_scope(team_id, workspace_id), col(Loop.status).in_(OPEN_STATUSES), col(Loop.owner_id).is_not(None))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.owner_id, ranked.c.id, ranked.c.created_at, ranked.c.channel_id, ranked.c.card_ts)
        .where(ranked.c.rank <= per_owner)
        .order_by(ranked.c.owner_id, ranked.c.rank)
    ).all()
    out: dict[str, list] = {}
    for owner, loop_id, opened, channel, card_ts in rows:
        out.setdefault(owner, []).append((loop_id, opened, channel, card_ts))
    return out


def detractor_comments(
    *, session: Session, workspace_id: str, team_id: int | None, start: datetime, end: datetime, limit: int = 500
) -> list[str]:
    """Comments of this period's detractors (bounded), for the theme counts."""
    return list(
        session.execute(
            select(col(Feedback.comment))
            .select_from(Loop)
            .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
            .where(
                *_scope(team_id, workspace_id),
                col(Feedback.category).in_(BAD),
                col(Feedback.comment).is_not(None),
                col(Loop.created_at) >= start,
                col(Loop.created_at) < end,
            )
            .order_by(col(Loop.id).desc())
            .limit(limit)
        ).scalars()
    )


def overdue_owned_loops(
    *, session: Session, workspace_id: str, team_id: int | None, now: datetime, limit: int
) -> tuple[list[Loop], int]:
    """The oldest overdue open loops that someone owns (up to ``limit``) and how many there are in all."""
    overdue = [
        *_scope(team_id, workspace_id),
        col(Loop.status).in_(OPEN_STATUSES),
        col(Loop.owner_id).is_not(None),
        _overdue(now),
    ]
    total = session.execute(select(func.count()).select_from(Loop).where(*overdue)).scalar()
    loops = list(
        session.execute(
            select(Loop).where(*overdue).order_by(col(Loop.created_at), col(Loop.id)).limit(limit)
        ).scalars()
    )
    return loops, int(total or 0)


def unowned_loops(
    *, session: Session, workspace_id: str, team_id: int | None, now: datetime, limit: int
) -> tuple[list[Loop], int]:
    """Open loops nobody owns, overdue first and then oldest (up to ``limit``), and how many there are in all."""
    unowned = [*_scope(team_id, workspace_id), col(Loop.status).in_(OPEN_STATUSES), col(Loop.owner_id).is_(None)]
    total = session.execute(select(func.count()).select_from(Loop).where(*unowned)).scalar()
    overdue_first = case((_overdue(now), 0), else_=1)
    loops = list(
        session.execute(
            select(Loop).where(*unowned).order_by(overdue_first, col(Loop.created_at), col(Loop.id)).limit(limit)
        ).scalars()
    )
    return loops, int(total or 0)


def root_cause_counts(
    *, session: Session, workspace_id: str, team_id: int | None, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """(root cause, loops resolved with it in [start, end)), most common first."""
    rows = session.execute(
        select(col(Loop.root_cause), func.count())
        .where(
            *_scope(team_id, workspace_id),
            col(Loop.root_cause).is_not(None),
            col(Loop.resolved_at) >= start,
            col(Loop.resolved_at) < end,
        )
        .group_by(col(Loop.root_cause))
        .order_by(func.count().desc(), col(Loop.root_cause))
    ).all()
    return [(str(cause), int(count)) for cause, count in rows]
