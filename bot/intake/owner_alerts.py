"""Telling an account's owner when their customer is unhappy: a mention in the card's thread, and one direct
message a day per account listing what came in, each with a **Join this loop** button.

Only for detractors and negative ratings from accounts at or above the loop's team's ``notify_owner_above``
(off by default). Everything goes through the outbox; the message is rendered when sent, so a second
detractor the same day updates the one message rather than sending another.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from slack_sdk.models.blocks import Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.outbox import OWNER_ALERT, enqueue_owner_alert, enqueue_thread_reply
from bot.ids import CardAction
from bot.loops.cards import customer_label, score_label
from bot.loops.lists import card_link
from bot.money import format_money
from bot.mrkdwn import escape, mention_user, quote, truncate
from models.account import Account, accounts_for_feedback, feedback_for_account, get_account
from models.feedback import Feedback
from models.loop import Loop, loops_of_feedback
from models.outbox import OutboxItem
from models.people import OwnerAlert, get_owner_alert, list_collaborators
from models.team import get_team

UNHAPPY = ("detractor", "negative")
COMMENT_SHOWN = 300
LISTED = 10


def tell_account_owner(session: Session, *, feedback: Feedback, loops: list[Loop], opened: bool, now: datetime) -> None:
    """After intake: if the feedback is unhappy and its account's owner should hear of it, tell them."""
    if feedback.category not in UNHAPPY or not loops:
        return
    account = accounts_for_feedback(session=session, workspace_id=feedback.workspace_id, feedback=[feedback]).get(
        feedback.id
    )
    if account is None or not account.owner_id:
        return
    arr = account.arr if account.arr is not None else feedback.arr
    loud = [loop for loop in loops if _above_threshold(session, loop, arr)]
    if not loud:
        return
    if opened:
        for loop in loud:
            enqueue_thread_reply(session, loop=loop, text=_thread_text(account, feedback, arr))
    _daily_message(session, account=account, now=now)


def _above_threshold(session: Session, loop: Loop, arr: Decimal | None) -> bool:
    team = get_team(session=session, team_id=loop.team_id)
    threshold = team.notify_owner_above if team is not None else None
    return threshold is not None and arr is not None and arr >= threshold


def _thread_text(account: Account, feedback: Feedback, arr: Decimal | None) -> str:
    worth = f" ({format_money(arr, account.currency)} ARR)" if arr is not None else ""
    assert account.owner_id is not None
    return (
        f":bust_in_silhouette: {mention_user(account.owner_id)}, you own this account{worth}: "
        f"{escape(customer_label(feedback))} just gave {score_label(feedback)}. "
        "Join the loop from your DM to follow it."
    )


def _daily_message(session: Session, *, account: Account, now: datetime) -> None:
    """One message a day per account: posted with the day's first detractor, updated with the next."""
    assert account.owner_id is not None
    day = now.date()
    alert = get_owner_alert(session=session, account_id=account.id, user_id=account.owner_id, day=day)
    first = alert is None
    if alert is None:
        try:
            with session.begin_nested():
                alert = OwnerAlert(
                    workspace_id=account.workspace_id, account_id=account.id, user_id=account.owner_id, day=day
                )
                session.add(alert)
        except IntegrityError:  # another replica's intake made today's message first: update it instead
            alert = get_owner_alert(session=session, account_id=account.id, user_id=account.owner_id, day=day)
            first = False
        assert alert is not None
    enqueue_owner_alert(
        session, workspace_id=account.workspace_id, alert_id=alert.id, user_id=account.owner_id, first=first
    )


# -- what the worker renders ------------------------------------------------------------------------------------


def owner_alert_message(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """The owner's message about one account's unhappy customers that day, as things stand now."""
    alert = session.get(OwnerAlert, item.payload.get("_alert_id"))
    account = (
        get_account(session=session, workspace_id=item.workspace_id, account_id=alert.account_id) if alert else None
    )
    if alert is None or account is None:
        return None
    start = datetime.combine(alert.day, time(), tzinfo=now.tzinfo)
    unhappy = [
        f
        for f in feedback_for_account(session=session, account=account, since=start)
        if f.category in UNHAPPY and f.received_at < start + timedelta(days=1)
    ]
    pairs = loops_of_feedback(session=session, workspace_id=item.workspace_id, feedback=unhappy)
    message = _render(session, account, alert, pairs)
    if item.kind == OWNER_ALERT:
        return message
    if not alert.ts or not alert.channel_id:
        return None  # its post never landed; nothing to update
    return {"channel": alert.channel_id, "ts": alert.ts, **message}


def record_owner_alert(session: Session, item: OutboxItem, ts: str) -> None:
    """The day's message landed: where it is (the DM's channel id comes back with the post)."""
    alert = session.get(OwnerAlert, item.payload.get("_alert_id"))
    if alert is not None:
        alert.ts, alert.channel_id = ts, str((item.result or {}).get("channel") or "") or None
        session.add(alert)


def _render(session: Session, account: Account, alert: OwnerAlert, rows: list[tuple[Feedback, Loop]]) -> dict:
    name = escape(account.name or account.email or account.customer_id or "Your account")
    arr = f" ({format_money(account.arr, account.currency)} ARR)" if account.arr is not None else ""
    people = len({feedback.id for feedback, _ in rows})
    count = f"{people} unhappy customer{'s' if people != 1 else ''}"
    head = f":warning: *{name}*{arr}, which you own: {count} today"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    for feedback, loop in rows[:LISTED]:
        joined = alert.user_id == loop.owner_id or alert.user_id in list_collaborators(session=session, loop_id=loop.id)
        line = f"*{score_label(feedback)}* · {escape(customer_label(feedback))} · loop #{loop.id} · {card_link(loop)}"
        if feedback.comment:
            line += "\n" + truncate(quote(escape(feedback.comment)), COMMENT_SHOWN)
        button = ButtonElement(text="Join this loop", action_id=CardAction.JOIN, value=str(loop.id), style="primary")
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=line, verbatim=True), accessory=None if joined else button)
        )
        if joined:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=":white_check_mark: You are in this loop")]))
    if len(rows) > LISTED:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"…and {len(rows) - LISTED} more")]))
    return {"text": f"{name}: {count} today", "blocks": [b.to_dict() for b in blocks]}
