"""A Slack workspace Loopkeeper is installed in, with its workspace-wide settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, utcnow


class Workspace(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32, description="Slack team id, e.g. T0123")
    default_channel_id: str | None = Field(default=None, max_length=32)
    source_options: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default="{}"),
        description="per-source intake options, e.g. Typeform field mappings per form",
    )
    root_causes: list[str] | None = Field(
        default=None,
        sa_column=Column(JSON, nullable=True),
        description="the root causes offered when resolving; None: the built-in list",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def get_workspace(*, session: Session, workspace_id: str) -> Workspace | None:
    """The workspace row, if Loopkeeper has recorded it (reading only)."""
    return session.get(Workspace, workspace_id)


def workspace_channel_and_sources(*, session: Session, workspace_id: str) -> tuple[str | None, list[str]]:
    """The default channel and the sources with options; only these columns, so a schema behind the code
    still reads (``(None, [])`` when the workspace is not configured)."""
    query = select(Workspace.default_channel_id, Workspace.source_options).where(col(Workspace.id) == workspace_id)
    row = session.exec(query).first()
    if row is None:
        return None, []
    return row[0], list(row[1] or {})


def get_or_create_workspace(*, session: Session, workspace_id: str) -> Workspace:
    """The workspace row for ``workspace_id``, created on first use. Two processes meeting a new database at
    once (replicas starting together) both get the row: the insert gives way to one already there."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is not None:
        return workspace
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    row = {"id": workspace_id, "source_options": {}, "created_at": utcnow()}
    session.execute(insert(Workspace).values(**row).on_conflict_do_nothing(index_elements=["id"]))
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None  # inserted above, or by the process that got there first
    return workspace


def source_options(*, session: Session, workspace_id: str, source: str) -> dict[str, Any]:
    """The workspace's options for one intake source (empty when none are set)."""
    options = session.exec(select(col(Workspace.source_options)).where(col(Workspace.id) == workspace_id)).first()
    return dict((options or {}).get(source, {}))


def list_workspace_ids(*, session: Session) -> list[str]:
    """The ids of every workspace in the database."""
    return list(session.exec(select(col(Workspace.id)).order_by(col(Workspace.id))))
