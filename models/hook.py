"""Outgoing webhooks ("hooks"): URLs a workspace's loop events are POSTed to, each signed with its own secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint, func, or_
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, primary_key, utcnow
from models.db import memoized
from models.outbox import CANCELLED, PARKED, PENDING, SENT, OutboxItem


class Hook(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workspace_id", "url", name="uq_hook_url"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32, index=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False), description="event types sent; empty: all"
    )
    # The HMAC key receivers verify with. Kept like the settings' secrets: never in repr, logs (bot/logs.py
    # redacts the lkhook_ prefix), exports or audit entries; shown once, to the admin who added the hook.
    secret: str = Field(max_length=100, repr=False)
    added_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

    def wants(self, event_type: str) -> bool:
        """Whether this hook is sent ``event_type`` (every event when it names none)."""
        return not self.events or event_type in self.events

    def public(self) -> dict[str, Any]:
        """What may be shown or exported: everything but the secret."""
        return {"id": self.id, "url": self.url, "events": list(self.events)}


def list_hooks(*, session: Session, workspace_id: str) -> list[Hook]:
    """The workspace's hooks, oldest first."""
    query = select(Hook).where(col(Hook.workspace_id) == workspace_id).order_by(col(Hook.id))
    return list(session.exec(query))


def hooks_for(*, session: Session, workspace_id: str, event_type: str) -> list[Hook]:
    """The workspace's hooks that are sent ``event_type``, oldest first (read once per intake batch)."""
    hooks = memoized(session, ("hooks", workspace_id), lambda: list_hooks(session=session, workspace_id=workspace_id))
    return [hook for hook in hooks if hook.wants(event_type)]


def get_hook(*, session: Session, workspace_id: str, hook_id: int) -> Hook | None:
    """The hook with this id in this workspace; never another workspace's."""
    hook = session.get(Hook, hook_id)
    return hook if hook is not None and hook.workspace_id == workspace_id else None


def get_hook_by_url(*, session: Session, workspace_id: str, url: str) -> Hook | None:
    """The workspace's hook for ``url``, if there is one."""
    return session.exec(select(Hook).where(col(Hook.workspace_id) == workspace_id, col(Hook.url) == url)).first()


def hook_rate_key(*, workspace_id: str, hook_id: int) -> str:
    """The outbox rate key of every delivery to one hook (so they can be counted or cancelled)."""
    return f"{workspace_id}:hook.post:{hook_id}"


def hook_delivery_states(*, session: Session, workspace_id: str, hook_id: int) -> dict[str, int]:
    """How many of a hook's deliveries are in each outbox state (pending, sent, parked, cancelled)."""
    key = hook_rate_key(workspace_id=workspace_id, hook_id=hook_id)
    query = (
        select(col(OutboxItem.state), func.count())
        .where(col(OutboxItem.rate_key) == key)
        .group_by(col(OutboxItem.state))
    )
    return {state: int(n) for state, n in session.exec(query)}


def last_hook_delivery(*, session: Session, workspace_id: str, hook_id: int) -> OutboxItem | None:
    """A hook's most recent delivery that was sent or parked (what ``hook list`` reports)."""
    key = hook_rate_key(workspace_id=workspace_id, hook_id=hook_id)
    query = (
        select(OutboxItem)
        .where(col(OutboxItem.rate_key) == key, col(OutboxItem.state).in_((SENT, PARKED)))
        .order_by(col(OutboxItem.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def cancel_hook_deliveries(*, session: Session, workspace_id: str, hook_id: int) -> int:
    """Cancel a hook's deliveries still waiting or parked (it is being removed); returns how many."""
    key = hook_rate_key(workspace_id=workspace_id, hook_id=hook_id)
    items = list(
        session.exec(
            select(OutboxItem).where(col(OutboxItem.rate_key) == key, col(OutboxItem.state).in_((PENDING, PARKED)))
        )
    )
    for item in items:
        item.state, item.last_error = CANCELLED, "hook removed"
        session.add(item)
    return len(items)


def finished_outbox_items(*, session: Session, kind: str, since: datetime) -> list[OutboxItem]:
    """Outbox items of ``kind`` sent or cancelled since ``since`` (by when sent, else when last due)."""
    recent = or_(col(OutboxItem.sent_at) >= since, col(OutboxItem.available_at) >= since)
    query = select(OutboxItem).where(col(OutboxItem.kind) == kind, col(OutboxItem.state).in_((SENT, CANCELLED)), recent)
    return list(session.exec(query.order_by(col(OutboxItem.id))))
