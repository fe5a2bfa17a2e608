"""Billing facts into accounts, subscriptions and outcome events, in the caller's transaction.

Every source event is taken once (its id is kept); an outcome is read from the event itself (Stripe's
``previous_attributes``, the feed's ``event``), so it does not depend on arrival order; the state an
account shows (ARR, status, dates) only moves forward in billing time, so a late event never rolls it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from bot.accounts.facts import AccountFact, CustomerFact, InvoicePaidFact, SubscriptionFact
from bot.accounts.feed import FeedEvent
from bot.delivery.slack_directory import SlackPerson
from models.account import (
    ACTIVE,
    CANCELLATION_SCHEDULED,
    CHURN,
    CHURNED,
    CONTRACTION,
    EXPANSION,
    RENEWAL,
    SCHEDULED,
    UNKNOWN,
    WITHDRAWN,
    Account,
    AccountEvent,
    BillingReceipt,
    BillingSubscription,
    find_account,
    get_subscription,
    list_subscriptions,
    name_key,
    receipt_exists,
)

# A Slack user id by (lower-case) owner email, for the emails Slack knew.
Owners = Mapping[str, SlackPerson]
STRIPE = "stripe"
FEED = "accounts"
# Subscription statuses that no longer bill (Stripe's): everything else counts towards ARR.
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired", "incomplete"})
CREATED = "customer.subscription.created"
SCHEDULING_FIELDS = frozenset({"cancel_at_period_end", "cancel_at"})
# What an event says happened: kind, ARR before and after, when, its id's suffix (one Stripe event may say
# two things), details.
Outcome = tuple[str, Decimal | None, Decimal | None, datetime, str, dict[str, Any]]


@dataclass
class Recorded:
    """What one source event changed: its account (None when it named none) and the outcomes it added."""

    account: Account | None = None
    events: list[AccountEvent] = field(default_factory=list)
    duplicate: bool = False


def record_stripe(
    session: Session, *, workspace_id: str, fact: AccountFact, event_type: str, owners: Owners | None = None
) -> Recorded:
    """Take one Stripe event's fact in; a repeat of an event already taken changes nothing. ``owners``: the
    Slack user of each owner email, looked up before the transaction (an email missing there is kept unresolved)."""
    if not _take_receipt(session, workspace_id=workspace_id, source=STRIPE, event_id=fact.event_id, kind=event_type):
        return Recorded(duplicate=True)
    if isinstance(fact, CustomerFact):
        return Recorded(account=_customer(session, workspace_id, fact, owners or {}))
    if isinstance(fact, SubscriptionFact):
        return _subscription(session, workspace_id, fact, created=event_type == CREATED)
    return _invoice(session, workspace_id, fact)


def record_feed(
    session: Session, *, workspace_id: str, event: FeedEvent, now: datetime, owners: Owners | None = None
) -> Recorded:
    """Take one CRM or billing feed event in; a repeat (same id) changes nothing. ``owners`` as for Stripe."""
    if not _take_receipt(session, workspace_id=workspace_id, source=FEED, event_id=event.event_id, kind=event.kind):
        return Recorded(duplicate=True)
    account = find_account(
        session=session, workspace_id=workspace_id, customer_id=event.customer_id, email=event.email, name=event.account
    )
    if account is None:
        account = Account(workspace_id=workspace_id, source=FEED)
    _fill_keys(session, account, customer_id=event.customer_id, email=event.email, name=event.account)
    if event.owner_email:
        _set_owner(account, event.owner_email, owners or {})
    if event.currency:
        account.currency = event.currency
    session.add(account)
    session.flush()
    details: dict[str, Any] = {}
    if event.reason:
        details["reason"] = event.reason
    if event.renews_at:
        details["renews_at"] = event.renews_at.isoformat()
    outcome = _event(
        account,
        kind=event.kind,
        before=event.arr_before,
        after=event.arr_after,
        currency=event.currency or account.currency,
        effective_at=event.effective_at,
        source=FEED,
        source_event_id=event.event_id,
        details=details,
    )
    session.add(outcome)
    # A scheduled cancellation's date is when it takes effect: it was known (and so counts) from now.
    known_at = min(event.effective_at, now)
    if account.state_at is None or known_at >= account.state_at:
        _apply_feed_state(account, event)
        account.state_at = known_at
    account.updated_at = now
    return Recorded(account=account, events=[outcome])


def _take_receipt(session: Session, *, workspace_id: str, source: str, event_id: str, kind: str) -> bool:
    """Keep the event id; False when it was kept before. Flushed at once, so a concurrent delivery of the
    same event waits on (PostgreSQL) or fails (IntegrityError) at this row rather than doing the work twice."""
    if receipt_exists(session=session, workspace_id=workspace_id, source=source, event_id=event_id):
        return False
    session.add(BillingReceipt(workspace_id=workspace_id, source=source, event_id=event_id, event_type=kind[:80]))
    session.flush()
    return True


def _customer(session: Session, workspace_id: str, fact: CustomerFact, owners: Owners) -> Account:
    account = _stripe_account(session, workspace_id, fact.customer_id, email=fact.email)
    if account.profile_at is None or fact.created >= account.profile_at:
        account.email = fact.email.lower() if fact.email else None
        account.name = fact.name
        account.name_key = name_key(fact.name)
        if fact.owner_email:
            _set_owner(account, fact.owner_email, owners)
        account.profile_at = fact.created
    session.add(account)
    return account


def _set_owner(account: Account, email: str, owners: Owners) -> None:
    """The owner billing names, by email: the Slack user when Slack knew the email; an email Slack does not know
    is kept (to show) and leaves no owner, unless it is the owner's email already (a lookup that failed now)."""
    email = email.lower()
    found = owners.get(email)
    if found is not None:
        account.owner_id, account.owner_name = found.id, found.name
    elif account.owner_email != email:
        account.owner_id = account.owner_name = None
    account.owner_email = email


