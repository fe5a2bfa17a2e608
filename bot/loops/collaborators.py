"""Joining a loop as a collaborator: one owner, any number of people following it (account owners, CSMs)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_update, enqueue_owner_alert, enqueue_thread_reply
from bot.loops.changes import Actor
from bot.loops.events import record_event
from bot.loops.home import queue_home
from bot.mrkdwn import mention_user
from models.account import accounts_for_feedback
from models.feedback import get_feedback
from models.loop import Loop
from models.people import LoopCollaborator, get_owner_alert, is_collaborator


def join(session: Session, *, actor: Actor, loop: Loop, thread_log: bool) -> str | None:
    """Add the actor to the loop's collaborators; None when they joined, else why nothing changed."""
    user = actor.user_id
    if loop.owner_id == user:
        return f"You own loop #{loop.id}: it is yours already."
    if is_collaborator(session=session, loop_id=loop.id, user_id=user):
        return f"You are in loop #{loop.id} already: it is in your Home tab and its reminders reach you."
    try:
        with session.begin_nested():
            session.add(LoopCollaborator(workspace_id=loop.workspace_id, loop_id=loop.id, user_id=user, added_by=user))
    except IntegrityError:  # a double click: the other one joined
        return f"You are in loop #{loop.id} already."
    record_event(session, loop=loop, kind="joined", actor=user, via=actor.via, at=actor.now)
    enqueue_card_update(session, loop=loop)
    if thread_log:
        enqueue_thread_reply(session, loop=loop, text=f"{mention_user(user)} joined this loop")
    queue_home(session, workspace_id=actor.workspace_id, user_id=user)
    _refresh_owner_message(session, actor=actor, loop=loop)
    return None


def _refresh_owner_message(session: Session, *, actor: Actor, loop: Loop) -> None:
    """Today's message to the account owner shows the loop as joined (its button gone)."""
    feedback = get_feedback(session=session, feedback_id=loop.feedback_id)
    account = accounts_for_feedback(session=session, workspace_id=loop.workspace_id, feedback=[feedback]).get(
        feedback.id
    )
    if account is None:
        return
    alert = get_owner_alert(session=session, account_id=account.id, user_id=actor.user_id, day=actor.now.date())
    if alert is not None:
        enqueue_owner_alert(
            session, workspace_id=loop.workspace_id, alert_id=alert.id, user_id=actor.user_id, first=False
        )
