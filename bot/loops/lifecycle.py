"""Loop state changes: compare-and-set, a loop event, the card update and a thread note, in one transaction.

States: new → acknowledged → in progress (has an owner) → resolved (with an
outcome); reopen returns a resolved loop to in progress. Snoozed is a flag
with an end time, not a state. Every change is a conditional UPDATE on the
loop's status, so of several simultaneous clicks exactly one wins; the others
are told who was first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session

from bot.loops.business_hours import next_opening
from bot.errors import LoopNotFound, NotAuthorized
from bot.loops.home import queue_home
from bot.mrkdwn import escape, slack_date
from bot.delivery.outbox import enqueue_card_update, enqueue_ephemeral, enqueue_thread_reply
from bot.loops.outcomes import CONTACT_METHODS, OUTCOMES
from models.feedback import Feedback
from models.loop import OPEN_STATUSES, Loop, LoopEvent, compare_and_set_loop, get_loop
from models.team import Team


@dataclass(frozen=True)
class ActionResult:
    changed: bool
    loop: Loop
    notice: str | None = None  # what the person who lost a race is told


def acknowledge(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str,
                now: datetime) -> ActionResult:
    """Record that ``user_id`` has seen the loop; only the first acknowledgement counts."""
    return _transition(session, workspace_id, loop_id, user_id, via, now, kind="acknowledged", expected=("new",),
                       values={"status": "acknowledged", "acknowledged_by": user_id, "acknowledged_at": now},
                       note=f"Acknowledged by <@{user_id}>")


def take_ownership(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str,
                   now: datetime) -> ActionResult:
    """Make ``user_id`` the owner; taking ownership also acknowledges a new loop."""
    return _transition(session, workspace_id, loop_id, user_id, via, now, kind="owned",
                       expected=("new", "acknowledged"), values=_owner_values(user_id, user_id, now),
                       note=f"<@{user_id}> took ownership")


def assign(session: Session, *, workspace_id: str, loop_id: int, user_id: str, owner_id: str, via: str,
           now: datetime) -> ActionResult:
    """Make ``owner_id`` the owner (chosen by ``user_id``), from any open state."""
    return _transition(session, workspace_id, loop_id, user_id, via, now, kind="assigned", expected=OPEN_STATUSES,
                       values=_owner_values(owner_id, user_id, now), details={"owner": owner_id},
                       note=f"<@{user_id}> assigned this to <@{owner_id}>")


def snooze(session: Session, *, workspace_id: str, loop_id: int, user_id: str, until: datetime, via: str,
           now: datetime) -> ActionResult:
    """Pause reminders until ``until``; the loop stays visible and keeps its state."""
    return _transition(session, workspace_id, loop_id, user_id, via, now, kind="snoozed", expected=OPEN_STATUSES,
                       values={"snoozed_until": until}, details={"until": until.isoformat()},
                       note=f"<@{user_id}> snoozed reminders until {slack_date(until)}")


def resolve(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str, now: datetime,
            outcome: str | None = None, contact_method: str | None = None, note: str | None = None) -> ActionResult:
    """Close the loop, recording who closed it, the outcome, how the customer was reached and a note."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    summary = f"Resolved by <@{user_id}>" + (f": *{OUTCOMES[outcome]}*" if outcome else "")
    if contact_method:
        summary += f" (by {CONTACT_METHODS.get(contact_method, contact_method).lower()})"
    if note:
        summary += "\n> " + escape(note).replace("\n", "\n> ")
    return _transition(session, workspace_id, loop_id, user_id, via, now, kind="resolved", expected=OPEN_STATUSES,
                       values={"status": "resolved", "resolved_by": user_id, "resolved_at": now, "outcome": outcome,
                               "contact_method": contact_method, "resolution_note": note, "snoozed_until": None,
                               "acknowledged_by": func.coalesce(Loop.acknowledged_by, user_id),
                               "acknowledged_at": func.coalesce(Loop.acknowledged_at, now)},
                       details={"outcome": outcome, "contact_method": contact_method}, note=summary)