def _stripe_account(session: Session, workspace_id: str, customer_id: str, *, email: str | None = None) -> Account:
    """The account of a Stripe customer; one a feed named by the same email (and no id) is adopted."""
    account = find_account(session=session, workspace_id=workspace_id, customer_id=customer_id)
    if account is None and email:
        by_email = find_account(session=session, workspace_id=workspace_id, email=email)
        if by_email is not None and by_email.customer_id is None:
            account = by_email
    if account is None:
        account = Account(workspace_id=workspace_id, source=STRIPE)
    account.customer_id = customer_id
    session.add(account)
    session.flush()
    return account


def _subscription(session: Session, workspace_id: str, fact: SubscriptionFact, *, created: bool) -> Recorded:
    account = _stripe_account(session, workspace_id, fact.customer_id)
    stored = get_subscription(session=session, workspace_id=workspace_id, subscription_id=fact.subscription_id)
    others = [s for s in list_subscriptions(session=session, account_id=account.id) if s.id != getattr(stored, "id", 0)]
    others_arr = sum((s.arr or Decimal(0) for s in others if _live(s)), Decimal(0))
    outcomes = []
    for kind, before, after, when, suffix, details in _subscription_outcomes(
        fact, stored, others, others_arr, created=created
    ):
        outcome = _event(
            account,
            kind=kind,
            before=before,
            after=after,
            currency=fact.currency,
            effective_at=when,
            source=STRIPE,
            source_event_id=f"{fact.event_id}{suffix}",
            details=details,
        )
        session.add(outcome)
        outcomes.append(outcome)
    if stored is None or fact.created >= stored.event_at:
        stored = stored or BillingSubscription(
            workspace_id=workspace_id,
            account_id=account.id,
            subscription_id=fact.subscription_id,
            currency=fact.currency,
            status=fact.status,
            event_at=fact.created,
        )
        stored.status = "canceled" if fact.deleted else fact.status
        stored.arr = fact.arr if fact.arr is not None or not fact.arr_notes else None
        stored.currency = fact.currency
        stored.cancel_at_period_end = fact.cancel_at_period_end
        stored.cancel_at = fact.cancel_at
        stored.current_period_end = fact.current_period_end
        stored.ended_at = fact.ended_at or (fact.canceled_at if fact.deleted else None)
        stored.event_at = fact.created
        session.add(stored)
        _apply_subscriptions(account, [*others, stored], cancellation=fact)
    return Recorded(account=account, events=outcomes)


