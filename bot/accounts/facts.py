"""What Loopkeeper keeps from billing events: customers, subscriptions and paid invoices, as value objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class CustomerFact:
    """Who a billing customer is, and which of our people owns the account."""

    customer_id: str
    email: str | None
    name: str | None
    owner_email: str | None
    event_id: str
    created: datetime
    livemode: bool


@dataclass(frozen=True)
class SubscriptionFact:
    """A subscription as one event left it; ``arr`` is list-price ARR in major units, None when unknowable."""

    subscription_id: str
    customer_id: str
    status: str
    arr: Decimal | None
    currency: str
    cancel_at_period_end: bool
    cancel_at: datetime | None
    canceled_at: datetime | None
    ended_at: datetime | None
    cancellation_reason: str | None
    cancellation_feedback: str | None
    cancellation_comment: str | None
    current_period_end: datetime | None
    deleted: bool
    event_id: str
    created: datetime
    livemode: bool
    # ARR before this change, on updates only: equal to ``arr`` unless the items changed; None on other
    # events or when unknowable.
    previous_arr: Decimal | None = None
    # Why an ARR is None: one line per item without a fixed yearly amount (tiered, metered, …).
    arr_notes: tuple[str, ...] = ()
    # The fields an update changed (the keys of Stripe's previous_attributes); empty on other events.
    changed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class InvoicePaidFact:
    """A paid invoice; ``period_end`` is the end of the service period it paid for."""

    invoice_id: str
    customer_id: str
    subscription_id: str | None
    billing_reason: str | None
    amount_paid: Decimal
    currency: str
    period_end: datetime | None
    event_id: str
    created: datetime
    livemode: bool

    @property
    def renewal(self) -> bool:
        """A subscription moved into a new period and it was paid (not a first invoice, not a change)."""
        return self.billing_reason == "subscription_cycle"


AccountFact = CustomerFact | SubscriptionFact | InvoicePaidFact
