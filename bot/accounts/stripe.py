"""Stripe billing events: the signature check, done by Stripe's own library, and the account facts we keep.

Stripe signs ``Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=<hex>]``: the hex HMAC-SHA256
of ``"<t>.<raw body>"`` keyed with the whole ``whsec_…`` string. While a secret is being rolled, every
active secret adds its own ``v1``; test-mode events add a ``v0`` that is never a valid signature.
Bodies are rendered in the webhook endpoint's API version, so the parser reads the shapes of both
sides of 2025-03-31.basil (see tests/fixtures/webhooks/stripe/NOTES.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.accounts.currencies import to_major
from bot.accounts.facts import AccountFact, CustomerFact, InvoicePaidFact, SubscriptionFact
from bot.accounts.fields import flag, mapping, object_id, text, unix_time, whole
from bot.errors import ConfigError, InvalidFeedback
from bot.feedback import MAX_COMMENT, MAX_SHORT, clean_text
from bot.intake.payload import json_object
from bot.intake.signatures import MAX_SKEW_SECONDS, BadSignature

NAME = "stripe"
SECRET_SETTING = "LOOPKEEPER_WEBHOOK_SECRET_STRIPE"
HEADER = "Stripe-Signature"
# Customer metadata key naming the person on our side who owns the account.
OWNER_KEY = "account_owner_email"
MAX_EMAIL = 320

CUSTOMER_EVENTS = frozenset({"customer.created", "customer.updated"})
SUBSCRIPTION_EVENTS = frozenset(
    {"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"}
)
INVOICE_PAID = "invoice.paid"

# ARR counts a year as 12 months, 52 weeks or 365 days.
PERIODS_PER_YEAR = {"day": Decimal(365), "week": Decimal(52), "month": Decimal(12), "year": Decimal(1)}
# Far above any real price or seat count; with them ARR stays well inside Decimal's precision.
MAX_UNIT_AMOUNT = Decimal(10) ** 12
MAX_QUANTITY = 10**9
# What parse() returns; the value objects live in bot.accounts.facts, for any billing source.
StripeFact = AccountFact


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> dict[str, Any]:
    """The event in ``body`` once ``headers`` prove Stripe signed it with ``secret`` within 5 minutes of ``now``."""
    if not secret or not secret.strip():
        raise ConfigError(f"{SECRET_SETTING} is empty; set it to the endpoint's signing secret (whsec_…)")
    header = _header(headers, HEADER)
    if not header:
        raise BadSignature(f"missing {HEADER} header")
    signed_at = _signed_at(header)
    try:
        # Decoded here: older library versions format bytes into the signed string as "b'…'".
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSignature(f"the body is not UTF-8, so its {HEADER} cannot be checked") from None
    import stripe  # imported on first use: a process that never needs it keeps its memory (27 MiB)

    try:
        # tolerance=None: the library can only compare with time.time(); the age check below uses ``now``.
        stripe.WebhookSignature.verify_header(decoded, header, secret, tolerance=None)
    except stripe.SignatureVerificationError:
        # from None: the library's error carries the header and the body.
        raise BadSignature(
            f"{HEADER} has no v1 signature of this body made with our secret; check that "
            f"{SECRET_SETTING} is this endpoint's signing secret"
        ) from None
    if abs(now - signed_at) > MAX_SKEW_SECONDS:
        raise BadSignature(
            f"{HEADER} was signed more than 5 minutes from our clock (t={signed_at}); a replay, or a clock out of sync"
        )
    return _event(body)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header in any letter case: Starlette's headers ignore case, a plain dict does not."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _signed_at(header: str) -> int:
    """The header's ``t``, read so that it is always the timestamp the library checked the signature with."""
    # Non-ASCII would reach hmac.compare_digest inside the library, which raises TypeError on it.
    if not header.isascii():
        raise BadSignature(f"{HEADER} must be ASCII")
    items = [item.partition("=") for item in header.split(",")]
    stamps = [(key, value) for key, _, value in items if key.strip() == "t"]
    # The library signs with the first item keyed exactly "t": a second or padded "t" could otherwise
    # make the age check read a fresh time while an old signature is checked.
    if len(stamps) != 1 or stamps[0][0] != "t":
        raise BadSignature(f"{HEADER} must carry exactly one t=<unix seconds>")
    stamp = stamps[0][1]
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise BadSignature(f"{HEADER} t= must be unix seconds")
    if not any(key == "v1" for key, _, _ in items):
        raise BadSignature(f"{HEADER} carries no v1 signature")
    return int(stamp)


