"""Events out to the workspace's hooks: one outbox row per subscribed hook, in the transaction of the change.

``emit_loop_event`` is called by ``bot/loops/events.record_event`` (the one place loop events are built), so every
change that opens, acknowledges, resolves, reopens, moves or elevates a loop tells the hooks with no code of its
own. Workspace-level events (a customer forgotten, a test) have their own functions here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.outbox import enqueue_hook_event
from bot.hooks.events import CUSTOMER_FORGOTTEN, HOOK_TEST, LOOP_EVENT_TYPES
from bot.hooks.payloads import change_of, envelope, loop_snapshot
from models.hook import Hook, hooks_for
from models.loop import Loop


def loop_key(hook_id: int, loop_id: int) -> str:
    """Ordering key of one hook's events about one loop: they arrive in the order they happened."""
    return f"hook:{hook_id}:loop:{loop_id}"


def workspace_key(hook_id: int) -> str:
    """Ordering key of one hook's workspace-level events (tests, customers forgotten)."""
    return f"hook:{hook_id}:workspace"


def emit_loop_event(
    session: Session, *, loop: Loop, kind: str, actor: str, via: str, at: datetime, details: dict[str, Any]
) -> int:
    """Queue ``kind`` (a loop history kind) for every hook that wants it; returns how many rows were queued."""
    event_type = LOOP_EVENT_TYPES.get(kind)
    if event_type is None:
        return 0
    hooks = hooks_for(session=session, workspace_id=loop.workspace_id, event_type=event_type)
    if not hooks:
        return 0
    data = {
        "loop": loop_snapshot(session, loop=loop),
        "change": change_of(session, kind=kind, loop=loop, details=details),
        "actor": {"id": actor, "via": via},
    }
    event = envelope(event_type=event_type, workspace_id=loop.workspace_id, at=at, data=data)
    for hook in hooks:
        enqueue_hook_event(
            session,
            workspace_id=loop.workspace_id,
            hook_id=hook.id,
            ordering_key=loop_key(hook.id, loop.id),
            event=event,
            loop_id=loop.id,
        )
    return len(hooks)


def emit_customer_forgotten(
    session: Session,
    *,
    workspace_id: str,
    at: datetime,
    customer_id: str | None = None,
    email: str | None = None,
    account: str | None = None,
    loop_ids: Iterable[int] = (),
    feedback_count: int = 0,
) -> int:
    """Tell the hooks a customer's personal data was erased (their CRM should do the same); in the caller's
    transaction. The identifiers given are the ones the erasure was asked for: they wait in the outbox rows until
    sent, then ``bot/hooks/retention`` clears them. Returns how many rows were queued (0 when no hook wants it)."""
    data = {
        "customer": {"id": customer_id, "email": email, "account": account},
        "loops": sorted(set(loop_ids)),
        "feedback_count": feedback_count,
    }
    return emit_workspace_event(session, workspace_id=workspace_id, event_type=CUSTOMER_FORGOTTEN, at=at, data=data)


def emit_workspace_event(
    session: Session, *, workspace_id: str, event_type: str, at: datetime, data: dict[str, Any]
) -> int:
    """Queue an event that belongs to no loop for every hook that wants it; returns how many rows were queued."""
    hooks = hooks_for(session=session, workspace_id=workspace_id, event_type=event_type)
    event = envelope(event_type=event_type, workspace_id=workspace_id, at=at, data=data)
    for hook in hooks:
        enqueue_hook_event(
            session, workspace_id=workspace_id, hook_id=hook.id, ordering_key=workspace_key(hook.id), event=event
        )
    return len(hooks)


def emit_hook_test(session: Session, *, hook: Hook, actor: str, via: str, at: datetime) -> str:
    """Queue a ``hook.test`` event for this one hook (whatever it subscribes to); returns the event's id."""
    data = {
        "hook": {"id": hook.id},
        "actor": {"id": actor, "via": via},
        "message": "A test from Loopkeeper: this hook works.",
    }
    event = envelope(event_type=HOOK_TEST, workspace_id=hook.workspace_id, at=at, data=data)
    enqueue_hook_event(
        session, workspace_id=hook.workspace_id, hook_id=hook.id, ordering_key=workspace_key(hook.id), event=event
    )
    return str(event["id"])
