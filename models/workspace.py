"""A Slack workspace Loopkeeper is installed in, with its workspace-wide settings."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, Session, SQLModel

from models.base import UTCDateTime, utcnow


class Workspace(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32, description="Slack team id, e.g. T0123")
    default_channel_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def get_or_create_workspace(*, session: Session, workspace_id: str) -> Workspace:
    """The workspace row for ``workspace_id``, created on first use."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        workspace = Workspace(id=workspace_id)
        session.add(workspace)
        session.flush()
    return workspace
