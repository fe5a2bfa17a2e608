"""Loopkeeper admins added from Slack, and the audit trail of every configuration change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, delete, select

from models.base import UTCDateTime, primary_key, utcnow


class Admin(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_admin_user"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    user_id: str = Field(max_length=32)
    added_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AuditEntry(SQLModel, table=True):
    """One configuration change: who, when, what, before → after (written with the change)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_workspace_at", "workspace_id", "at"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    actor: str = Field(max_length=32)
    via: str = Field(max_length=20)
    action: str = Field(max_length=40)
    target: str = Field(max_length=200)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def list_admins(*, session: Session, workspace_id: str) -> list[Admin]:
    """Admins added from Slack, oldest first."""
    return list(session.exec(select(Admin).where(col(Admin.workspace_id) == workspace_id).order_by(col(Admin.id))))


def get_admin(*, session: Session, workspace_id: str, user_id: str) -> Admin | None:
    return session.exec(
        select(Admin).where(col(Admin.workspace_id) == workspace_id, col(Admin.user_id) == user_id)
    ).first()


def recent_audit(*, session: Session, workspace_id: str, limit: int) -> list[AuditEntry]:
    """The last ``limit`` changes, newest first."""
    return list(
        session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.workspace_id) == workspace_id)
            .order_by(col(AuditEntry.id).desc())
            .limit(limit)
        )
    )


def delete_admins(*, session: Session, workspace_id: str) -> None:
    """Remove every admin added from Slack (config import replaces them)."""
    session.exec(delete(Admin).where(col(Admin.workspace_id) == workspace_id))


def add_audit_entry(
    *,
    session: Session,
    workspace_id: str,
    actor: str,
    via: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Record a change in the audit trail, in the caller's transaction (committed with the change)."""
    entry = AuditEntry(
        workspace_id=workspace_id, actor=actor, via=via, action=action, target=target[:200], before=before, after=after
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    return entry
