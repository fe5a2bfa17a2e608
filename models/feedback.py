"""Feedback as received from a survey or support tool, one row per response."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Numeric, UniqueConstraint, func
from sqlmodel import Column, Field, Session, SQLModel, select

from models.base import UTCDateTime, utcnow


class Feedback(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "external_id", name="uq_feedback_source_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    source: str = Field(max_length=40)
    external_id: str = Field(max_length=200)
    score: int
    scale: str = Field(max_length=10)
    category: str = Field(max_length=12)
    comment: str | None = Field(default=None)
    customer_id: str | None = Field(default=None, max_length=200)
    customer_email: str | None = Field(default=None, max_length=320)
    customer_name: str | None = Field(default=None, max_length=200)
    account: str | None = Field(default=None, max_length=200)
    segment: str | None = Field(default=None, max_length=100)
    arr: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    touchpoint: str | None = Field(default=None, max_length=100)
    product: str | None = Field(default=None, max_length=100)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    url: str | None = Field(default=None, max_length=2000)
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def get_feedback_by_external_id(
    *, session: Session, workspace_id: str, source: str, external_id: str
) -> Feedback | None:
    """The stored feedback for a source's response id, if it was already received."""
    return session.exec(
        select(Feedback).where(
            Feedback.workspace_id == workspace_id,
            Feedback.source == source,
            Feedback.external_id == external_id,
        )
    ).first()


def count_feedback(*, session: Session, workspace_id: str | None = None) -> int:
    """How many feedback rows are stored (in one workspace, or overall)."""

    query = select(func.count()).select_from(Feedback)
    if workspace_id is not None:
        query = query.where(Feedback.workspace_id == workspace_id)
    return session.exec(query).one()