def reopen(session: Session, *, workspace_id: str, loop_id: int, user_id: str, via: str,
           now: datetime) -> ActionResult:
    """Bring a resolved loop back to in progress (owner kept, or the person reopening it)."""
    _check_lead_rule(session, workspace_id, loop_id, user_id, "reopen")
    return _transition(session, workspace_id, loop_id, user_id, via, now, kind="reopened", expected=("resolved",),
                       values={"status": "in_progress", "resolved_by": None, "resolved_at": None, "outcome": None,
                               "owner_id": func.coalesce(Loop.owner_id, user_id)},
                       note=f"<@{user_id}> reopened this loop")


def _owner_values(owner_id: str, by: str, now: datetime) -> dict:
    return {"status": "in_progress", "owner_id": owner_id,
            "acknowledged_by": func.coalesce(Loop.acknowledged_by, by),
            "acknowledged_at": func.coalesce(Loop.acknowledged_at, now)}


def _check_lead_rule(session: Session, workspace_id: str, loop_id: int, user_id: str, verb: str) -> None:
    loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
    team = session.get(Team, loop.team_id) if loop is not None and loop.team_id else None
    if team is not None and team.leads_only_moves and user_id not in team.leads:
        leads = " ".join(f"<@{u}>" for u in team.leads) or "the team's leads"
        raise NotAuthorized(f"only {team.name}'s leads may {verb} its loops; ask {leads}")


def _transition(session: Session, workspace_id: str, loop_id: int, user_id: str, via: str, now: datetime, *,
                kind: str, expected: tuple[str, ...], values: dict, note: str,
                details: dict | None = None) -> ActionResult:
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
        enqueue_card_update(session, loop=loop, feedback=session.get(Feedback, loop.feedback_id))
        if thread_log_on(session, loop):
            enqueue_thread_reply(session, loop=loop, text=note)
        session.flush()
        queue_home(session, workspace_id=workspace_id, user_id=user_id, now=now)  # keep their Home tab current
        session.commit()
        return ActionResult(True, loop)
    notice = why_not(loop, attempted=kind, now=now)
    enqueue_ephemeral(session, loop=loop, user_id=user_id, text=notice)
    session.commit()
    return ActionResult(False, loop, notice)


def thread_log_on(session: Session, loop: Loop) -> bool:
    """Whether the loop's team wants a thread reply per change (on unless turned off)."""
    team = session.get(Team, loop.team_id) if loop.team_id else None
    return team is None or team.thread_log


def why_not(loop: Loop, *, attempted: str, now: datetime) -> str:
    """A one-line explanation of why an action changed nothing, e.g. already acknowledged by @x."""
    if loop.status == "resolved" and loop.resolved_by and loop.resolved_at:
        return f"Loop #{loop.id} was already resolved by <@{loop.resolved_by}> {ago(loop.resolved_at, now)}."
    if attempted == "acknowledged" and loop.acknowledged_by and loop.acknowledged_at:
        return (f"Loop #{loop.id} was already acknowledged by <@{loop.acknowledged_by}> "
                f"{ago(loop.acknowledged_at, now)}.")
    if attempted == "owned" and loop.owner_id:
        return f"Loop #{loop.id} is already owned by <@{loop.owner_id}>."
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


def moved_elsewhere(session: Session, *, workspace_id: str, loop_id: int, channel_id: str | None) -> str | None:
    """The channel a loop moved to, when a click came from the card it left behind."""
    loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
    if loop is None or not channel_id or not loop.channel_id or loop.channel_id == channel_id:
        return None
    return loop.channel_id


def snooze_until(session: Session, *, workspace_id: str, loop_id: int, choice: str, now: datetime) -> datetime:
    """The end of a snooze menu choice: 1h, 4h, 1w, or tomorrow 09:00 in the team's timezone."""
    if choice == "tomorrow":
        loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
        team = session.get(Team, loop.team_id) if loop is not None and loop.team_id else None
        return next_opening(now, tz_name=team.timezone if team else "UTC", hours=team.hours if team else None)
    spans = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "1w": timedelta(weeks=1)}
    if choice not in spans:
        raise ValueError(f"unknown snooze choice {choice!r}")
    return now + spans[choice]
