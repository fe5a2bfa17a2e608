"""Playbooks admins wrote or changed; built-in ones live in code (bot/loops/playbooks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, delete, select

from models.base import UTCDateTime, primary_key, utcnow


class PlaybookRecord(SQLModel, table=True):
    """A workspace's playbook; with the name of a built-in it overrides it, ``disabled`` switches it off."""

    __tablename__ = "playbook"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_playbook_name"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    name: str = Field(max_length=80)
    matchers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    final: bool = Field(default=False)
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def list_playbook_records(*, session: Session, workspace_id: str) -> list[PlaybookRecord]:
    return list(
        session.exec(
            select(PlaybookRecord)
            .where(col(PlaybookRecord.workspace_id) == workspace_id)
            .order_by(col(PlaybookRecord.id))
        )
    )


def get_playbook_record(*, session: Session, workspace_id: str, name: str) -> PlaybookRecord | None:
    return session.exec(
        select(PlaybookRecord).where(col(PlaybookRecord.workspace_id) == workspace_id, col(PlaybookRecord.name) == name)
    ).first()


def delete_playbook_records(*, session: Session, workspace_id: str) -> None:
    """Remove every stored playbook of the workspace (config import replaces them)."""
    session.exec(delete(PlaybookRecord).where(col(PlaybookRecord.workspace_id) == workspace_id))
