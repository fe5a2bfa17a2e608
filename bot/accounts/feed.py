"""Account outcomes from any CRM or billing system: one event as JSON (the webhook) or a CSV row (the import).

    {"id": "evt-981", "event": "churned", "customer_id": "C-1042", "email": "ops@acme.example",
     "account": "Acme", "arr_before": 12000, "arr_after": 0, "currency": "usd",
     "effective_at": "2026-11-28", "reason": "too expensive", "owner_email": "dana@ours.example"}

``event`` is one of churned, renewed, expanded, contracted, cancellation_scheduled, cancellation_withdrawn;
at least one of ``customer_id``, ``email`` or ``account`` names the account. For a scheduled cancellation
``effective_at`` is the day it takes effect. ``id`` makes a repeat harmless; without one the event's own
fields make its id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.errors import InvalidFeedback
from bot.feedback import MAX_SHORT, clean_text
from models.account import CHURN, CONTRACTION, EVENT_KINDS, EXPANSION

MAX_ID = 200
MAX_EMAIL = 320
MAX_ARR = Decimal(10) ** 12
FIELDS = (
    "id",
    "event",
    "customer_id",
    "email",
    "account",
    "arr_before",
    "arr_after",
    "currency",
    "effective_at",
    "renews_at",
    "reason",
    "owner_email",
)
EXAMPLE = (
    '{"id": "evt-981", "event": "churned", "customer_id": "C-1042", "email": "ops@acme.example", '
    '"arr_before": 12000, "arr_after": 0, "effective_at": "2026-11-28"}'
)


@dataclass(frozen=True)
class FeedEvent:
    """One account outcome as a CRM or billing system reported it."""

    event_id: str
    kind: str
    customer_id: str | None
    email: str | None
    account: str | None
    arr_before: Decimal | None
    arr_after: Decimal | None
    currency: str | None
    effective_at: datetime
    renews_at: datetime | None
    reason: str | None
    owner_email: str | None


def parse_event(data: Mapping[str, Any], *, where: str = "") -> FeedEvent:
    """A FeedEvent from a JSON object or CSV row (CSV cells are strings; empty cells are absent)."""
    if not isinstance(data, Mapping):
        raise InvalidFeedback("must be a JSON object", where=where or None)
    unknown = sorted(str(key) for key in data if key not in FIELDS and data[key] not in (None, ""))
    if unknown:
        raise InvalidFeedback(
            f"unknown field {unknown[0][:40]!r}; the fields are {', '.join(FIELDS)}", where=_at(where, unknown[0][:40])
        )
    kind = _text(data, "event", where, MAX_SHORT)
    if kind is None:
        raise InvalidFeedback(f"is required: one of {', '.join(EVENT_KINDS)}", where=_at(where, "event"))
    kind = kind.lower()
    if kind not in EVENT_KINDS:
        raise InvalidFeedback(f"must be one of {', '.join(EVENT_KINDS)}", where=_at(where, "event"))
    customer_id = _text(data, "customer_id", where, MAX_ID)
    email = _text(data, "email", where, MAX_EMAIL)
    if email is not None and "@" not in email:
        raise InvalidFeedback("must be an email address", where=_at(where, "email"))
    account = _text(data, "account", where, MAX_SHORT)
    if not (customer_id or email or account):
        raise InvalidFeedback("name the account: give customer_id, email or account", where=where or None)
    before = _amount(data, "arr_before", where)
    after = _amount(data, "arr_after", where)
    if kind == CHURN and after is None:
        after = Decimal(0)
    _check_direction(kind, before, after, where)
    effective = _when(data, "effective_at", where)
    if effective is None:
        raise InvalidFeedback("is required: the date it happened, e.g. 2026-11-28", where=_at(where, "effective_at"))
    currency = _text(data, "currency", where, 3)
    if currency is not None and not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        raise InvalidFeedback("must be a three-letter currency code, e.g. usd", where=_at(where, "currency"))
    owner_email = _text(data, "owner_email", where, MAX_EMAIL)
    if owner_email is not None and "@" not in owner_email:
        raise InvalidFeedback("must be an email address", where=_at(where, "owner_email"))
    event = FeedEvent(
        event_id=_text(data, "id", where, MAX_ID) or "",
        kind=kind,
        customer_id=customer_id,
        email=email.lower() if email else None,
        account=account,
        arr_before=before,
        arr_after=after,
        currency=currency.lower() if currency else None,
        effective_at=effective,
        renews_at=_when(data, "renews_at", where),
        reason=_text(data, "reason", where, MAX_SHORT),
        owner_email=owner_email.lower() if owner_email else None,
    )
    return event if event.event_id else _with_derived_id(event)


def _check_direction(kind: str, before: Decimal | None, after: Decimal | None, where: str) -> None:
    if kind in (EXPANSION, CONTRACTION) and (before is None or after is None):
        raise InvalidFeedback(f"an {kind} event needs arr_before and arr_after", where=where or None)
    if kind == EXPANSION and before is not None and after is not None and after <= before:
        raise InvalidFeedback("an expansion needs arr_after above arr_before", where=_at(where, "arr_after"))
    if kind == CONTRACTION and before is not None and after is not None and after >= before:
        raise InvalidFeedback("a contraction needs arr_after below arr_before", where=_at(where, "arr_after"))


def _with_derived_id(event: FeedEvent) -> FeedEvent:
    """No id given: the event's own facts make one, so the same row sent twice is one event."""
    parts = [event.kind, event.customer_id, event.email, event.account, event.effective_at.isoformat()]
    parts += [str(event.arr_before), str(event.arr_after)]
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:32]
    return FeedEvent(**{**event.__dict__, "event_id": f"derived:{digest}"})


def _text(data: Mapping[str, Any], key: str, where: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidFeedback("must be text", where=_at(where, key))
    cleaned = clean_text(str(value), limit=limit)
    return cleaned or None


def _amount(data: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidFeedback("must be an amount, e.g. 12000 or 12000.50", where=_at(where, key))
    text = str(value).strip().replace(",", "") if isinstance(value, str) else repr(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidFeedback("must be an amount, e.g. 12000 or 12000.50", where=_at(where, key)) from None
    if not amount.is_finite() or not 0 <= amount < MAX_ARR:
        raise InvalidFeedback("must be an amount from 0 up to a trillion", where=_at(where, key))
    return amount.quantize(Decimal("0.01"))


def _when(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidFeedback("must be an ISO date, e.g. 2026-11-28", where=_at(where, key))
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidFeedback("must be an ISO date, e.g. 2026-11-28", where=_at(where, key)) from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
