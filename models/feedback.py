"""Feedback as received from a survey or support tool, one row per response."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, UniqueConstraint, func, text, union
from sqlalchemy import false as sa_false
from sqlalchemy.sql.selectable import CompoundSelect, Select
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, primary_key, utcnow


class Feedback(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "external_id", name="uq_feedback_source_external_id"),
        Index("ix_feedback_customer_email", "workspace_id", "customer_email"),
        Index("ix_feedback_customer_id", "workspace_id", "customer_id"),
        # an account's feedback by its name, as matching compares names (lower case)
        Index("ix_feedback_account_key", "workspace_id", text("lower(account)")),
        # The hourly spike check reads a month of detractors from this index alone (it covers every column the
        # check's grouped counts touch), never the table.
        Index("ix_feedback_spikes", "workspace_id", "category", "received_at", "loop_id", "touchpoint", "product"),
    )

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    source: str = Field(max_length=40)
    external_id: str = Field(max_length=200)
    score: int | None = Field(default=None, description="None when the alert could not be parsed")
    scale: str = Field(max_length=10)
    category: str = Field(max_length=12)
    unparsed: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": sa_false()},
        description="kept as raw text; no score could be read",
    )
    # The loop this feedback belongs to (its own, or an open one it joined). use_alter breaks
    # the feedback ⇄ loop foreign-key cycle for table ordering.
    loop_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("loop.id", use_alter=True, name="fk_feedback_loop_id"), index=True, nullable=True
        ),
    )
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
    version_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=True),
        description="the source's own time of the stored version; older deliveries never roll it back",
    )
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    forgotten_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=True),
        description="when its personal data was erased (a forget or retention); a re-delivery never restores it",
    )


def of_customer(
    *,
    workspace_id: str,
    customer_id: str | None,
    email: str | None,
    column: Any,
    account_key: str | None = None,
) -> Select[Any] | CompoundSelect[Any] | None:
    """A statement selecting ``column`` of the workspace's feedback from this customer (by id or email, and with
    ``account_key`` by account name as matching compares names), or None without any key. One indexed lookup per
    key, joined by UNION: written as `workspace AND (id OR email)`, SQLite chose the spike index instead (it covers
    more columns) and read every feedback row of the workspace, on every intake. Emails are stored lower-cased."""
    workspace = col(Feedback.workspace_id) == workspace_id
    parts = []
    if customer_id:
        parts.append(select(column).where(workspace, col(Feedback.customer_id) == customer_id))
    if email:
        parts.append(select(column).where(workspace, col(Feedback.customer_email) == email.lower()))
    if account_key:
        parts.append(select(column).where(workspace, func.lower(col(Feedback.account)) == account_key))
    if len(parts) > 1:
        return union(*parts)
    return parts[0] if parts else None


def get_feedback_by_external_id(
    *, session: Session, workspace_id: str, source: str, external_id: str
) -> Feedback | None:
    """The stored feedback for a source's response id, if it was already received."""
    return session.exec(
        select(Feedback).where(
            col(Feedback.workspace_id) == workspace_id,
            col(Feedback.source) == source,
            col(Feedback.external_id) == external_id,
        )
    ).first()


def count_feedback(*, session: Session, workspace_id: str | None = None) -> int:
    """How many feedback rows are stored (in one workspace, or overall)."""

    query = select(func.count()).select_from(Feedback)
    if workspace_id is not None:
        query = query.where(col(Feedback.workspace_id) == workspace_id)
    return session.exec(query).one()


def count_feedback_in_loop(*, session: Session, loop_id: int) -> int:
    """How many feedback items belong to a loop (the one that opened it included)."""
    return session.exec(select(func.count()).select_from(Feedback).where(col(Feedback.loop_id) == loop_id)).one()


def get_feedback(*, session: Session, feedback_id: int) -> Feedback:
    """A stored feedback row (every loop has one: the foreign key guarantees it)."""
    row = session.get(Feedback, feedback_id)
    if row is None:
        raise LookupError(f"feedback {feedback_id} is missing")
    return row


def feedback_by_id(*, session: Session, ids: list[int]) -> dict[int, Feedback]:
    """Many feedback rows by id in one query (renderers of loop lists take them loaded)."""
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(Feedback).where(col(Feedback.id).in_(sorted(set(ids)))))}


def find_feedback(*, session: Session, workspace_id: str, keys: list[tuple[str, str]]) -> list[Feedback]:
    """Stored feedback for many (source, external id) pairs at once."""
    if not keys:
        return []
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    found: list[Feedback] = []
    for source, ids in by_source.items():
        found += session.exec(
            select(Feedback).where(
                col(Feedback.workspace_id) == workspace_id,
                col(Feedback.source) == source,
                col(Feedback.external_id).in_(ids),
            )
        )
    return found