def _subscription_outcomes(
    fact: SubscriptionFact,
    stored: BillingSubscription | None,
    others: list[BillingSubscription],
    others_arr: Decimal,
    *,
    created: bool,
) -> list[Outcome]:
    """(kind, ARR before, ARR after, when, id suffix, details) of what this event says happened to the account."""
    details: dict[str, Any] = {"subscription": fact.subscription_id}
    arr = fact.arr if fact.arr is not None else (stored.arr if stored is not None else None)
    live_others = any(_live(s) for s in others)
    if fact.deleted:
        ended = fact.ended_at or fact.canceled_at or fact.created
        details.update(_cancellation(fact))
        if live_others:
            return [(CONTRACTION, others_arr + (arr or 0), others_arr, ended, "", details)]
        return [(CHURN, others_arr + (arr or 0), Decimal(0), ended, "", details)]
    if created:  # a new subscription: new business, or an expansion of a paying account
        if live_others and arr:
            return [(EXPANSION, others_arr, others_arr + arr, fact.created, "", details)]
        return []
    found: list[Outcome] = []
    if fact.previous_arr is not None and fact.arr is not None and fact.previous_arr != fact.arr:
        kind = EXPANSION if fact.arr > fact.previous_arr else CONTRACTION
        found.append((kind, others_arr + fact.previous_arr, others_arr + fact.arr, fact.created, ":arr", details))
    if fact.changed & SCHEDULING_FIELDS:
        if fact.cancel_at_period_end or fact.cancel_at:
            ends = fact.cancel_at or fact.current_period_end
            scheduled = {**details, **_cancellation(fact), "cancel_at": ends.isoformat() if ends else None}
            found.append((SCHEDULED, arr, arr, fact.created, ":cancel", scheduled))
        else:
            found.append((WITHDRAWN, arr, arr, fact.created, ":cancel", details))
    return found


def _cancellation(fact: SubscriptionFact) -> dict[str, Any]:
    reason = {"reason": fact.cancellation_reason, "feedback": fact.cancellation_feedback}
    reason["comment"] = fact.cancellation_comment
    return {key: value for key, value in reason.items() if value}


def _invoice(session: Session, workspace_id: str, fact: InvoicePaidFact) -> Recorded:
    if not fact.renewal:
        return Recorded()  # a first invoice, a change, a one-off: not a renewal
    account = _stripe_account(session, workspace_id, fact.customer_id)
    stored = (
        get_subscription(session=session, workspace_id=workspace_id, subscription_id=fact.subscription_id)
        if fact.subscription_id
        else None
    )
    if (
        stored is not None
        and fact.period_end
        and (stored.current_period_end is None or fact.period_end > stored.current_period_end)
    ):
        stored.current_period_end = fact.period_end
        session.add(stored)
        _apply_subscriptions(account, list_subscriptions(session=session, account_id=account.id))
    details: dict[str, Any] = {"invoice": fact.invoice_id, "amount_paid": str(fact.amount_paid)}
    if fact.subscription_id:
        details["subscription"] = fact.subscription_id
    if fact.period_end:
        details["paid_through"] = fact.period_end.isoformat()
    outcome = _event(
        account,
        kind=RENEWAL,
        before=account.arr,
        after=account.arr,
        currency=fact.currency,
        effective_at=fact.created,
        source=STRIPE,
        source_event_id=fact.event_id,
        details=details,
    )
    session.add(outcome)
    return Recorded(account=account, events=[outcome])


