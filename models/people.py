"""The customer-outcome team around a loop: collaborators who joined it, and what account owners were sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, primary_key, utcnow
from models.loop import OPEN_STATUSES, Loop


class LoopCollaborator(SQLModel, table=True):
    """Someone who joined a loop besides its owner: they see it in their App Home and get its reminders."""

    __tablename__ = "loop_collaborator"
    __table_args__ = (UniqueConstraint("loop_id", "user_id", name="uq_loop_collaborator"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    loop_id: int = Field(foreign_key="loop.id", index=True)
    user_id: str = Field(max_length=32, index=True)
    added_by: str = Field(max_length=32)
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class OwnerAlert(SQLModel, table=True):
    """One direct message a day per account to its owner, listing that day's detractors (updated as more come)."""

    __tablename__ = "owner_alert"
    __table_args__ = (UniqueConstraint("account_id", "user_id", "day", name="uq_owner_alert_day"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    account_id: int = Field(foreign_key="account.id")
    user_id: str = Field(max_length=32)
    day: date = Field(sa_column=Column(Date, nullable=False))
    channel_id: str | None = Field(default=None, max_length=32, description="the DM, once posted")
    ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class OwnerDigestRun(SQLModel, table=True):
    """An account owner's weekly "accounts at risk" message that was queued: once a week per owner."""

    __tablename__ = "owner_digest_run"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", "week_start", name="uq_owner_digest_week"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    user_id: str = Field(max_length=32)
    week_start: date = Field(sa_column=Column(Date, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def list_collaborators(*, session: Session, loop_id: int) -> list[str]:
    """The people who joined the loop, in the order they joined."""
    query = select(LoopCollaborator.user_id).where(col(LoopCollaborator.loop_id) == loop_id)
    return list(session.exec(query.order_by(col(LoopCollaborator.id))))


def is_collaborator(*, session: Session, loop_id: int, user_id: str) -> bool:
    query = select(LoopCollaborator.id).where(
        col(LoopCollaborator.loop_id) == loop_id, col(LoopCollaborator.user_id) == user_id
    )
    return session.exec(query).first() is not None


def loops_joined(*, session: Session, workspace_id: str, user_id: str, limit: int = 200) -> list[Loop]:
    """Open loops this person joined as a collaborator, oldest first."""
    query = (
        select(Loop)
        .join(LoopCollaborator, col(LoopCollaborator.loop_id) == col(Loop.id))
        .where(
            col(LoopCollaborator.workspace_id) == workspace_id,
            col(LoopCollaborator.user_id) == user_id,
            col(Loop.status).in_(OPEN_STATUSES),
        )
        .order_by(col(Loop.created_at), col(Loop.id))
        .limit(limit)
    )
    return list(session.exec(query))


def get_owner_alert(*, session: Session, account_id: int, user_id: str, day: date) -> OwnerAlert | None:
    query = select(OwnerAlert).where(
        col(OwnerAlert.account_id) == account_id, col(OwnerAlert.user_id) == user_id, col(OwnerAlert.day) == day
    )
    return session.exec(query).first()


def owner_digest_was_queued(*, session: Session, workspace_id: str, user_id: str, week_start: date) -> bool:
    query = select(OwnerDigestRun.id).where(
        col(OwnerDigestRun.workspace_id) == workspace_id,
        col(OwnerDigestRun.user_id) == user_id,
        col(OwnerDigestRun.week_start) == week_start,
    )
    return session.exec(query).first() is not None
