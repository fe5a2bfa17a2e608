"""Accounts as billing knows them (Stripe, or any CRM's feed), their subscriptions and outcome events.

Feedback joins an account at query time — by customer id, then email, then account name — so an event
that arrives before any feedback of its customer is kept and matched when the feedback comes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Numeric, UniqueConstraint, func, or_
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, any_within, primary_key, utcnow
from models.feedback import Feedback, of_customer
from models.loop import OPEN_STATUSES, Loop

ACTIVE = "active"
CANCELLATION_SCHEDULED = "cancellation_scheduled"
CHURNED = "churned"
# What an account is when billing has only named it (a Stripe customer with no subscription yet).
UNKNOWN = "unknown"

CHURN = "churned"
RENEWAL = "renewed"
EXPANSION = "expanded"
CONTRACTION = "contracted"
SCHEDULED = "cancellation_scheduled"
WITHDRAWN = "cancellation_withdrawn"
EVENT_KINDS = (CHURN, RENEWAL, EXPANSION, CONTRACTION, SCHEDULED, WITHDRAWN)


class Account(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "customer_id", name="uq_account_customer"),
        Index("ix_account_email", "workspace_id", "email"),
        Index("ix_account_name_key", "workspace_id", "name_key"),
        # an account manager's accounts, and everyone who owns any (their digests)
        Index("ix_account_owner", "workspace_id", "owner_id"),
    )

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    source: str = Field(max_length=40, description="stripe, or the feed that first named it")
    customer_id: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320, description="lower case")
    name: str | None = Field(default=None, max_length=200)
    name_key: str | None = Field(default=None, max_length=200, description="the name case-folded, for matching")
    arr: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    currency: str | None = Field(default=None, max_length=3)
    status: str = Field(default=UNKNOWN, max_length=24)
    renews_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    cancel_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    churned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    cancellation_reason: str | None = Field(default=None, max_length=200)
    owner_email: str | None = Field(default=None, max_length=320)
    owner_id: str | None = Field(default=None, max_length=32, description="the Slack user who owns the account")
    owner_name: str | None = Field(default=None, max_length=80, description="their name, shown without a ping")
    profile_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=True),
        description="the billing time of the profile (email, name) stored; older events never roll it back",
    )
    state_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=True),
        description="the billing time of the state (ARR, status, dates) stored; older events never roll it back",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class BillingSubscription(SQLModel, table=True):
    """A Stripe subscription as its newest event described it; an account's ARR is the sum of its live ones."""

    __tablename__ = "billing_subscription"
    __table_args__ = (UniqueConstraint("workspace_id", "subscription_id", name="uq_billing_subscription"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    account_id: int = Field(foreign_key="account.id", index=True)
    subscription_id: str = Field(max_length=200)
    status: str = Field(max_length=24)
    arr: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    currency: str = Field(max_length=3)
    cancel_at_period_end: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    cancel_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    current_period_end: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    event_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AccountEvent(SQLModel, table=True):
    """Something billing says happened to an account: churned, renewed, expanded, contracted, a cancellation
    scheduled or withdrawn. One per source event (a repeat delivery finds it already there)."""

    __tablename__ = "account_event"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "source_event_id", name="uq_account_event_source"),
        Index("ix_account_event_effective", "workspace_id", "effective_at"),
    )

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=24)
    arr_before: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    arr_after: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    currency: str | None = Field(default=None, max_length=3)
    effective_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    source: str = Field(max_length=40)
    source_event_id: str = Field(max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class BillingReceipt(SQLModel, table=True):
    """Every billing event id taken in, so a repeat delivery is answered as one and changes nothing."""

    __tablename__ = "billing_receipt"
    __table_args__ = (UniqueConstraint("workspace_id", "source", "event_id", name="uq_billing_receipt"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    source: str = Field(max_length=40)
    event_id: str = Field(max_length=200)
    event_type: str = Field(max_length=80)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def name_key(name: str | None) -> str | None:
    """An account name as matching compares it: case-folded, spaces collapsed."""
    key = " ".join(name.split()).casefold() if name else ""
    return key[:200] or None


def receipt_exists(*, session: Session, workspace_id: str, source: str, event_id: str) -> bool:
    query = select(BillingReceipt.id).where(
        col(BillingReceipt.workspace_id) == workspace_id,
        col(BillingReceipt.source) == source,
        col(BillingReceipt.event_id) == event_id,
    )
    return session.exec(query).first() is not None


def get_account(*, session: Session, workspace_id: str, account_id: int) -> Account | None:
    account = session.get(Account, account_id)
    return account if account is not None and account.workspace_id == workspace_id else None


def find_account(
    *,
    session: Session,
    workspace_id: str,
    customer_id: str | None = None,
    email: str | None = None,
    name: str | None = None,
) -> Account | None:
    """The account these keys name: by customer id, else email, else name (the oldest when several share one)."""
    where = col(Account.workspace_id) == workspace_id
    for column, value in (
        (Account.customer_id, customer_id),
        (Account.email, email.lower() if email else None),
        (Account.name_key, name_key(name)),
    ):
        if value:
            found = session.exec(select(Account).where(where, col(column) == value).order_by(col(Account.id))).first()
            if found is not None:
                return found
    return None


def search_accounts(*, session: Session, workspace_id: str, text: str, limit: int = 20) -> list[Account]:
    """Accounts this text names: exactly (customer id, email or whole name) if any does, else by part of the name
    or email; oldest first."""
    wanted = text.strip()
    key = name_key(wanted) or ""
    where = col(Account.workspace_id) == workspace_id
    keys = (col(Account.customer_id) == wanted, col(Account.email) == wanted.lower(), col(Account.name_key) == key)
    exact = select(Account).where(any_within(where, keys))
    found = list(session.exec(exact.order_by(col(Account.id)).limit(limit)))
    if found or not key:
        return found
    pattern = f"%{_like(key)}%"
    partial = select(Account).where(
        where,
        or_(col(Account.name_key).like(pattern, escape="\\"), col(Account.email).like(pattern, escape="\\")),
    )
    return list(session.exec(partial.order_by(col(Account.id)).limit(limit)))


def feedback_accounts(*, session: Session, workspace_id: str, text: str, limit: int = 20) -> list[Feedback]:
    """One feedback per account name (or email, or customer id) that this text names among the feedback,
    exactly if any does, else by part of the account name; for accounts billing has not named."""
    wanted = text.strip()
    key = name_key(wanted) or ""
    where = col(Feedback.workspace_id) == workspace_id
    exact = of_customer(
        workspace_id=workspace_id, customer_id=wanted, email=wanted, account_key=key, column=Feedback.id
    )
    rows: list[Feedback] = []
    if exact is not None:
        named = select(Feedback).where(col(Feedback.id).in_(exact)).order_by(col(Feedback.id)).limit(200)
        rows = list(session.exec(named))
    if not rows and key:
        partial = func.lower(col(Feedback.account)).like(f"%{_like(key)}%", escape="\\")
        rows = list(session.exec(select(Feedback).where(where, partial).order_by(col(Feedback.id)).limit(500)))
    seen: dict[str, Feedback] = {}
    for row in rows:
        label = name_key(row.account) or (row.customer_email or "").lower() or row.customer_id or ""
        if label and label not in seen:
            seen[label] = row
    return list(seen.values())[:limit]


def _like(text: str) -> str:
    """Text matched literally inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_subscription(*, session: Session, workspace_id: str, subscription_id: str) -> BillingSubscription | None:
    query = select(BillingSubscription).where(
        col(BillingSubscription.workspace_id) == workspace_id,
        col(BillingSubscription.subscription_id) == subscription_id,
    )
    return session.exec(query).first()


def list_subscriptions(*, session: Session, account_id: int) -> list[BillingSubscription]:
    query = select(BillingSubscription).where(col(BillingSubscription.account_id) == account_id)
    return list(session.exec(query.order_by(col(BillingSubscription.id))))


def accounts_for_feedback(*, session: Session, workspace_id: str, feedback: Iterable[Feedback]) -> dict[int, Account]:
    """Each feedback's account (by feedback id): by customer id, then email, then account name."""
    rows = list(feedback)
    ids = {f.customer_id for f in rows if f.customer_id}
    emails = {f.customer_email.lower() for f in rows if f.customer_email}
    names = {key for f in rows if (key := name_key(f.account))}
    if not (ids or emails or names):
        return {}
    where = col(Account.workspace_id) == workspace_id
    by_id: dict[str, Account] = {}
    by_email: dict[str, Account] = {}
    by_name: dict[str, Account] = {}
    keys = (("customer_id", ids, by_id), ("email", emails, by_email), ("name_key", names, by_name))
    if len(ids) + len(emails) + len(names) <= _CHUNK:
        # One query for the three keys (intake asks for one feedback at a time: one round trip, not three).
        either = any_within(
            where, (col(getattr(Account, key)).in_(sorted(values)) for key, values, _ in keys if values)
        )
        for account in session.exec(select(Account).where(either).order_by(col(Account.id))):
            for key, values, index in keys:
                if getattr(account, key) in values:
                    index.setdefault(getattr(account, key), account)  # the oldest account wins a shared key
    else:
        for key, values, index in keys:
            column = col(getattr(Account, key))
            for chunk in _chunks(sorted(values)):
                for account in session.exec(select(Account).where(where, column.in_(chunk)).order_by(col(Account.id))):
                    index.setdefault(getattr(account, key), account)
    found = {}
    for f in rows:
        match = (
            (by_id.get(f.customer_id) if f.customer_id else None)
            or (by_email.get(f.customer_email.lower()) if f.customer_email else None)
            or by_name.get(name_key(f.account) or "")
        )
        if match is not None:
            found[f.id] = match
    return found


def feedback_for_account(*, session: Session, account: Account, since: datetime | None = None) -> list[Feedback]:
    """The feedback that joins this account (by customer id, then email, then name), oldest first."""
    theirs = of_customer(
        workspace_id=account.workspace_id,
        customer_id=account.customer_id,
        email=account.email,
        account_key=account.name_key,
        column=Feedback.id,
    )
    if theirs is None:
        return []
    query = select(Feedback).where(col(Feedback.id).in_(theirs))
    if since is not None:
        query = query.where(col(Feedback.received_at) >= since)
    rows = list(session.exec(query.order_by(col(Feedback.received_at), col(Feedback.id))))
    resolved = accounts_for_feedback(session=session, workspace_id=account.workspace_id, feedback=rows)
    # An account not stored yet (named only by feedback) has the feedback that no stored account claims.
    return [f for f in rows if getattr(resolved.get(f.id), "id", None) == account.id]


def loops_at_risk(*, session: Session, workspace_id: str, team_ids: Sequence[int] | None = None) -> list[Loop]:
    """Open loops whose account has a cancellation scheduled, soonest cancellation first."""
    accounts = sorted(
        list_accounts(session=session, workspace_id=workspace_id, statuses=[CANCELLATION_SCHEDULED]),
        key=lambda a: (a.cancel_at is None, a.cancel_at or a.updated_at, a.id),
    )
    found: list[Loop] = []
    for account in accounts:
        loop_ids = {f.loop_id for f in feedback_for_account(session=session, account=account) if f.loop_id}
        if not loop_ids:
            continue
        query = select(Loop).where(
            col(Loop.workspace_id) == workspace_id, col(Loop.id).in_(loop_ids), col(Loop.status).in_(OPEN_STATUSES)
        )
        if team_ids is not None:
            query = query.where(col(Loop.team_id).in_(team_ids))
        found += [loop for loop in session.exec(query.order_by(col(Loop.created_at))) if loop not in found]
    return found


def list_account_events(
    *,
    session: Session,
    workspace_id: str,
    since: datetime | None = None,
    kinds: Sequence[str] | None = None,
    account_ids: Sequence[int] | None = None,
) -> list[AccountEvent]:
    """Account events, oldest first by when they took effect."""
    query = select(AccountEvent).where(col(AccountEvent.workspace_id) == workspace_id)
    if since is not None:
        query = query.where(col(AccountEvent.effective_at) >= since)
    if kinds is not None:
        query = query.where(col(AccountEvent.kind).in_(kinds))
    if account_ids is not None:
        query = query.where(col(AccountEvent.account_id).in_(account_ids))
    return list(session.exec(query.order_by(col(AccountEvent.effective_at), col(AccountEvent.id))))


def list_accounts(*, session: Session, workspace_id: str, statuses: Sequence[str] | None = None) -> list[Account]:
    query = select(Account).where(col(Account.workspace_id) == workspace_id)
    if statuses is not None:
        query = query.where(col(Account.status).in_(statuses))
    return list(session.exec(query.order_by(col(Account.id))))


def accounts_owned_by(*, session: Session, workspace_id: str, owner_id: str) -> list[Account]:
    query = select(Account).where(col(Account.workspace_id) == workspace_id, col(Account.owner_id) == owner_id)
    return list(session.exec(query.order_by(col(Account.id))))


def account_owner_ids(*, session: Session, workspace_id: str) -> list[str]:
    """Everyone who owns at least one account of the workspace."""
    query = select(Account.owner_id).where(
        col(Account.workspace_id) == workspace_id, col(Account.owner_id).is_not(None)
    )
    return sorted({owner for owner in session.exec(query.distinct()) if owner})


def has_billing_data(*, session: Session, workspace_id: str) -> bool:
    """Whether any billing source has told us about any account of this workspace."""
    query = select(Account.id).where(col(Account.workspace_id) == workspace_id).limit(1)
    return session.exec(query).first() is not None


_CHUNK = 500


def _chunks(values: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
