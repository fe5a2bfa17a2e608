"""Loop state changes: compare-and-set, a loop event and the card update, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session

from bot.errors import LoopNotFound
from bot.outbox import enqueue_card_update, enqueue_ephemeral
from models.feedback import Feedback
from models.loop import Loop, LoopEvent, compare_and_set_loop, get_loop

OPEN_STATUSES = ("new", "acknowledged", "in_progress")


@dataclass(frozen=True)
class ActionResult:
    changed: bool
    loop: Loop
    notice: str | None = None  # what the person who lost a race is told


def acknowledge(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str,
                now: datetime) -> ActionResult:
    """Record that ``user_id`` has seen the loop; only the first acknowledgement counts."""
    return _transition(session, workspace_id=workspace_id, loop_id=loop_id, user_id=user_id, via=via, now=now,
                       kind="acknowledged", expected=("new",),
                       values={"status": "acknowledged", "acknowledged_by": user_id, "acknowledged_at": now})


def take_ownership(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str,
                   now: datetime) -> ActionResult:
    """Make ``user_id`` the owner; taking ownership also acknowledges a new loop."""
    return _transition(session, workspace_id=workspace_id, loop_id=loop_id, user_id=user_id, via=via, now=now,
                       kind="owned", expected=("new", "acknowledged"),
                       values={"status": "in_progress", "owner_id": user_id,
                               "acknowledged_by": func.coalesce(Loop.acknowledged_by, user_id),
                               "acknowledged_at": func.coalesce(Loop.acknowledged_at, now)})


def resolve(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str, now: datetime,
            outcome: str | None = None) -> ActionResult:
    """Close the loop, recording who closed it and the outcome."""
    return _transition(session, workspace_id=workspace_id, loop_id=loop_id, user_id=user_id, via=via, now=now,
                       kind="resolved", expected=OPEN_STATUSES,
                       values={"status": "resolved", "resolved_by": user_id, "resolved_at": now,
                               "outcome": outcome,
                               "acknowledged_by": func.coalesce(Loop.acknowledged_by, user_id),
                               "acknowledged_at": func.coalesce(Loop.acknowledged_at, now)},
                       details={"outcome": outcome})


def _transition(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str, now: datetime,
                kind: str, expected: tuple[str, ...], values: dict, details: dict | None = None) -> ActionResult:
    won = compare_and_set_loop(session=session, workspace_id=workspace_id, loop_id=loop_id,
                               expected_statuses=expected, values=values)
    loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
    if loop is None:
        session.rollback()
        raise LoopNotFound(f"Loop #{loop_id} no longer exists; it may have been deleted.")
    session.refresh(loop)
    if won:
        session.add(LoopEvent(workspace_id=workspace_id, loop_id=loop_id, kind=kind, actor=user_id, via=via, at=now,
                              details=details or {}))
        feedback = session.get(Feedback, loop.feedback_id)
        enqueue_card_update(session, loop=loop, feedback=feedback)
        session.commit()
        return ActionResult(True, loop)
    notice = why_not(loop, attempted=kind, now=now)
    enqueue_ephemeral(session, loop=loop, user_id=user_id, text=notice)
    session.commit()
    return ActionResult(False, loop, notice)


def why_not(loop: Loop, *, attempted: str, now: datetime) -> str:
    """A one-line explanation of why an action changed nothing, e.g. already acknowledged by @x."""
    if loop.status == "resolved" and loop.resolved_by and loop.resolved_at:
        return f"Loop #{loop.id} was already resolved by <@{loop.resolved_by}> {ago(loop.resolved_at, now)}."
    if attempted == "acknowledged" and loop.acknowledged_by and loop.acknowledged_at:
        return (f"Loop #{loop.id} was already acknowledged by <@{loop.acknowledged_by}> "
                f"{ago(loop.acknowledged_at, now)}.")
    if attempted == "owned" and loop.owner_id:
        return f"Loop #{loop.id} is already owned by <@{loop.owner_id}>."
    return f"Loop #{loop.id} is {loop.status.replace('_', ' ')}; nothing changed."


def ago(when: datetime, now: datetime) -> str:
    """'just now', '2 minutes ago', '3 hours ago', '2 days ago'."""
    seconds = max(0, int((now - when).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"
