"""Loop state changes people make: compare-and-set, an event, the card update and a thread note.

States: new → acknowledged → in progress (has an owner) → resolved (with an
outcome); reopen returns a resolved loop to in progress. Snoozed is a flag
with an end time, not a state. Every change is a conditional UPDATE on the
loop's status, so of several simultaneous clicks exactly one wins; the others
are told who was first. ``change_loop`` is the entry point: it owns the
transaction, checks the card the click came from and the team's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.delivery.outbox import enqueue_card_update, enqueue_ephemeral, enqueue_thread_reply
from bot.errors import BadRequest, LoopMovedElsewhere, LoopNotFound
from bot.loops.business_hours import next_opening
from bot.loops.changes import (
    Acknowledge,
    Actor,
    Assign,
    Change,
    Join,
    MoveToTeam,
    Reopen,
    Resolve,
    Snooze,
    TakeOwnership,
)
from bot.loops.collaborators import join
from bot.loops.events import record_event
from bot.loops.home import queue_home
from bot.loops.moves import move_to_team
from bot.loops.outcomes import CONTACT_METHODS, OUTCOMES, root_causes
from bot.loops.permissions import check_lead_rule
from bot.mrkdwn import escape, mention_user, slack_date
from models.db import transaction
from models.loop import OPEN_STATUSES, Loop, compare_and_set_loop, get_loop
from models.team import get_team

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
SNOOZE_SPANS = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "1w": timedelta(weeks=1)}


@dataclass(frozen=True)
class ActionResult:
    changed: bool
    loop: Loop
    notice: str | None = None  # what the person who lost a race is told


def change_loop(engine: Engine, *, actor: Actor, loop_id: int, change: Change) -> ActionResult:
    """Apply ``change`` to a loop in one transaction; typed errors say why not (nothing is written then)."""
    with transaction(engine) as session:
        loop = get_loop(session=session, workspace_id=actor.workspace_id, loop_id=loop_id)
        if loop is None:
            raise LoopNotFound(f"Loop #{loop_id} no longer exists; it may have been deleted.")
        if actor.clicked_in and loop.channel_id and loop.channel_id != actor.clicked_in:
            raise LoopMovedElsewhere(loop_id, loop.channel_id)
        return apply_change(session, actor=actor, loop=loop, change=change)


def apply_change(session: Session, *, actor: Actor, loop: Loop, change: Change) -> ActionResult:
    """The transition ``change`` stands for, in the caller's transaction."""
    user = actor.user_id
    match change:
        case Acknowledge():
            return _transition(
                session,
                actor,
                loop,
                kind="acknowledged",
                expected=("new",),
                values={"status": "acknowledged", "acknowledged_by": user, "acknowledged_at": actor.now},
                note=f"Acknowledged by {mention_user(user)}",
            )
        case TakeOwnership():
            return _transition(
                session,
                actor,
                loop,
                kind="owned",
                expected=("new", "acknowledged"),
                values=_owner_values(user, user, actor.now),
                note=f"{mention_user(user)} took ownership",
            )
        case Assign(owner_id=owner):
            if not USER_ID.match(owner):
                raise BadRequest("pick a person from the menu to assign this loop to", field="owner")
            return _transition(
                session,
                actor,
                loop,
                kind="assigned",
                expected=OPEN_STATUSES,
                values=_owner_values(owner, user, actor.now),
                details={"owner": owner},
                note=f"{mention_user(user)} assigned this to {mention_user(owner)}",
            )
        case Snooze():
            until = change.until or snooze_until(session, loop=loop, choice=change.choice or "", now=actor.now)
            return _transition(
                session,
                actor,
                loop,
                kind="snoozed",
                expected=OPEN_STATUSES,
                values={"snoozed_until": until},
                details={"until": until.isoformat()},
                note=f"{mention_user(user)} snoozed reminders until {slack_date(until)}",
            )
        case Resolve():
            return _resolve(session, actor, loop, change)
        case Reopen():
            check_lead_rule(get_team(session=session, team_id=loop.team_id), user_id=user, verb="reopen")
            return _transition(
                session,
                actor,
                loop,
                kind="reopened",
                expected=("resolved",),
                values={
                    "status": "in_progress",
                    "resolved_by": None,
                    "resolved_at": None,
                    "outcome": None,
                    "owner_id": func.coalesce(col(Loop.owner_id), user),
                },
                note=f"{mention_user(user)} reopened this loop",
            )
        case Join():
            notice = join(session, actor=actor, loop=loop, thread_log=thread_log_on(session, loop))
            return ActionResult(notice is None, loop, notice)
        case MoveToTeam(team_name=team_name, reason=reason):
            moved = move_to_team(session, actor=actor, loop=loop, team_name=team_name, reason=reason)
            return ActionResult(moved, loop)
    raise BadRequest(f"unknown change {type(change).__name__}")