def _apply_subscriptions(
    account: Account, subscriptions: list[BillingSubscription], *, cancellation: SubscriptionFact | None = None
) -> None:
    """The account's state as its subscriptions now stand."""
    live = [s for s in subscriptions if _live(s)]
    account.state_at = max((s.event_at for s in subscriptions), default=account.state_at)
    if live:
        account.arr = sum((s.arr or Decimal(0) for s in live), Decimal(0))
        account.currency = live[0].currency
        account.churned_at = None
        ending = [s for s in live if s.cancel_at_period_end or s.cancel_at]
        if len(ending) == len(live):
            account.status = CANCELLATION_SCHEDULED
            ends = [s.cancel_at or s.current_period_end for s in ending]
            account.cancel_at = max((end for end in ends if end is not None), default=None)
            if cancellation is not None and cancellation.cancellation_reason:
                account.cancellation_reason = cancellation.cancellation_reason
        else:
            account.status = ACTIVE
            account.cancel_at = None
        renewing = [s.current_period_end for s in live if s not in ending and s.current_period_end is not None]
        account.renews_at = min(renewing, default=None)
    elif subscriptions:
        account.status = CHURNED
        account.arr = Decimal(0)
        account.cancel_at = None
        account.renews_at = None
        account.churned_at = max((s.ended_at for s in subscriptions if s.ended_at is not None), default=None)
        if cancellation is not None and cancellation.cancellation_reason:
            account.cancellation_reason = cancellation.cancellation_reason


def _apply_feed_state(account: Account, event: FeedEvent) -> None:
    if event.kind == CHURN:
        account.status = CHURNED
        account.arr = event.arr_after if event.arr_after is not None else Decimal(0)
        account.churned_at = event.effective_at
        account.cancel_at = None
        account.renews_at = None
    elif event.kind == SCHEDULED:
        account.status = CANCELLATION_SCHEDULED
        account.cancel_at = event.effective_at
    elif event.kind == WITHDRAWN:
        account.status = ACTIVE
        account.cancel_at = None
    else:  # renewed, expanded, contracted: the account is paying
        if account.status in (UNKNOWN, CHURNED):
            account.status = ACTIVE
            account.churned_at = None
        if event.arr_after is not None:
            account.arr = event.arr_after
        elif event.kind == RENEWAL and event.arr_before is not None:
            account.arr = event.arr_before
    if event.kind == SCHEDULED and event.reason:
        account.cancellation_reason = event.reason
    if event.renews_at is not None:
        account.renews_at = event.renews_at


def _fill_keys(
    session: Session, account: Account, *, customer_id: str | None, email: str | None, name: str | None
) -> None:
    """Keys the account lacks and this event gives (an id only when no other account has it)."""
    if email and not account.email:
        account.email = email.lower()
    if name and not account.name:
        account.name, account.name_key = name, name_key(name)
    if customer_id and not account.customer_id:
        taken = find_account(session=session, workspace_id=account.workspace_id, customer_id=customer_id)
        if taken is None:
            account.customer_id = customer_id


def _event(
    account: Account,
    *,
    kind: str,
    before: Decimal | None,
    after: Decimal | None,
    currency: str | None,
    effective_at: datetime,
    source: str,
    source_event_id: str,
    details: dict[str, Any],
) -> AccountEvent:
    return AccountEvent(
        workspace_id=account.workspace_id,
        account_id=account.id,
        kind=kind,
        arr_before=before,
        arr_after=after,
        currency=currency,
        effective_at=effective_at,
        source=source,
        source_event_id=source_event_id[:200],
        details=details,
    )


def _live(subscription: BillingSubscription) -> bool:
    return subscription.status not in ENDED_STATUSES and subscription.ended_at is None
