"""A feedback loop (the follow-up owed to one customer) and its event history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint, and_, func, or_, update
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, any_within, primary_key, utcnow
from models.feedback import Feedback, of_customer
from models.workspace import Workspace

OPEN_STATUSES = ("new", "acknowledged", "in_progress")  # and "resolved"


class Loop(SQLModel, table=True):
    __table_args__ = (
        Index("ix_loop_workspace_status", "workspace_id", "status"),
        Index("ix_loop_team_status", "team_id", "status"),
        # digests read one team's period by these
        Index("ix_loop_team_created", "team_id", "created_at"),
        Index("ix_loop_team_acknowledged", "team_id", "acknowledged_at"),
        Index("ix_loop_team_resolved", "team_id", "resolved_at"),
        # a person's open loops and the unowned ones, oldest first (App Home, /loops mine)
        # (no workspace_id in front: SQLite would then pick it for every workspace-and-team query)
        Index("ix_loop_owner_created", "owner_id", "created_at"),
        # each process's similar-loop index catches up on the loops changed since it last looked (not led by the
        # workspace either: SQLite preferred that to the team indexes for a team's digest, 46x slower at 1M loops)
        Index("ix_loop_updated", "updated_at"),
        # the loops closed lately (App Home's "closed this week"), without reading every resolved loop
        Index("ix_loop_resolved_at", "resolved_at"),
    )

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    channel_id: str = Field(max_length=32)
    status: str = Field(default="new", max_length=20)
    owner_id: str | None = Field(default=None, max_length=32)
    acknowledged_by: str | None = Field(default=None, max_length=32)
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    resolved_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    outcome: str | None = Field(default=None, max_length=40)
    contact_method: str | None = Field(default=None, max_length=20)
    resolution_note: str | None = Field(default=None)
    root_cause: str | None = Field(default=None, max_length=80)
    snoozed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    ack_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    resolve_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    suggestions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    card_ts: str | None = Field(default=None, max_length=32)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Reminder(SQLModel, table=True):
    """An SLA reminder step that was sent; the unique key makes each step go out once, across replicas."""

    __table_args__ = (UniqueConstraint("loop_id", "kind", "step", name="uq_reminder_step"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    loop_id: int = Field(foreign_key="loop.id")
    kind: str = Field(max_length=10, description="ack or resolve")
    step: int
    sent_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class LoopEvent(SQLModel, table=True):
    """One thing that happened to a loop: who, what, when and from where."""

    __tablename__ = "loop_event"

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    loop_id: int = Field(foreign_key="loop.id", index=True)
    kind: str = Field(max_length=30)
    actor: str = Field(max_length=32)
    via: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def get_loop(*, session: Session, workspace_id: str, loop_id: int) -> Loop | None:
    """The loop with this id in this workspace; never another workspace's."""
    loop = session.get(Loop, loop_id)
    if loop is None or loop.workspace_id != workspace_id:
        return None
    return loop


def list_loops_by_id(*, session: Session, workspace_id: str, loop_ids: Iterable[int]) -> list[Loop]:
    """These loops of the workspace, by id."""
    wanted = sorted(set(loop_ids))
    if not wanted:
        return []
    query = select(Loop).where(col(Loop.workspace_id) == workspace_id, col(Loop.id).in_(wanted))
    return list(session.exec(query.order_by(col(Loop.id))))


def loops_of_feedback(
    *, session: Session, workspace_id: str, feedback: Iterable[Feedback]
) -> list[tuple[Feedback, Loop]]:
    """Each feedback with every loop it is in: those it opened (one per team a route sent it to) and the one it
    joined; each loop once, with the feedback that opened it when that is among ``feedback``."""
    rows = list(feedback)
    ids = {f.id for f in rows}
    joined = {f.loop_id for f in rows if f.loop_id is not None}
    if not rows:
        return []
    keys = (col(Loop.feedback_id).in_(sorted(ids)), col(Loop.id).in_(sorted(joined)))
    query = select(Loop).where(any_within(col(Loop.workspace_id) == workspace_id, keys))
    by_id = {f.id: f for f in rows}
    pairs: list[tuple[Feedback, Loop]] = []
    for loop in session.exec(query.order_by(col(Loop.id))):
        opener = by_id.get(loop.feedback_id) or next(f for f in rows if f.loop_id == loop.id)
        pairs.append((opener, loop))
    return pairs


def list_loops_for_feedback(*, session: Session, feedback_id: int) -> list[Loop]:
    """The loops opened for a feedback row (one per team it was routed to)."""
    return list(session.exec(select(Loop).where(col(Loop.feedback_id) == feedback_id).order_by(col(Loop.id))))


