"""Slack channels where another tool already posts feedback alerts, read as intake."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, delete, select

from models.base import UTCDateTime, primary_key, utcnow


class IntakeChannel(SQLModel, table=True):
    __tablename__ = "intake_channel"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", name="uq_intake_channel"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    channel_id: str = Field(max_length=32)
    source: str | None = Field(default=None, max_length=40, description="the tool posting there, if known")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def get_intake_channel(*, session: Session, workspace_id: str, channel_id: str) -> IntakeChannel | None:
    """The intake channel record for ``channel_id``, if it is one."""
    return session.exec(
        select(IntakeChannel).where(
            col(IntakeChannel.workspace_id) == workspace_id, col(IntakeChannel.channel_id) == channel_id
        )
    ).first()


def list_intake_channels(*, session: Session, workspace_id: str) -> list[IntakeChannel]:
    """The workspace's intake channels."""
    return list(
        session.exec(
            select(IntakeChannel)
            .where(col(IntakeChannel.workspace_id) == workspace_id)
            .order_by(col(IntakeChannel.channel_id))
        )
    )


def delete_intake_channels(*, session: Session, workspace_id: str) -> None:
    """Stop reading every intake channel of the workspace (config import replaces them)."""
    session.exec(delete(IntakeChannel).where(col(IntakeChannel.workspace_id) == workspace_id))
