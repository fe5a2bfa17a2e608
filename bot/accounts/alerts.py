"""What a billing outcome means for the loops of its account, said where the team works: the card's thread.

A scheduled cancellation of a customer with an open loop is the most urgent save there is: a note in the
loop's thread mentions its owner (or the team's leads). A loop resolved as "customer saved" whose account
churned within 90 days is flagged in its thread. Every card of the account shows billing's new state.
All of it goes through the outbox, in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_update, enqueue_message, enqueue_thread_reply
from bot.loops.cards import customer_label
from bot.loops.events import LOOPKEEPER, record_event
from bot.loops.lists import card_link
from bot.money import format_money
from bot.mrkdwn import day_month, escape, mention_user, truncate
from models.account import (
    CANCELLATION_SCHEDULED,
    CHURN,
    CHURNED,
    SCHEDULED,
    Account,
    AccountEvent,
    feedback_for_account,
)
from models.feedback import Feedback
from models.loop import Loop, loops_of_feedback
from models.team import get_team

# A loop marked saved whose account churns within this long was not saved: flagged, and counted.
SAVED_WINDOW = timedelta(days=90)
SAVED = "saved"
RESOLVED = "resolved"
VIA = "billing"
REASONS = {
    "too_expensive": "too expensive",
    "missing_features": "missing features",
    "switched_service": "switched to another service",
    "unused": "not using it",
    "customer_service": "customer service",
    "too_complex": "too complex",
    "low_quality": "quality",
    "other": "other",
}
COMMENT_SHOWN = 200


def tell_loops(session: Session, *, account: Account, events: list[AccountEvent], now: datetime) -> list[int]:
    """Notes and card updates for the loops of ``account`` after ``events``; the ids of the loops touched."""
    if not events:
        return []
    feedback = feedback_for_account(session=session, account=account)
    pairs = loops_of_feedback(session=session, workspace_id=account.workspace_id, feedback=feedback)
    by_loop: dict[int, Feedback] = {loop.id: f for f, loop in pairs}
    loops = [loop for _, loop in pairs]
    touched: set[int] = set()
    for event in events:
        if event.kind == SCHEDULED and account.status == CANCELLATION_SCHEDULED and account.owner_id:
            _tell_account_owner(session, account, event, [loop for loop in loops if loop.status != RESOLVED], now)
        for loop in loops:
            if event.kind == SCHEDULED and account.status == CANCELLATION_SCHEDULED and loop.status != RESOLVED:
                _note(session, loop, _scheduled_text(session, loop, by_loop[loop.id], account, event, now), event, now)
                touched.add(loop.id)
            elif event.kind == CHURN and account.status == CHURNED and _saved_before(loop, event):
                _flag_saved(session, loop, by_loop[loop.id], event, now)
                touched.add(loop.id)
    # Open cards show billing's word; closed ones only where it changed their story (a churn after a "saved").
    for loop in loops:
        if loop.status != RESOLVED or loop.id in touched:
            enqueue_card_update(session, loop=loop)
    return sorted(touched)


def _saved_before(loop: Loop, event: AccountEvent) -> bool:
    resolved = loop.resolved_at
    return (
        loop.status == RESOLVED
        and loop.outcome == SAVED
        and resolved is not None
        and resolved <= event.effective_at <= resolved + SAVED_WINDOW
    )


def _scheduled_text(
    session: Session, loop: Loop, feedback: Feedback, account: Account, event: AccountEvent, now: datetime
) -> str:
    when = account.cancel_at
    on = f" on {day_month(when, now=now)}" if when else ""
    arr = f" · {format_money(account.arr, account.currency)} ARR" if account.arr else ""
    reason = REASONS.get(str(event.details.get("feedback") or ""), "")
    reason = reason or escape(str(event.details.get("reason") or "")).replace("_", " ")
    why = f" · reason: {reason}" if reason else ""
    comment = event.details.get("comment")
    said = f'\n> "{truncate(escape(str(comment)), COMMENT_SHOWN)}"' if comment else ""
    who = escape(feedback.account or customer_label(feedback))
    return (
        f":rotating_light: *Cancellation scheduled{on}* — billing says {who} is "
        f"leaving{arr}{why}. This open loop is the most urgent save there is: {_who(session, loop, account)}.{said}"
    )


def _who(session: Session, loop: Loop, account: Account) -> str:
    """Who to ping: the loop's owner, else its team's leads, else the channel's people; and the account's owner."""
    if loop.owner_id:
        who = mention_user(loop.owner_id)
    else:
        team = get_team(session=session, team_id=loop.team_id)
        leads = [mention_user(lead) for lead in (team.leads if team else [])]
        who = ", ".join(leads) if leads else "whoever takes it"
    if account.owner_id and account.owner_id != loop.owner_id:
        who += f" (account owner {mention_user(account.owner_id)})"
    return who


def _tell_account_owner(
    session: Session, account: Account, event: AccountEvent, open_loops: list[Loop], now: datetime
) -> None:
    """The account's owner hears of its scheduled cancellation directly, with its open loops."""
    assert account.owner_id is not None
    name = escape(account.name or account.email or account.customer_id or "An account")
    on = f" for {day_month(account.cancel_at, now=now)}" if account.cancel_at else ""
    arr = f" ({format_money(account.arr, account.currency)} ARR)" if account.arr else ""
    reason = REASONS.get(str(event.details.get("feedback") or ""), "")
    loops = ", ".join(f"#{loop.id} ({card_link(loop)})" for loop in open_loops[:5])
    text = (
        f":rotating_light: *{name}*{arr}, which you own, scheduled a cancellation{on}"
        f"{f' — reason: {reason}' if reason else ''}."
        + (f" Open loops: {loops}." if loops else " It has no open loop: a call from you may be the only save.")
    )
    enqueue_message(
        session,
        workspace_id=account.workspace_id,
        channel_id=account.owner_id,
        ordering_key=f"account:{account.id}",
        kind="account_alert",
        message={"text": text},
    )


def _flag_saved(session: Session, loop: Loop, feedback: Feedback, event: AccountEvent, now: datetime) -> None:
    assert loop.resolved_at is not None
    lost = f" ({format_money(event.arr_before, event.currency)} ARR)" if event.arr_before else ""
    who = escape(feedback.account or customer_label(feedback))
    text = (
        f":warning: *Marked saved on {day_month(loop.resolved_at, now=now)}, churned "
        f"{day_month(event.effective_at, now=now)}* — billing says {who} "
        f"left{lost}. Counted as churned in `/loops impact`."
    )
    _note(session, loop, text, event, now, kind="saved_then_churned")


def _note(
    session: Session, loop: Loop, text: str, event: AccountEvent, now: datetime, *, kind: str = "billing"
) -> None:
    enqueue_thread_reply(session, loop=loop, text=text)
    record_event(
        session, loop=loop, kind=kind, actor=LOOPKEEPER, via=VIA, at=now, account_event=event.id, outcome=event.kind
    )
