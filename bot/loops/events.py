"""A loop's history: every state change writes one event, built here and nowhere else.

Recording an event also queues it for the workspace's hooks that want it (``bot/hooks/emit``), in the same
transaction: a change that commits is sent out, one that rolls back never is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.hooks.emit import emit_loop_event
from models.loop import Loop, LoopEvent

# The actor of what Loopkeeper does by itself (intake, reminders, re-routing).
LOOPKEEPER = "loopkeeper"


def record_event(
    session: Session, *, loop: Loop, kind: str, actor: str, via: str, at: datetime, **details: Any
) -> LoopEvent:
    """Add ``kind`` to the loop's history in the caller's transaction: who, from where, when, and details."""
    event = LoopEvent(
        workspace_id=loop.workspace_id, loop_id=loop.id, kind=kind, actor=actor, via=via, at=at, details=details
    )
    session.add(event)
    emit_loop_event(session, loop=loop, kind=kind, actor=actor, via=via, at=at, details=details)
    return event
