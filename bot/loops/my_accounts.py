"""An account owner's accounts at risk: open loops of unhappy customers, or a cancellation scheduled, by ARR at
stake. Shown in their App Home ("My accounts") and sent weekly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from sqlmodel import Session

from bot.loops.lists import card_link
from bot.money import format_money
from bot.mrkdwn import day_month, escape, truncate
from bot.slack.limits import SECTION_TEXT
from models.account import CANCELLATION_SCHEDULED, Account, accounts_owned_by, feedback_for_account
from models.loop import OPEN_STATUSES, Loop, loops_of_feedback

UNHAPPY = ("detractor", "negative")
LOOPS_NAMED = 3


@dataclass(frozen=True)
class AccountAtRisk:
    account: Account
    loops: tuple[Loop, ...]  # open loops of its unhappy customers, oldest first
    arr: Decimal | None  # billing's, else the most its feedback reported

    @property
    def cancelling(self) -> bool:
        return self.account.status == CANCELLATION_SCHEDULED


def accounts_at_risk(session: Session, *, workspace_id: str, user_id: str) -> list[AccountAtRisk]:
    """The accounts this person owns with an open unhappy loop or a scheduled cancellation, most ARR first."""
    found = []
    for account in accounts_owned_by(session=session, workspace_id=workspace_id, owner_id=user_id):
        feedback = feedback_for_account(session=session, account=account)
        unhappy = [f for f in feedback if f.category in UNHAPPY]
        reported = max((f.arr for f in feedback if f.arr is not None), default=None)
        pairs = loops_of_feedback(session=session, workspace_id=workspace_id, feedback=unhappy)
        loops = [loop for _, loop in pairs if loop.status in OPEN_STATUSES]
        if loops or account.status == CANCELLATION_SCHEDULED:
            ordered = tuple(sorted(loops, key=lambda loop: loop.created_at))
            found.append(AccountAtRisk(account, ordered, account.arr if account.arr is not None else reported))
    return sorted(found, key=lambda risk: (-(risk.arr or 0), not risk.cancelling, risk.account.id))


def risk_line(risk: AccountAtRisk, now: datetime) -> str:
    account = risk.account
    parts = [f"*{escape(account.name or account.email or account.customer_id or 'Account')}*"]
    if risk.arr is not None:
        parts.append(f"{format_money(risk.arr, account.currency)} ARR")
    if risk.cancelling:
        on = f" for {day_month(account.cancel_at, now=now)}" if account.cancel_at else ""
        parts.append(f":rotating_light: cancellation scheduled{on}")
    if risk.loops:
        count = len(risk.loops)
        named = ", ".join(f"#{loop.id} ({card_link(loop)})" for loop in risk.loops[:LOOPS_NAMED])
        more = f" and {count - LOOPS_NAMED} more" if count > LOOPS_NAMED else ""
        parts.append(f"{count} open unhappy loop{'s' if count != 1 else ''}: {named}{more}")
    return "• " + " · ".join(parts)


def risk_lines(risks: list[AccountAtRisk], now: datetime) -> list[str]:
    return [risk_line(risk, now) for risk in risks]


def account_blocks(session: Session, *, workspace_id: str, user_id: str, now: datetime) -> list[Block]:
    """The Home tab's "My accounts" section; nothing for someone who owns no account at risk."""
    risks = accounts_at_risk(session, workspace_id=workspace_id, user_id=user_id)
    if not risks:
        return []
    text = truncate("\n".join(risk_lines(risks, now)), SECTION_TEXT)
    return [
        HeaderBlock(text=PlainTextObject(text=f"My accounts at risk ({len(risks)})")),
        SectionBlock(text=MarkdownTextObject(text=text)),
    ]
