"""The outbox: every Slack write, recorded in the transaction that causes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Column, Field, Session, SQLModel, select

from models.base import UTCDateTime, utcnow

PENDING = "pending"
SENT = "sent"
PARKED = "parked"
CANCELLED = "cancelled"  # superseded before it was sent (e.g. the loop moved channel first)
# An earlier item in one of these states holds back later items of the same card.
BLOCKING_STATES = (PENDING, PARKED)


class OutboxItem(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_available", "state", "available_at"),
        Index("ix_outbox_ordering", "ordering_key", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    ordering_key: str = Field(max_length=64, description="items with one key are sent in id order")
    loop_id: int | None = Field(default=None, foreign_key="loop.id")
    kind: str = Field(max_length=20, description="card, card_update, thread_reply, ephemeral, view")
    method: str = Field(max_length=40, description="Slack Web API method")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    card_ref: str | None = Field(
        default=None, max_length=16, description="payload argument filled with the loop's card ts when sent"
    )
    state: str = Field(default=PENDING, max_length=10)
    attempts: int = Field(default=0)
    available_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=500)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


def claim_outbox_items(
    *, session: Session, worker_id: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxItem]:
    """Lease up to ``limit`` sendable items, at most the head item of each card.

    An item is sendable when it is pending, due, not leased by a live worker,
    and no earlier item of the same ordering key is still pending or parked.
    On PostgreSQL rows are locked with SKIP LOCKED so replicas never claim the
    same item; SQLite serialises writers with BEGIN IMMEDIATE instead.
    """
    earlier = aliased(OutboxItem)
    held_back = exists().where(
        earlier.ordering_key == OutboxItem.ordering_key,
        earlier.id < OutboxItem.id,
        earlier.state.in_(BLOCKING_STATES),
    )
    query = (
        select(OutboxItem)
        .where(
            OutboxItem.state == PENDING,
            OutboxItem.available_at <= now,
            or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
            ~held_back,
        )
        .order_by(OutboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxItem)
    items = list(session.exec(query))
    for item in items:
        item.lease_until = now + lease
        item.claimed_by = worker_id
        item.attempts += 1
        session.add(item)
    return items


def next_outbox_due(*, session: Session) -> datetime | None:
    """When the earliest pending item becomes due (None if nothing is pending)."""
    return session.exec(select(func.min(OutboxItem.available_at)).where(OutboxItem.state == PENDING)).one()


def outbox_backlog(*, session: Session, now: datetime) -> tuple[int, float | None]:
    """Pending item count and the age in seconds of the oldest pending item."""
    count, oldest = session.exec(
        select(func.count(), func.min(OutboxItem.created_at)).where(OutboxItem.state == PENDING)
    ).one()
    if oldest is None:
        return count, None
    if oldest.tzinfo is None:  # aggregate results bypass the column type on SQLite
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return count, max(0.0, (now - oldest).total_seconds())


def list_outbox_items(*, session: Session, states: tuple[str, ...] | None = None) -> list[OutboxItem]:
    """Outbox items in id order, optionally only in some states."""
    query = select(OutboxItem).order_by(OutboxItem.id)
    if states is not None:
        query = query.where(OutboxItem.state.in_(states))
    return list(session.exec(query))
