"""The outbox: every Slack write, recorded in the transaction that causes it."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, Index, exists, func, or_
from sqlalchemy import false as sa_false
from sqlalchemy.orm import aliased
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, primary_key, utcnow

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
        Index("ix_outbox_rate_key", "rate_key", "state"),
    )

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    ordering_key: str = Field(max_length=64, description="items with one key are sent in id order")
    loop_id: int | None = Field(default=None, foreign_key="loop.id")
    kind: str = Field(max_length=20, description="card, card_update, thread_reply, ephemeral, view")
    method: str = Field(max_length=40, description="Slack Web API method")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    card_ref: str | None = Field(
        default=None, max_length=16, description="payload argument filled with the loop's card ts when sent"
    )
    rate_key: str = Field(
        default="",
        max_length=120,
        sa_column_kwargs={"server_default": ""},
        description="the Slack rate-limit bucket the call counts against",
    )
    state: str = Field(default=PENDING, max_length=10)
    attempts: int = Field(default=0)
    available_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=500)
    in_doubt: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": sa_false()},
        description="an earlier attempt may have reached Slack (timeout, crash)",
    )
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))

    @property
    def destination(self) -> str:
        """The channel (or, for a Home tab, the person; for an outgoing webhook, "hook #n") the write goes to."""
        return self.payload.get("channel") or self.payload.get("user_id") or self.payload.get("_to") or ""


def _sendable(now: datetime) -> list:
    """Pending, due, not leased by a live worker, and no earlier item of its key pending or parked."""
    earlier = aliased(OutboxItem)
    held_back = exists().where(
        col(earlier.ordering_key) == col(OutboxItem.ordering_key),
        col(earlier.id) < col(OutboxItem.id),
        col(earlier.state).in_(BLOCKING_STATES),
    )
    return [
        col(OutboxItem.state) == PENDING,
        col(OutboxItem.available_at) <= now,
        or_(col(OutboxItem.lease_until).is_(None), col(OutboxItem.lease_until) < now),
        ~held_back,
    ]


def sendable_outbox_items(
    *, session: Session, now: datetime, skip_rate_keys: AbstractSet[str] = frozenset(), limit: int
) -> list[tuple[int, str]]:
    """(id, rate key) of sendable items in id order, leaving out rate keys that have no room now."""
    query = select(col(OutboxItem.id), col(OutboxItem.rate_key)).where(*_sendable(now))
    if skip_rate_keys:
        query = query.where(col(OutboxItem.rate_key).not_in(sorted(skip_rate_keys)))
    return [(row[0], row[1]) for row in session.exec(query.order_by(col(OutboxItem.id)).limit(limit))]


def claim_outbox_items(
    *, session: Session, ids: list[int], worker_id: str, now: datetime, lease: timedelta
) -> list[OutboxItem]:
    """Lease the items among ``ids`` that are still sendable (the caller commits).

    On PostgreSQL rows are locked with SKIP LOCKED so replicas never claim the
    same item; SQLite serialises writers with BEGIN IMMEDIATE instead. An item
    whose previous lease ran out unrecorded may have reached Slack: it is marked in doubt.
    """
    if not ids:
        return []
    query = select(OutboxItem).where(col(OutboxItem.id).in_(ids), *_sendable(now)).order_by(col(OutboxItem.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxItem)
    items = list(session.exec(query))
    for item in items:
        item.in_doubt = item.in_doubt or item.lease_until is not None
        item.lease_until = now + lease
        item.claimed_by = worker_id
        item.attempts += 1
        session.add(item)
    return items


def waiting_outbox_item(*, session: Session, ordering_key: str, kinds: tuple[str, ...]) -> int | None:
    """An item of one of ``kinds`` under ``ordering_key`` that waits and is not being sent (to fold into)."""
    query = (
        select(col(OutboxItem.id))
        .where(
            col(OutboxItem.ordering_key) == ordering_key,
            col(OutboxItem.kind).in_(kinds),
            col(OutboxItem.state) == PENDING,
            col(OutboxItem.lease_until).is_(None),
        )
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Held until our commit, so a worker cannot claim (and render) it before the change it stands for
        # is visible; one the worker is claiming right now is skipped, and the caller queues another.
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def cancel_pending_outbox_items(*, session: Session, loop_id: int, kinds: tuple[str, ...]) -> int:
    """Cancel a loop's items of ``kinds`` that have not gone out yet; returns how many."""
    items = list(
        session.exec(
            select(OutboxItem).where(
                col(OutboxItem.loop_id) == loop_id, col(OutboxItem.kind).in_(kinds), col(OutboxItem.state) == PENDING
            )
        )
    )
    for item in items:
        item.state = CANCELLED
        session.add(item)
    return len(items)


def next_outbox_due(*, session: Session) -> datetime | None:
    """When the earliest pending item becomes due (None if nothing is pending)."""
    return session.exec(select(func.min(col(OutboxItem.available_at))).where(col(OutboxItem.state) == PENDING)).one()


def outbox_backlog(*, session: Session, now: datetime) -> tuple[int, float | None]:
    """Pending item count and the age in seconds of the oldest pending item."""
    row = session.exec(
        select(func.count(), func.min(col(OutboxItem.created_at))).where(col(OutboxItem.state) == PENDING)
    ).one()
    count, oldest = int(row[0]), cast("datetime | None", row[1])  # None when nothing is pending
    if oldest is None:
        return count, None
    if oldest.tzinfo is None:  # aggregate results bypass the column type on SQLite
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return count, max(0.0, (now - oldest).total_seconds())


def list_outbox_items(
    *,
    session: Session,
    states: tuple[str, ...] | None = None,
    workspace_id: str | None = None,
    limit: int | None = None,
) -> list[OutboxItem]:
    """Outbox items in id order, optionally only in some states, one workspace's, the first ``limit``."""
    query = select(OutboxItem).order_by(col(OutboxItem.id))
    if states is not None:
        query = query.where(col(OutboxItem.state).in_(states))
    if workspace_id is not None:
        query = query.where(col(OutboxItem.workspace_id) == workspace_id)
    return list(session.exec(query.limit(limit)))


def outbox_summary(*, session: Session) -> dict[str, int]:
    """Item count by state (for /metrics and /loops deliveries)."""
    return {
        state: int(n)
        for state, n in session.exec(select(col(OutboxItem.state), func.count()).group_by(col(OutboxItem.state)))
    }


def parked_reasons(*, session: Session) -> dict[str, int]:
    """How many items are parked, by the error that parked them."""
    query = (
        select(col(OutboxItem.last_error), func.count())
        .where(col(OutboxItem.state) == PARKED)
        .group_by(col(OutboxItem.last_error))
    )
    return {str(error or "unknown"): int(n) for error, n in session.exec(query)}


def retry_parked(*, session: Session, workspace_id: str, item_id: int | None, now: datetime) -> list[OutboxItem]:
    """Put one parked item (or all, with ``item_id`` None) back in line to be sent now."""
    query = select(OutboxItem).where(col(OutboxItem.workspace_id) == workspace_id, col(OutboxItem.state) == PARKED)
    if item_id is not None:
        query = query.where(col(OutboxItem.id) == item_id)
    items = list(session.exec(query.order_by(col(OutboxItem.id))))
    for item in items:
        item.state, item.available_at, item.attempts, item.lease_until = PENDING, now, 0, None
        session.add(item)
    return items
