"""Billing's events that no feedback joins yet: kept, listed, and counted once feedback names their account."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.impact.text import NO_BILLING
from bot.money import format_money
from bot.mrkdwn import day_month, escape, truncate
from bot.slack.limits import SECTION_TEXT
from models.account import Account, AccountEvent, has_billing_data
from models.impact_queries import unmatched_account_events

SHOWN = 25
KINDS = {
    "churned": "churned",
    "renewed": "renewed",
    "expanded": "expanded",
    "contracted": "contracted",
    "cancellation_scheduled": "cancellation scheduled",
    "cancellation_withdrawn": "cancellation withdrawn",
}


def unmatched_text(session: Session, *, workspace_id: str, now: datetime) -> str:
    """The newest events whose account no feedback joins (by customer id, email or account name), and how many."""
    if not has_billing_data(session=session, workspace_id=workspace_id):
        return NO_BILLING
    rows, total = unmatched_account_events(session=session, workspace_id=workspace_id, limit=SHOWN)
    if not total:
        return (
            ":white_check_mark: Every account event from billing joins some feedback (by customer id, email or name)."
        )
    lines = [
        f"*Billing events no feedback joins yet: {total}* — kept, and counted in `/loops impact` as soon as feedback "
        "with the account's customer id, email or account name arrives. Newest first:"
    ]
    lines += [f"• {_line(event, account, now)}" for event, account in rows]
    if total > len(rows):
        lines.append(f"…and {total - len(rows)} more")
    return truncate("\n".join(lines), SECTION_TEXT * 3)


def _line(event: AccountEvent, account: Account, now: datetime) -> str:
    who = " · ".join(escape(key) for key in (account.name, account.email, account.customer_id) if key) or "—"
    kind = KINDS.get(event.kind, escape(event.kind))
    return f"{day_month(event.effective_at, now=now)} — *{kind}* — {who} · {_arr(event)}"


def _arr(event: AccountEvent) -> str:
    before, after = event.arr_before, event.arr_after
    if before is not None and after is not None and before != after:
        return f"ARR {format_money(before, event.currency)} → {format_money(after, event.currency)}"
    known = before if before is not None else after
    return f"ARR {format_money(known, event.currency)}" if known is not None else "ARR unknown"
