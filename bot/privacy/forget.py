"""Forgetting a customer at their request: the entry points of `loopkeeper forget` and `/loops forget`.

One transaction erases their personal data (``anonymise``), queues the Slack updates that take them out of what
Loopkeeper posted (``update_slack``) and records, without naming them, that it happened. Nothing is sent to
Slack inside it: the delivery worker sends the updates after it commits. Running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.hooks.emit import emit_customer_forgotten
from bot.loops.events import record_event
from bot.privacy.anonymise import Anonymised, anonymise
from bot.privacy.keys import ACCOUNT, CUSTOMER_ID, EMAIL, CustomerKey
from bot.privacy.selection import Selection, select_customer
from bot.privacy.slack_messages import SlackChanges, update_slack
from models.admin import add_audit_entry
from models.db import new_session, transaction
from models.privacy import loops_of

FORGET_ACTION = "customer.forget"
RETENTION_ACTION = "customer.retention"


@dataclass(frozen=True)
class ForgetResult:
    """What a forget (or a retention run) changed, in counts; it names nobody."""

    feedback: int = 0
    loops: int = 0
    accounts: int = 0
    account_events: int = 0
    notes_erased: int = 0  # resolution and elevation notes
    slack: SlackChanges = field(default_factory=SlackChanges)
    loop_ids: tuple[int, ...] = ()
    preview: bool = False
    matched: str = ""  # what the key turned out to be (customer id or account, for a bare word)

    @property
    def changed(self) -> bool:
        return bool(self.feedback or self.accounts)

    def summary(self) -> str:
        """``3 feedback, 2 loops, 1 billing account``."""
        parts = [f"{self.feedback} feedback", _count(self.loops, "loop")]
        if self.accounts:
            parts.append(_count(self.accounts, "billing account"))
        return ", ".join(parts)

    def slack_summary(self) -> str:
        """What changes in Slack: ``2 cards, 5 thread notes, 1 other message (digests, DMs), 2 views redrawn``."""
        s = self.slack
        parts = [_count(s.cards, "card"), _count(s.notes, "thread note")]
        if s.messages:
            parts.append(_count(s.messages, "other message") + " (digests, DMs)")
        if s.others:
            parts.append(_count(s.others, "view") + " redrawn (theme cards, owners' messages, Home tabs)")
        return ", ".join(parts)

    def audit_record(self) -> dict:
        """What the audit trail keeps: counts only."""
        return {
            "customers": 1 if self.changed else 0,
            "feedback": self.feedback,
            "loops": self.loops,
            "accounts": self.accounts,
            "cards_updated": self.slack.cards,
            "notes_updated": self.slack.notes,
            "messages_updated": self.slack.messages,
        }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun if n == 1 else noun + 's'}"


def preview_forget(engine: Engine, *, workspace_id: str, key: CustomerKey) -> ForgetResult:
    """What forgetting this customer would erase, changing nothing (the confirmation step)."""
    with new_session(engine, read_only=True) as session:
        return preview_in_session(session, workspace_id=workspace_id, key=key)


def preview_in_session(session: Session, *, workspace_id: str, key: CustomerKey) -> ForgetResult:
    selection = select_customer(session, workspace_id=workspace_id, key=key)
    loops = loops_of(session=session, feedback=selection.feedback)
    return ForgetResult(
        feedback=len(selection.feedback),
        loops=len(loops),
        accounts=len(selection.accounts),
        loop_ids=tuple(loop.id for loop in loops),
        preview=True,
        matched=selection.key.label if selection.key else "",
    )


def forget(engine: Engine, *, workspace_id: str, key: CustomerKey, actor: str, via: str, now: datetime) -> ForgetResult:
    """Forget the customer ``key`` names, in one transaction of its own (the CLI's entry point)."""
    with transaction(engine) as session:
        return forget_in_session(session, workspace_id=workspace_id, key=key, actor=actor, via=via, now=now)


def forget_in_session(
    session: Session, *, workspace_id: str, key: CustomerKey, actor: str, via: str, now: datetime
) -> ForgetResult:
    """The work of :func:`forget` in the caller's transaction (`/loops forget` runs in the command's)."""
    selection = select_customer(session, workspace_id=workspace_id, key=key)
    result = erase(session, workspace_id=workspace_id, selection=selection, actor=actor, via=via, now=now)
    if result.changed:
        add_audit_entry(
            session=session,
            workspace_id=workspace_id,
            actor=actor,
            via=via,
            action=FORGET_ACTION,
            target=f"1 customer, by {key.label}",
            after=result.audit_record(),
            at=now,
        )
        # Outgoing webhooks hear which customer to forget, as it was asked (and understood), in this transaction.
        asked = selection.key or key
        emit_customer_forgotten(
            session,
            workspace_id=workspace_id,
            at=now,
            email=asked.value if asked.kind == EMAIL else None,
            customer_id=asked.value if asked.kind == CUSTOMER_ID else None,
            account=asked.value if asked.kind == ACCOUNT else None,
            loop_ids=result.loop_ids,
            feedback_count=result.feedback,
        )
    return result


def erase(
    session: Session, *, workspace_id: str, selection: Selection, actor: str, via: str, now: datetime
) -> ForgetResult:
    """Anonymise the selection and take it out of Slack (shared by forget and retention; no audit entry)."""
    if selection.empty:
        return ForgetResult()
    done: Anonymised = anonymise(session, workspace_id=workspace_id, selection=selection, now=now)
    for loop in done.loops:
        record_event(session, loop=loop, kind="customer_data_erased", actor=actor, via=via, at=now)
    session.flush()
    slack = update_slack(session, workspace_id=workspace_id, done=done)
    return ForgetResult(
        feedback=len(done.feedback),
        loops=len(done.loops),
        accounts=done.accounts_erased,
        account_events=done.account_events,
        notes_erased=done.notes,
        slack=slack,
        loop_ids=tuple(loop.id for loop in done.loops),
    )
