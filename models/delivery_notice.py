"""Which delivery problems admins were already told about (once per problem, until retried)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, delete

from models.base import UTCDateTime, primary_key, utcnow


class DeliveryNotice(SQLModel, table=True):
    __tablename__ = "delivery_notice"
    __table_args__ = (UniqueConstraint("workspace_id", "problem", name="uq_delivery_notice_problem"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    problem: str = Field(max_length=200, description="error and where, e.g. is_archived:C0123")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def forget_delivery_notices(*, session: Session, workspace_id: str) -> None:
    """After a retry, a problem that comes back is worth telling again."""
    session.exec(delete(DeliveryNotice).where(col(DeliveryNotice.workspace_id) == workspace_id))