def _event(body: bytes) -> dict[str, Any]:
    event = json_object(body)
    kind = event.get("object")
    if kind == "v2.core.event":
        raise InvalidFeedback("is a thin event; send snapshot events (API v1) to this endpoint", where="object")
    if kind != "event":
        raise InvalidFeedback(f'must be "event" (got {str(kind)[:40]!r})', where="object")
    text(event, "id", "", required=True)
    text(event, "type", "", required=True)
    return event


def parse(event: Mapping[str, Any]) -> StripeFact | None:
    """The account fact an event carries, or None for event types Loopkeeper does not use."""
    if not isinstance(event, Mapping):
        raise InvalidFeedback("must be a JSON object", where="event")
    kind = text(event, "type", "", required=True)
    if kind not in CUSTOMER_EVENTS | SUBSCRIPTION_EVENTS | {INVOICE_PAID}:
        return None
    meta = {
        "event_id": text(event, "id", "", required=True),
        "created": unix_time(event, "created", "", required=True),
        "livemode": flag(event, "livemode", "", required=True),
    }
    data = mapping(event, "data", "", required=True)
    obj = mapping(data, "object", "data", required=True)
    if kind in CUSTOMER_EVENTS:
        return _customer(obj, meta)
    if kind in SUBSCRIPTION_EVENTS:
        return _subscription(obj, data, kind, meta)
    return _invoice(obj, meta)


def _customer(obj: Mapping[str, Any], meta: dict[str, Any]) -> CustomerFact:
    where = "data.object"
    _expect_object(obj, "customer", where)
    metadata = mapping(obj, "metadata", where) or {}
    return CustomerFact(
        customer_id=text(obj, "id", where, required=True),
        email=clean_text(text(obj, "email", where), limit=MAX_EMAIL),
        name=clean_text(text(obj, "name", where), limit=MAX_SHORT),
        owner_email=clean_text(text(metadata, OWNER_KEY, f"{where}.metadata"), limit=MAX_EMAIL),
        **meta,
    )


def _subscription(obj: Mapping[str, Any], data: Mapping[str, Any], kind: str, meta: dict[str, Any]) -> SubscriptionFact:
    where = "data.object"
    _expect_object(obj, "subscription", where)
    currency = _currency(obj, where)
    arr, notes = _arr(obj, currency, where)
    previous_arr = None
    changed: frozenset[str] = frozenset()
    if kind == "customer.subscription.updated":
        previous = mapping(data, "previous_attributes", "data") or {}
        changed = frozenset(str(key) for key in previous)
        previous_arr = arr
        if "items" in previous:
            previous_arr, before = _arr(_before(obj, previous), currency, "data.previous_attributes")
            notes += tuple(f"before: {note}" for note in before)
    details = mapping(obj, "cancellation_details", where) or {}
    why = f"{where}.cancellation_details"
    return SubscriptionFact(
        subscription_id=text(obj, "id", where, required=True),
        customer_id=object_id(obj, "customer", where, required=True),
        status=text(obj, "status", where, required=True),
        arr=arr,
        currency=currency,
        cancel_at_period_end=bool(flag(obj, "cancel_at_period_end", where)),
        cancel_at=unix_time(obj, "cancel_at", where),
        canceled_at=unix_time(obj, "canceled_at", where),
        ended_at=unix_time(obj, "ended_at", where),
        cancellation_reason=text(details, "reason", why),
        cancellation_feedback=text(details, "feedback", why),
        cancellation_comment=clean_text(text(details, "comment", why), limit=MAX_COMMENT),
        current_period_end=_period_end(obj, where),
        deleted=kind == "customer.subscription.deleted",
        previous_arr=previous_arr,
        arr_notes=notes,
        changed=changed,
        **meta,
    )


