"""Whose data a forget reaches: the customer's feedback and billing's accounts of them.

A customer is the same when the customer id matches, or else the email (as Loopkeeper joins a repeat
customer's feedback and reads recovery), so forgetting an email reaches the rows that share its customer id,
and forgetting a customer id the rows that share its email and carry no other id. An account reaches every
feedback that joins it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.privacy.keys import ACCOUNT, CUSTOMER_ID, EMAIL, CustomerKey
from models.account import Account, feedback_for_account, name_key
from models.feedback import Feedback
from models.privacy import accounts_of_customer, feedback_of_customer


@dataclass(frozen=True)
class Selection:
    """The rows to anonymise, and what names the customer in them (what must leave every message too)."""

    key: CustomerKey | None
    feedback: tuple[Feedback, ...]
    accounts: tuple[Account, ...]  # billing's accounts of this customer: their email, id (and name) go too
    emails: frozenset[str]
    customer_ids: frozenset[str]
    account_keys: frozenset[str]  # account names (case-folded) erased with the customer

    @property
    def empty(self) -> bool:
        return not self.feedback and not self.accounts


def select_customer(session: Session, *, workspace_id: str, key: CustomerKey) -> Selection:
    """The customer's feedback and accounts, as the key names them (an unprefixed word: customer id or account)."""
    if key.kind == EMAIL:
        return _by_identity(session, workspace_id, key, emails={key.value}, ids=set())
    if key.kind == CUSTOMER_ID:
        found = _by_identity(session, workspace_id, key, emails=set(), ids={key.value})
        if found.empty and key.guessed:
            return _by_account(session, workspace_id, CustomerKey(ACCOUNT, key.value, guessed=True))
        return found
    return _by_account(session, workspace_id, key)


def _by_identity(
    session: Session, workspace_id: str, key: CustomerKey, *, emails: set[str], ids: set[str]
) -> Selection:
    first = feedback_of_customer(session=session, workspace_id=workspace_id, emails=emails, customer_ids=ids)
    emails |= {f.customer_email.lower() for f in first if f.customer_email}
    ids |= {f.customer_id for f in first if f.customer_id}
    rows = {f.id: f for f in first}
    for f in feedback_of_customer(session=session, workspace_id=workspace_id, emails=emails, customer_ids=ids):
        # The same customer: their id, or their email on a row that names no other id.
        if (f.customer_id and f.customer_id in ids) or not f.customer_id:
            rows.setdefault(f.id, f)
    accounts = accounts_of_customer(session=session, workspace_id=workspace_id, emails=emails, customer_ids=ids)
    return Selection(
        key=key,
        feedback=tuple(sorted(rows.values(), key=lambda f: f.id)),
        accounts=tuple(accounts),
        emails=frozenset(emails),
        customer_ids=frozenset(ids),
        account_keys=frozenset(),
    )


def _by_account(session: Session, workspace_id: str, key: CustomerKey) -> Selection:
    accounts = accounts_of_customer(session=session, workspace_id=workspace_id, account=key.value)
    rows = {f.id: f for f in feedback_of_customer(session=session, workspace_id=workspace_id, account=key.value)}
    for account in accounts:
        rows.update((f.id, f) for f in feedback_for_account(session=session, account=account))
    keys = {k for k in [name_key(key.value), *(a.name_key for a in accounts)] if k}
    return Selection(
        key=key,
        feedback=tuple(sorted(rows.values(), key=lambda f: f.id)),
        accounts=tuple(accounts),
        emails=frozenset({a.email for a in accounts if a.email}),
        customer_ids=frozenset({a.customer_id for a in accounts if a.customer_id}),
        account_keys=frozenset(keys),
    )


def selection_of_feedback(feedback: list[Feedback]) -> Selection:
    """Retention's selection: these rows only; billing's accounts stay as they are."""
    return Selection(
        key=None,
        feedback=tuple(feedback),
        accounts=(),
        emails=frozenset(f.customer_email.lower() for f in feedback if f.customer_email),
        customer_ids=frozenset(f.customer_id for f in feedback if f.customer_id),
        account_keys=frozenset(),
    )
