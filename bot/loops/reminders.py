"""SLA reminders: at breach, a note in the card's thread; a second step mentions the leads.

Each step is sent once per loop, even across restarts and replicas: a reminder
row with a unique (loop, kind, step) key is written in the same transaction as
the thread reply it causes. After downtime, a loop that passed several steps
gets one reminder (the latest step), not one per missed check.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.mrkdwn import slack_date
from bot.delivery.outbox import enqueue_card_update, enqueue_thread_reply
from models.loop import OPEN_STATUSES, Loop, LoopEvent, Reminder
from models.team import Team

MIN_STEP_GAP = timedelta(hours=1)


def due_loops(session: Session, *, now: datetime) -> list[Loop]:
    """Open, unsnoozed loops past a due time, oldest first."""
    return list(session.exec(
        select(Loop).where(
            Loop.status.in_(OPEN_STATUSES), Loop.card_ts.is_not(None),
            or_(and_(Loop.status == "new", Loop.ack_due_at <= now), Loop.resolve_due_at <= now),
            or_(Loop.snoozed_until.is_(None), Loop.snoozed_until <= now),
        ).order_by(Loop.id)))


def step_reached(loop: Loop, kind: str, now: datetime) -> int:
    """1 at the due time; 2 once another SLA span (at least an hour) has passed without action."""
    due = loop.ack_due_at if kind == "ack" else loop.resolve_due_at
    gap = max(due - loop.created_at, MIN_STEP_GAP)
    return 2 if now >= due + gap else 1


def check_reminders(session: Session, *, now: datetime) -> int:
    """Send every reminder step that has come due; returns how many reminders were queued."""
    sent = 0
    for loop in due_loops(session, now=now):
        kind = "ack" if loop.status == "new" and loop.ack_due_at and loop.ack_due_at <= now else "resolve"
        step = step_reached(loop, kind, now)
        done = set(session.exec(select(Reminder.step).where(Reminder.loop_id == loop.id, Reminder.kind == kind)))
        if step in done or (step == 1 and 2 in done):
            continue
        try:
            with session.begin_nested():
                for missing in range(1, step + 1):
                    if missing not in done:
                        session.add(Reminder(workspace_id=loop.workspace_id, loop_id=loop.id, kind=kind,
                                             step=missing, sent_at=now))
                session.flush()
        except IntegrityError:
            continue  # another process sent it
        team = session.get(Team, loop.team_id) if loop.team_id else None
        enqueue_thread_reply(session, loop=loop, text=reminder_text(loop, team, kind, step))
        enqueue_card_update(session, loop=loop, now=now)
        session.add(LoopEvent(workspace_id=loop.workspace_id, loop_id=loop.id, kind=f"reminder_{kind}_{step}",
                              actor="loopkeeper", via="scheduler", at=now, details={"step": step}))
        sent += 1
    session.commit()
    return sent


def reminder_text(loop: Loop, team: Team | None, kind: str, step: int) -> str:
    """Who is reminded: the owner (or the leads if unowned) at step 1; the leads at step 2."""
    due = loop.ack_due_at if kind == "ack" else loop.resolve_due_at
    what = "acknowledged" if kind == "ack" else "resolved"
    leads = " ".join(f"<@{u}>" for u in (team.leads if team else [])) or None
    if step == 1 and loop.owner_id:
        who = f"<@{loop.owner_id}>"
    else:
        who = leads or "Nobody owns this loop and the team has no leads (`/loops team set <team> lead @someone`);"
    escalation = " Second reminder:" if step == 2 else ""
    return (f":alarm_clock:{escalation} {who} loop #{loop.id} should have been {what} by {slack_date(due)} "
            "— the customer is still waiting.")