def _before(obj: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """The object as it was: ``previous_attributes`` holds the old value of each changed field.

    Nested objects list only their changed keys; a changed list (``items.data``) comes whole.
    """
    merged = dict(obj)
    for key, old in previous.items():
        now = obj.get(key)
        merged[key] = {**now, **old} if isinstance(now, Mapping) and isinstance(old, Mapping) else old
    return merged


def _period_end(obj: Mapping[str, Any], where: str) -> datetime | None:
    """On the subscription before API version 2025-03-31.basil; on each subscription item since."""
    if obj.get("current_period_end") is not None:
        return unix_time(obj, "current_period_end", where)
    ends = [
        unix_time(item, "current_period_end", f"{where}.items.data[{i}]") for i, item in enumerate(_items(obj, where))
    ]
    known = [end for end in ends if end is not None]
    # With mixed intervals items renew on different days; the soonest end is the next renewal.
    return min(known) if known else None


def _arr(obj: Mapping[str, Any], currency: str, where: str) -> tuple[Decimal | None, tuple[str, ...]]:
    """List-price ARR of every item in major units, or None with the reasons it cannot be known."""
    items = _items(obj, where)
    notes = []
    if flag(obj["items"], "has_more", f"{where}.items"):
        notes.append("the items list is cut short (has_more); ARR needs every item")
    total = Decimal(0)
    for i, item in enumerate(items):
        amount, note = _item_arr(item, currency, f"{where}.items.data[{i}]")
        if note:
            notes.append(note)
        else:
            total += amount
    # A partial sum would look like a contraction, so one unknown item makes the whole ARR unknown.
    return (None, tuple(notes)) if notes else (to_major(total, currency), ())


def _item_arr(item: Mapping[str, Any], currency: str, where: str) -> tuple[Decimal, str | None]:
    """One item's yearly amount in minor units, or a note saying why it has none."""
    if item.get("price") is not None:
        price_where = f"{where}.price"
        price = mapping(item, "price", where, required=True)  # present: checked just above
        recurring = mapping(price, "recurring", price_where)
        recurring_where = f"{price_where}.recurring"
        unit = _unit_amount(price, price_where, "unit_amount_decimal", "unit_amount")
        package_key = "transform_quantity"
    else:  # before Prices (2020), items carried only a Plan: the same facts under other names
        price_where = recurring_where = f"{where}.plan"
        price = recurring = mapping(item, "plan", where, required=True)
        unit = _unit_amount(price, price_where, "amount_decimal", "amount")
        package_key = "transform_usage"
    label = f"{text(item, 'id', where) or where} ({text(price, 'id', price_where) or 'no price id'})"
    price_currency = (text(price, "currency", price_where) or currency).lower()
    if price_currency != currency:
        # A multi-currency price: the amount in the subscription's currency is in currency_options,
        # which Stripe only sends when asked to include it.
        options = mapping(price, "currency_options", price_where) or {}
        option = mapping(options, currency, f"{price_where}.currency_options")
        if option is None:
            return Decimal(0), f"{label}: priced in {price_currency[:3]}; events leave out its {currency} amount"
        unit = _unit_amount(option, f"{price_where}.currency_options.{currency}", "unit_amount_decimal", "unit_amount")
    if recurring is None:
        return Decimal(0), f"{label}: not a recurring price"
    if text(recurring, "usage_type", recurring_where) == "metered":
        return Decimal(0), f"{label}: metered; its amount depends on usage"
    if text(price, "billing_scheme", price_where) == "tiered":
        return Decimal(0), f"{label}: tiered; events do not carry the tiers"
    quantity = whole(item, "quantity", where)
    if unit is None or quantity is None:
        return Decimal(0), f"{label}: no {'unit amount' if unit is None else 'quantity'}"
    if not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidFeedback(f"must be between 0 and {MAX_QUANTITY}", where=f"{where}.quantity")
    interval = text(recurring, "interval", recurring_where, required=True)
    count = whole(recurring, "interval_count", recurring_where)
    count = 1 if count is None else count
    if count < 1:
        raise InvalidFeedback("must be at least 1", where=f"{recurring_where}.interval_count")
    per_year = PERIODS_PER_YEAR.get(interval)
    if per_year is None:
        return Decimal(0), f"{label}: billed every {interval[:20]!r}, which has no fixed count per year"
    package = mapping(price, package_key, price_where)
    return unit * _packages(quantity, package, f"{price_where}.{package_key}") * per_year / count, None


def _unit_amount(price: Mapping[str, Any], where: str, decimal_key: str, whole_key: str) -> Decimal | None:
    """The decimal string when sent (it keeps fractions of a cent), else the whole number."""
    key = decimal_key if price.get(decimal_key) is not None else whole_key
    value = price.get(key)
    if value is None:
        return None
    right_type = isinstance(value, str) if key == decimal_key else type(value) is int
    try:
        amount = Decimal(value) if right_type else None
    except InvalidOperation:
        amount = None
    if amount is None or not _in_range(amount):
        raise InvalidFeedback("must be a non-negative amount", where=f"{where}.{key}")
    return amount


def _in_range(amount: Decimal) -> bool:
    """Finite, at most 12 decimal places, and from 0 up to (not including) MAX_UNIT_AMOUNT."""
    exponent = amount.as_tuple().exponent  # "n", "N" or "F" for NaN, sNaN and infinity; NaN would raise below
    return isinstance(exponent, int) and exponent >= -12 and 0 <= amount < MAX_UNIT_AMOUNT


def _packages(quantity: int, package: Mapping[str, Any] | None, where: str) -> Decimal:
    """Units billed: package pricing charges per ``divide_by`` units, rounding the count up or down."""
    if not package:
        return Decimal(quantity)
    divide_by = whole(package, "divide_by", where, required=True)
    if divide_by < 1:
        raise InvalidFeedback("must be at least 1", where=f"{where}.divide_by")
    up = text(package, "round", where) == "up"
    return Decimal(-(-quantity // divide_by) if up else quantity // divide_by)


def _invoice(obj: Mapping[str, Any], meta: dict[str, Any]) -> InvoicePaidFact:
    where = "data.object"
    _expect_object(obj, "invoice", where)
    currency = _currency(obj, where)
    paid = whole(obj, "amount_paid", where, required=True)
    if not 0 <= paid <= MAX_UNIT_AMOUNT * MAX_QUANTITY:
        raise InvalidFeedback("must be a non-negative amount", where=f"{where}.amount_paid")
    return InvoicePaidFact(
        invoice_id=text(obj, "id", where, required=True),
        customer_id=object_id(obj, "customer", where, required=True),
        subscription_id=_invoice_subscription(obj, where),
        billing_reason=text(obj, "billing_reason", where),
        amount_paid=to_major(Decimal(paid), currency),
        currency=currency,
        period_end=_paid_through(obj, where),
        **meta,
    )


def _invoice_subscription(obj: Mapping[str, Any], where: str) -> str | None:
    """Under ``parent.subscription_details`` since API version 2025-03-31.basil; top-level ``subscription`` before."""
    parent = mapping(obj, "parent", where) or {}
    details = mapping(parent, "subscription_details", f"{where}.parent")
    found = object_id(details, "subscription", f"{where}.parent.subscription_details") if details else None
    return found or object_id(obj, "subscription", where)


def _paid_through(obj: Mapping[str, Any], where: str) -> datetime | None:
    """The latest end among the subscription lines' service periods, else ``period_end``.

    ``period_end`` only bounds when invoice items could be added: on a first invoice it equals ``created``,
    on a renewal it is the end of the period just ended, not of the period paid for.
    """
    lines = (mapping(obj, "lines", where) or {}).get("data")
    ends = []
    for i, line in enumerate(lines if isinstance(lines, list) else ()):
        line_where = f"{where}.lines.data[{i}]"
        if not isinstance(line, Mapping):
            raise InvalidFeedback("must be an object", where=line_where)
        parent = mapping(line, "parent", line_where) or {}
        # Subscription lines: parent.type since 2025-03-31.basil, the line's own type before.
        if parent.get("type") == "subscription_item_details" or line.get("type") == "subscription":
            period = mapping(line, "period", line_where) or {}
            ends.append(unix_time(period, "end", f"{line_where}.period"))
    known = [end for end in ends if end is not None]
    return max(known) if known else unix_time(obj, "period_end", where)


def _expect_object(obj: Mapping[str, Any], name: str, where: str) -> None:
    if obj.get("object") != name:
        raise InvalidFeedback(f'must be "{name}" for this event type', where=f"{where}.object")


def _currency(obj: Mapping[str, Any], where: str) -> str:
    return text(obj, "currency", where, required=True).lower()


def _items(obj: Mapping[str, Any], where: str) -> list[Mapping[str, Any]]:
    data = mapping(obj, "items", where, required=True).get("data")
    if not isinstance(data, list):
        raise InvalidFeedback("must be a list", where=f"{where}.items.data")
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise InvalidFeedback("must be an object", where=f"{where}.items.data[{i}]")
    return data
