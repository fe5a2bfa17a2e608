"""SLA reminders: at breach, a note in the card's thread; a second step mentions the leads.

Each step is sent once per loop, even across restarts and replicas: a reminder
row with a unique (loop, kind, step) key is written in the same transaction as
the thread reply it causes. After downtime, a loop that passed several steps
gets one reminder (the latest step), not one per missed check.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_update, enqueue_thread_reply
from bot.loops.events import LOOPKEEPER, record_event
from bot.mrkdwn import mention_user, slack_date
from models.db import new_session, transaction
from models.loop import Loop, Reminder, get_loop, loops_past_due, reminder_steps_sent
from models.people import list_collaborators
from models.team import Team, get_team

MIN_STEP_GAP = timedelta(hours=1)


def step_reached(loop: Loop, kind: str, now: datetime) -> int:
    """1 at the due time; 2 once another SLA span (at least an hour) has passed without action."""
    due = _due(loop, kind)
    gap = max(due - loop.created_at, MIN_STEP_GAP)
    return 2 if now >= due + gap else 1


def _due(loop: Loop, kind: str) -> datetime:
    """The due time a reminder of ``kind`` is about (only asked of loops past it)."""
    due = loop.ack_due_at if kind == "ack" else loop.resolve_due_at
    if due is None:
        raise ValueError(f"loop {loop.id} has no {kind} due time")
    return due


def check_reminders(engine: Engine, *, now: datetime) -> int:
    """Send every reminder step that has come due, one short transaction per loop; returns how many."""
    with new_session(engine, read_only=True) as reader:
        due = [(loop.workspace_id, loop.id) for loop in loops_past_due(session=reader, now=now)]
    sent = 0
    for workspace_id, loop_id in due:
        with transaction(engine) as session:
            loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
            if loop is not None and remind(session, loop=loop, now=now):
                sent += 1
    return sent


def remind(session: Session, *, loop: Loop, now: datetime) -> bool:
    """Queue the reminder step the loop has reached, unless it (or a later step) was sent; True when queued."""
    kind = "ack" if loop.status == "new" and loop.ack_due_at and loop.ack_due_at <= now else "resolve"
    step = step_reached(loop, kind, now)
    done = reminder_steps_sent(session=session, loop_id=loop.id, kind=kind)
    if step in done or (step == 1 and 2 in done):
        return False
    try:
        with session.begin_nested():
            for missing in range(1, step + 1):
                if missing not in done:
                    session.add(
                        Reminder(workspace_id=loop.workspace_id, loop_id=loop.id, kind=kind, step=missing, sent_at=now)
                    )
            session.flush()
    except IntegrityError:
        return False  # another process sent it
    team = get_team(session=session, team_id=loop.team_id)
    joined = tuple(list_collaborators(session=session, loop_id=loop.id))
    enqueue_thread_reply(session, loop=loop, text=reminder_text(loop, team, kind, step, collaborators=joined))
    enqueue_card_update(session, loop=loop)
    record_event(
        session, loop=loop, kind=f"reminder_{kind}_{step}", actor=LOOPKEEPER, via="scheduler", at=now, step=step
    )
    return True


def reminder_text(loop: Loop, team: Team | None, kind: str, step: int, *, collaborators: tuple[str, ...] = ()) -> str:
    """Who is reminded: the owner (or the leads if unowned) at step 1; the leads at step 2; and whoever joined."""
    due = _due(loop, kind)
    what = "acknowledged" if kind == "ack" else "resolved"
    leads = " ".join(mention_user(u) for u in (team.leads if team else [])) or None
    if step == 1 and loop.owner_id:
        who = f"{mention_user(loop.owner_id)}"
    else:
        who = leads or "Nobody owns this loop and the team has no leads (`/loops team set <team> lead @someone`);"
    escalation = " Second reminder:" if step == 2 else ""
    following = f" (cc {' '.join(mention_user(u) for u in collaborators)})" if collaborators else ""
    return (
        f":alarm_clock:{escalation} {who} loop #{loop.id} should have been {what} by {slack_date(due)} "
        f"— the customer is still waiting.{following}"
    )
