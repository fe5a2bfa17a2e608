"""Slack Events API deliveries already handled, so retries are processed once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Column, Field, Session, SQLModel, col

from models.base import UTCDateTime, utcnow


class ProcessedSlackEvent(SQLModel, table=True):
    __tablename__ = "processed_slack_event"

    event_id: str = Field(primary_key=True, max_length=64)
    workspace_id: str = Field(max_length=32)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))


def claim_slack_event(*, session: Session, workspace_id: str, event_id: str) -> bool:
    """Record ``event_id``; False if any process recorded it before (a retry)."""
    try:
        with session.begin_nested():
            session.add(ProcessedSlackEvent(event_id=event_id, workspace_id=workspace_id))
            session.flush()
    except IntegrityError:
        return False
    return True


def probe_write(*, session: Session) -> None:
    """Write a row the caller rolls back: proof the database takes writes (for the health check)."""
    session.add(ProcessedSlackEvent(event_id="loopkeeper-healthz-probe", workspace_id="-"))
    session.flush()


def prune_slack_events(*, session: Session, older_than: datetime) -> int:
    """Forget event ids Slack can no longer retry; returns how many were removed."""
    result = session.execute(delete(ProcessedSlackEvent).where(col(ProcessedSlackEvent.received_at) < older_than))
    return int(getattr(result, "rowcount", 0))  # a DELETE's result is a CursorResult
