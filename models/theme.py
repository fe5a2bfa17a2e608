"""Themes: a cause the frontline cannot fix, owned by the team that can, and the loops elevated to it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, UniqueConstraint, case, func, update
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, primary_key, utcnow
from models.feedback import Feedback
from models.loop import Loop

# new → accepted → fix planned → shipped → verified; or declined (with a reason); or merged into another.
THEME_STATUSES = ("new", "accepted", "fix_planned", "shipped", "verified", "declined", "merged")
OPEN_THEME_STATUSES = ("new", "accepted", "fix_planned")
IMPACTS = ("attrition_risk", "complaint", "annoyance", "opportunity")


class Theme(SQLModel, table=True):
    __table_args__ = (
        Index("ix_theme_workspace_status", "workspace_id", "status"),
        Index("ix_theme_owner_team", "owner_team_id", "status"),
    )

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    name: str = Field(max_length=120)
    owner_team_id: int = Field(foreign_key="team.id")
    status: str = Field(default="new", max_length=20)
    fix_due: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    decline_reason: str | None = Field(default=None, max_length=500)
    merged_into_id: int | None = Field(default=None, foreign_key="theme.id")
    channel_id: str = Field(max_length=32, description="where its card is: the owner team's channel")
    card_ts: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    status_changed_by: str | None = Field(default=None, max_length=32)
    status_changed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    shipped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    version: int = Field(default=1)


class ThemeLink(SQLModel, table=True):
    """A loop elevated to a theme: by whom, with what impact, and whether its customer was told of the fix."""

    __tablename__ = "theme_link"
    __table_args__ = (UniqueConstraint("loop_id", name="uq_theme_link_loop"), Index("ix_theme_link_theme", "theme_id"))

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    theme_id: int = Field(foreign_key="theme.id")
    loop_id: int = Field(foreign_key="loop.id")
    impact: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    elevated_by: str = Field(max_length=32)
    elevated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    customer_told_by: str | None = Field(default=None, max_length=32)
    customer_told_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


def get_theme(*, session: Session, workspace_id: str, theme_id: int) -> Theme | None:
    """The theme with this id in this workspace; never another workspace's."""
    theme = session.get(Theme, theme_id)
    return theme if theme is not None and theme.workspace_id == workspace_id else None


def list_themes(
    *, session: Session, workspace_id: str, statuses: tuple[str, ...] | None = None, owner_team_id: int | None = None
) -> list[Theme]:
    """Themes of a workspace, newest first; optionally only in some statuses or of one owner team."""
    query = select(Theme).where(col(Theme.workspace_id) == workspace_id)
    if statuses is not None:
        query = query.where(col(Theme.status).in_(statuses))
    if owner_team_id is not None:
        query = query.where(col(Theme.owner_team_id) == owner_team_id)
    return list(session.exec(query.order_by(col(Theme.id).desc())))


def compare_and_set_theme(
    *, session: Session, workspace_id: str, theme_id: int, expected_statuses: tuple[str, ...], values: dict[str, Any]
) -> bool:
    """Apply ``values`` only if the theme is still in one of ``expected_statuses`` (one UPDATE: one winner)."""
    result = session.execute(
        update(Theme)
        .where(
            col(Theme.id) == theme_id, col(Theme.workspace_id) == workspace_id, col(Theme.status).in_(expected_statuses)
        )
        .values(**values, version=col(Theme.version) + 1)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1  # an UPDATE's result is a CursorResult


def get_theme_link(*, session: Session, loop_id: int) -> ThemeLink | None:
    """The elevation of a loop, if it was elevated."""
    return session.exec(select(ThemeLink).where(col(ThemeLink.loop_id) == loop_id)).first()


def themes_of_loops(*, session: Session, workspace_id: str, loop_ids: list[int]) -> list[Theme]:
    """The themes these loops were elevated to, each once, newest first."""
    if not loop_ids:
        return []
    query = (
        select(Theme)
        .join(ThemeLink, col(ThemeLink.theme_id) == col(Theme.id))
        .where(col(Theme.workspace_id) == workspace_id, col(ThemeLink.loop_id).in_(sorted(set(loop_ids))))
        .distinct()
        .order_by(col(Theme.id).desc())
    )
    return list(session.exec(query))


def list_theme_links(*, session: Session, theme_id: int) -> list[ThemeLink]:
    """A theme's elevations, oldest first."""
    return list(session.exec(select(ThemeLink).where(col(ThemeLink.theme_id) == theme_id).order_by(col(ThemeLink.id))))


def move_theme_links(*, session: Session, from_theme_id: int, to_theme_id: int) -> int:
    """Re-link every loop of one theme to another (a merge); returns how many moved."""
    result = session.execute(
        update(ThemeLink)
        .where(col(ThemeLink.theme_id) == from_theme_id)
        .values(theme_id=to_theme_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def count_told(*, session: Session, theme_id: int) -> tuple[int, int]:
    """(customers told of the fix, linked loops) for a theme."""
    row = session.exec(
        select(func.count(col(ThemeLink.customer_told_at)), func.count()).where(col(ThemeLink.theme_id) == theme_id)
    ).one()
    return int(row[0]), int(row[1])


def theme_loop_rows(*, session: Session, theme_ids: list[int]) -> list[tuple[ThemeLink, Loop, Feedback]]:
    """(link, loop, its feedback) for every loop linked to these themes, oldest link first."""
    if not theme_ids:
        return []
    query = (
        select(ThemeLink, Loop, Feedback)
        .join(Loop, col(Loop.id) == col(ThemeLink.loop_id))
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(col(ThemeLink.theme_id).in_(sorted(set(theme_ids))))
        .order_by(col(ThemeLink.id))
    )
    return [(link, loop, feedback) for link, loop, feedback in session.exec(query)]


def linked_feedback_times(*, session: Session, theme_id: int) -> list[datetime]:
    """When each piece of feedback on a theme's loops came in (a repeat customer's too), oldest first."""
    loops = select(ThemeLink.loop_id).where(col(ThemeLink.theme_id) == theme_id)
    return list(
        session.exec(
            select(Feedback.received_at).where(col(Feedback.loop_id).in_(loops)).order_by(col(Feedback.received_at))
        )
    )


def touchpoint_counts(
    *, session: Session, workspace_id: str, touchpoint: str, start: datetime, end: datetime
) -> tuple[int, int]:
    """(detractors and negative ratings, all scored feedback) received at a touchpoint in [start, end)."""
    bad = func.sum(case((col(Feedback.category).in_(("detractor", "negative")), 1), else_=0))
    row = session.exec(
        select(bad, func.count()).where(
            col(Feedback.workspace_id) == workspace_id,
            col(Feedback.touchpoint) == touchpoint,
            col(Feedback.score).is_not(None),
            col(Feedback.received_at) >= start,
            col(Feedback.received_at) < end,
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def mark_customer_told(*, session: Session, loop_id: int, by: str, at: datetime) -> bool:
    """Record that the loop's customer was told of the fix, unless someone already did (one UPDATE: one winner)."""
    result = session.execute(
        update(ThemeLink)
        .where(col(ThemeLink.loop_id) == loop_id, col(ThemeLink.customer_told_at).is_(None))
        .values(customer_told_by=by, customer_told_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1