def _resolve(session: Session, actor: Actor, loop: Loop, change: Resolve) -> ActionResult:
    if change.outcome is not None and change.outcome not in OUTCOMES:
        raise BadRequest(f"unknown outcome {change.outcome!r}", field="outcome")
    if change.contact_method is not None and change.contact_method not in CONTACT_METHODS:
        raise BadRequest(f"unknown contact method {change.contact_method!r}", field="contact_method")
    if change.root_cause not in root_causes(session, workspace_id=actor.workspace_id):
        raise BadRequest("choose what caused it from the list (`/loops rootcause list`)", field="root_cause")
    summary = f"Resolved by {mention_user(actor.user_id)}" + (
        f": *{OUTCOMES[change.outcome]}*" if change.outcome else ""
    )
    if change.contact_method:
        summary += f" (by {CONTACT_METHODS[change.contact_method].lower()})"
    summary += f" · root cause: {escape(change.root_cause or '')}"
    if change.note:
        summary += "\n> " + escape(change.note).replace("\n", "\n> ")
    now = actor.now
    return _transition(
        session,
        actor,
        loop,
        kind="resolved",
        expected=OPEN_STATUSES,
        values={
            "status": "resolved",
            "resolved_by": actor.user_id,
            "resolved_at": now,
            "outcome": change.outcome,
            "contact_method": change.contact_method,
            "resolution_note": change.note,
            "root_cause": change.root_cause,
            "snoozed_until": None,
            "acknowledged_by": func.coalesce(col(Loop.acknowledged_by), actor.user_id),
            "acknowledged_at": func.coalesce(col(Loop.acknowledged_at), now),
        },
        details={"outcome": change.outcome, "contact_method": change.contact_method, "root_cause": change.root_cause},
        note=summary,
    )


def _owner_values(owner_id: str, by: str, now: datetime) -> dict:
    return {
        "status": "in_progress",
        "owner_id": owner_id,
        "acknowledged_by": func.coalesce(col(Loop.acknowledged_by), by),
        "acknowledged_at": func.coalesce(col(Loop.acknowledged_at), now),
    }


def _transition(
    session: Session,
    actor: Actor,
    loop: Loop,
    *,
    kind: str,
    expected: tuple[str, ...],
    values: dict,
    note: str,
    details: dict | None = None,
) -> ActionResult:
    won = compare_and_set_loop(
        session=session, workspace_id=actor.workspace_id, loop_id=loop.id, expected_statuses=expected, values=values
    )
    session.refresh(loop)
    if won:
        record_event(session, loop=loop, kind=kind, actor=actor.user_id, via=actor.via, at=actor.now, **(details or {}))
        enqueue_card_update(session, loop=loop)
        if thread_log_on(session, loop):
            enqueue_thread_reply(session, loop=loop, text=note)
        queue_home(session, workspace_id=actor.workspace_id, user_id=actor.user_id)  # keep their Home tab current
        return ActionResult(True, loop)
    notice = why_not(loop, attempted=kind, now=actor.now)
    enqueue_ephemeral(session, loop=loop, user_id=actor.user_id, text=notice)
    return ActionResult(False, loop, notice)


def thread_log_on(session: Session, loop: Loop) -> bool:
    """Whether the loop's team wants a thread reply per change (on unless turned off)."""
    team = get_team(session=session, team_id=loop.team_id)
    return team is None or team.thread_log


def why_not(loop: Loop, *, attempted: str, now: datetime) -> str:
    """A one-line explanation of why an action changed nothing, e.g. already acknowledged by @x."""
    if loop.status == "resolved" and loop.resolved_by and loop.resolved_at:
        return f"Loop #{loop.id} was already resolved by {mention_user(loop.resolved_by)} {ago(loop.resolved_at, now)}."
    if attempted == "acknowledged" and loop.acknowledged_by and loop.acknowledged_at:
        by = mention_user(loop.acknowledged_by)
        return f"Loop #{loop.id} was already acknowledged by {by} {ago(loop.acknowledged_at, now)}."
    if attempted == "owned" and loop.owner_id:
        return f"Loop #{loop.id} is already owned by {mention_user(loop.owner_id)}."
    if attempted == "reopened":
        return f"Loop #{loop.id} is open already ({loop.status.replace('_', ' ')})."
    return f"Loop #{loop.id} is {loop.status.replace('_', ' ')}; nothing changed."


def ago(when: datetime, now: datetime) -> str:
    """'just now', '2 minutes ago', '3 hours ago', '2 days ago'."""
    seconds = max(0, int((now - when).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def snooze_until(session: Session, *, loop: Loop, choice: str, now: datetime) -> datetime:
    """The end of a snooze menu choice: 1h, 4h, 1w, or tomorrow 09:00 in the team's timezone."""
    if choice == "tomorrow":
        team = get_team(session=session, team_id=loop.team_id)
        return next_opening(now, tz_name=team.timezone if team else "UTC", hours=team.hours if team else None)
    if choice not in SNOOZE_SPANS:
        raise BadRequest(f"unknown snooze choice {choice!r}; choose one from the menu", field="snooze")
    return now + SNOOZE_SPANS[choice]
