"""What erasing a customer's personal data reads: their feedback, their loops' messages, and what retention is due."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlmodel import Session, col, select

from models.account import Account, AccountEvent, name_key
from models.base import any_within
from models.feedback import Feedback
from models.loop import Loop
from models.outbox import OutboxItem
from models.people import OwnerAlert
from models.theme import ThemeLink

CHUNK = 500
# Slack writes whose payload carries text we wrote (notes, digests, DMs); cards and Home tabs are drawn when sent.
TEXT_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")


def feedback_of_customer(
    *,
    session: Session,
    workspace_id: str,
    emails: Iterable[str] = (),
    customer_ids: Iterable[str] = (),
    account: str | None = None,
) -> list[Feedback]:
    """Feedback with any of these emails (any case) or customer ids, or under this account name; oldest first."""
    keys: list[ColumnElement[bool]] = []
    lowered = sorted({e.lower() for e in emails if e})
    ids = sorted({i for i in customer_ids if i})
    if lowered:
        keys.append(func.lower(col(Feedback.customer_email)).in_(lowered))
    if ids:
        keys.append(col(Feedback.customer_id).in_(ids))
    if account and name_key(account):
        keys.append(func.lower(col(Feedback.account)) == name_key(account))
    if not keys:
        return []
    query = select(Feedback).where(col(Feedback.workspace_id) == workspace_id, or_(*keys))
    return list(session.exec(query.order_by(col(Feedback.id))))


def accounts_of_customer(
    *,
    session: Session,
    workspace_id: str,
    emails: Iterable[str] = (),
    customer_ids: Iterable[str] = (),
    account: str | None = None,
) -> list[Account]:
    """Billing's accounts with any of these emails or customer ids, or this name."""
    keys: list[ColumnElement[bool]] = []
    lowered = sorted({e.lower() for e in emails if e})
    ids = sorted({i for i in customer_ids if i})
    if lowered:
        keys.append(col(Account.email).in_(lowered))
    if ids:
        keys.append(col(Account.customer_id).in_(ids))
    if account and name_key(account):
        keys.append(col(Account.name_key) == name_key(account))
    if not keys:
        return []
    query = select(Account).where(any_within(col(Account.workspace_id) == workspace_id, keys))
    return list(session.exec(query.order_by(col(Account.id))))


def loops_of(*, session: Session, feedback: Iterable[Feedback]) -> list[Loop]:
    """Every loop these feedback rows opened or joined, by id."""
    rows = list(feedback)
    opened = sorted({f.id for f in rows})
    joined = sorted({f.loop_id for f in rows if f.loop_id is not None})
    if not rows:
        return []
    query = select(Loop).where(or_(col(Loop.feedback_id).in_(opened), col(Loop.id).in_(joined or [-1])))
    return list(session.exec(query.order_by(col(Loop.id))))


def theme_links_of(*, session: Session, loop_ids: Iterable[int]) -> list[ThemeLink]:
    wanted = sorted(set(loop_ids))
    if not wanted:
        return []
    return list(session.exec(select(ThemeLink).where(col(ThemeLink.loop_id).in_(wanted)).order_by(col(ThemeLink.id))))


def events_of_accounts(*, session: Session, account_ids: Iterable[int]) -> list[AccountEvent]:
    wanted = sorted(set(account_ids))
    if not wanted:
        return []
    query = select(AccountEvent).where(col(AccountEvent.account_id).in_(wanted)).order_by(col(AccountEvent.id))
    return list(session.exec(query))


def posted_owner_alerts(*, session: Session, account_ids: Iterable[int]) -> list[OwnerAlert]:
    """Account owners' daily messages about these accounts that were posted (they can be redrawn)."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return []
    query = select(OwnerAlert).where(col(OwnerAlert.account_id).in_(wanted), col(OwnerAlert.ts).is_not(None))
    return list(session.exec(query.order_by(col(OwnerAlert.id))))


def text_outbox_items(*, session: Session, workspace_id: str) -> Iterator[list[OutboxItem]]:
    """The workspace's outbox rows that carry written text, a chunk at a time, by id."""
    last = 0
    while True:
        query = (
            select(OutboxItem)
            .where(
                col(OutboxItem.workspace_id) == workspace_id,
                col(OutboxItem.method).in_(TEXT_METHODS),
                col(OutboxItem.id) > last,
            )
            .order_by(col(OutboxItem.id))
            .limit(CHUNK)
        )
        chunk = list(session.exec(query))
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def feedback_due_for_retention(*, session: Session, workspace_id: str, before: datetime, limit: int) -> list[Feedback]:
    """Feedback not yet anonymised whose every loop was resolved before ``before`` (feedback kept as history,
    in no loop, when it was received before then); oldest first."""
    open_or_recent = exists().where(
        or_(col(Loop.feedback_id) == col(Feedback.id), col(Loop.id) == col(Feedback.loop_id)),
        or_(col(Loop.status) != "resolved", col(Loop.resolved_at).is_(None), col(Loop.resolved_at) >= before),
    )
    in_a_loop = exists().where(or_(col(Loop.feedback_id) == col(Feedback.id), col(Loop.id) == col(Feedback.loop_id)))
    query = (
        select(Feedback)
        .where(
            col(Feedback.workspace_id) == workspace_id,
            col(Feedback.forgotten_at).is_(None),
            ~open_or_recent,
            or_(in_a_loop, and_(~in_a_loop, col(Feedback.received_at) < before)),
        )
        .order_by(col(Feedback.id))
        .limit(limit)
    )
    return list(session.exec(query))


def moved_cards_of(*, session: Session, workspace_id: str, loop_id: int, kind: str) -> list[OutboxItem]:
    """The updates of cards a loop left behind when it moved (each names the card's channel and ts)."""
    query = select(OutboxItem).where(
        col(OutboxItem.workspace_id) == workspace_id, col(OutboxItem.loop_id) == loop_id, col(OutboxItem.kind) == kind
    )
    return list(session.exec(query.order_by(col(OutboxItem.id))))