def compare_and_set_loop(
    *, session: Session, workspace_id: str, loop_id: int, expected_statuses: tuple[str, ...], values: dict[str, Any]
) -> bool:
    """Apply ``values`` only if the loop is still in one of ``expected_statuses``.

    A single conditional UPDATE, so two concurrent clicks can never both win:
    the database re-checks the condition on the row it locks.
    """
    result = session.execute(
        update(Loop)
        .where(col(Loop.id) == loop_id, col(Loop.workspace_id) == workspace_id, col(Loop.status).in_(expected_statuses))
        .values(**values, version=col(Loop.version) + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1  # an UPDATE's result is a CursorResult


def list_loop_events(*, session: Session, loop_id: int) -> list[LoopEvent]:
    """A loop's history, oldest first."""
    return list(session.exec(select(LoopEvent).where(col(LoopEvent.loop_id) == loop_id).order_by(col(LoopEvent.id))))


def count_loops(*, session: Session, workspace_id: str, statuses: tuple[str, ...] | None = None) -> int:
    """How many loops a workspace has, optionally only in some statuses."""
    query = select(func.count()).select_from(Loop).where(col(Loop.workspace_id) == workspace_id)
    if statuses is not None:
        query = query.where(col(Loop.status).in_(statuses))
    return session.exec(query).one()


def list_open_loops(
    *,
    session: Session,
    workspace_id: str,
    owner_id: str | None = None,
    team_ids: list[int] | None = None,
    unowned: bool = False,
    limit: int = 50,
) -> list[Loop]:
    """Open loops, oldest first: all, one owner's, some teams', or only those nobody owns."""
    query = select(Loop).where(col(Loop.workspace_id) == workspace_id, col(Loop.status).in_(OPEN_STATUSES))
    if owner_id is not None:
        query = query.where(col(Loop.owner_id) == owner_id)
    if team_ids is not None:
        query = query.where(col(Loop.team_id).in_(team_ids))
    if unowned:
        query = query.where(col(Loop.owner_id).is_(None))
    return list(session.exec(query.order_by(col(Loop.created_at), col(Loop.id)).limit(limit)))


def count_open_loops(*, session: Session, workspace_id: str, overdue_at: datetime | None = None) -> int:
    """Open loops (only those past a due time at ``overdue_at``, if given)."""
    query = (
        select(func.count())
        .select_from(Loop)
        .where(col(Loop.workspace_id) == workspace_id, col(Loop.status).in_(OPEN_STATUSES))
    )
    if overdue_at is not None:
        query = query.where(
            (col(Loop.status) == "new") & (col(Loop.ack_due_at) <= overdue_at)
            | (col(Loop.resolve_due_at) <= overdue_at)
        )
    return session.exec(query).one()


def count_resolved_since(*, session: Session, workspace_id: str, since: datetime) -> int:
    """Loops of the workspace resolved at or after ``since``. Filtered in SQL on the resolution time alone, so the
    (resolved_at) index reads only the loops closed lately; with the workspace there, SQLite read every resolved
    loop of the workspace by the (workspace, status) index instead. The workspace is checked on the rows read."""
    query = select(col(Loop.workspace_id)).where(col(Loop.resolved_at) >= since, col(Loop.status) == "resolved")
    return sum(1 for workspace in session.exec(query) if workspace == workspace_id)


def count_team_loops(*, session: Session, team_id: int) -> int:
    """How many loops (open or not) belong to a team."""
    return session.exec(select(func.count()).select_from(Loop).where(col(Loop.team_id) == team_id)).one()


def open_loop_of_customer(
    *, session: Session, workspace_id: str, email: str | None, customer_id: str | None, since: datetime
) -> Loop | None:
    """The newest open loop, opened since ``since``, holding feedback from the customer with this email or id."""
    # From the customer's feedback (indexed by email and id) to their loops, never the other way round:
    # a workspace has many open loops, a customer few. Two statements, so no planner can turn it round (PostgreSQL
    # did, on tables grown faster than their statistics: every open loop scanned against the feedback, per intake).
    theirs_query = of_customer(
        workspace_id=workspace_id, customer_id=customer_id, email=email, column=col(Feedback.loop_id)
    )
    if theirs_query is None:
        return None
    theirs = {loop_id for loop_id in session.execute(theirs_query).scalars() if loop_id is not None}
    if not theirs:
        return None
    return session.exec(
        select(Loop)
        .where(
            col(Loop.id).in_(sorted(theirs)),
            col(Loop.workspace_id) == workspace_id,
            col(Loop.status).in_(OPEN_STATUSES),
            col(Loop.created_at) >= since,
            col(Loop.channel_id) != "",
        )
        .order_by(col(Loop.created_at).desc(), col(Loop.id).desc())
        .limit(1)
    ).first()


def loops_past_due(*, session: Session, now: datetime) -> list[Loop]:
    """Open, unsnoozed loops with a posted card past a due time, oldest first (SLA reminders)."""
    return list(
        session.exec(
            select(Loop)
            .where(
                # every workspace, named, so the (workspace, status) index finds the open loops: no table scan
                col(Loop.workspace_id).in_(select(col(Workspace.id))),
                col(Loop.status).in_(OPEN_STATUSES),
                col(Loop.card_ts).is_not(None),
                or_(and_(col(Loop.status) == "new", col(Loop.ack_due_at) <= now), col(Loop.resolve_due_at) <= now),
                or_(col(Loop.snoozed_until).is_(None), col(Loop.snoozed_until) <= now),
            )
            .order_by(col(Loop.id))
        )
    )


def reminder_steps_sent(*, session: Session, loop_id: int, kind: str) -> set[int]:
    """The reminder steps of ``kind`` already sent for a loop."""
    return set(
        session.exec(select(col(Reminder.step)).where(col(Reminder.loop_id) == loop_id, col(Reminder.kind) == kind))
    )
