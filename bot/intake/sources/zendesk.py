"""Zendesk: CSAT ratings sent by a trigger webhook, with the JSON body from our README template.

Signed with ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(secret,
timestamp + raw body)), where the timestamp is the
``X-Zendesk-Webhook-Signature-Timestamp`` header as sent.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.errors import InvalidFeedback
from bot.feedback import MAX_COMMENT, MAX_SHORT, Customer, FeedbackIn, clean_text
from bot.intake.payload import (
    IgnoredEvent,
    http_url,
    json_object,
    pick,
    plain,
    response_id,
    text,
    timestamp,
)
from bot.intake.signatures import BadSignature, check_hmac, check_signed_time
from bot.intake.sources import Source

NAME = "zendesk"
HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
# Binary CSAT on the 1–5 scale: bad is negative, good is positive.
SCORES = {"bad": 1, "good": 5}


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    stamp = headers.get(TIMESTAMP_HEADER.lower())
    if not stamp:
        raise BadSignature(f"missing {TIMESTAMP_HEADER} header")
    check_hmac(
        secret,
        stamp.encode() + body,
        header=HEADER,
        value=headers.get(HEADER.lower()),
        algorithm="sha256",
        encoding="base64",
    )
    # Zendesk signs the time it sent the request: an old delivery replayed byte for byte is refused.
    check_signed_time(_sent_at(stamp), now=now, header=TIMESTAMP_HEADER)


def _sent_at(stamp: str) -> float:
    """The signature timestamp (ISO 8601, as Zendesk sends it) as unix seconds."""
    try:
        sent = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadSignature(f"{TIMESTAMP_HEADER} is not a time (expected ISO 8601, e.g. 2026-11-23T08:12:00Z)") from None
    return (sent if sent.tzinfo else sent.replace(tzinfo=UTC)).timestamp()


def _rating(data: dict) -> str:
    """good/bad from ``satisfaction.score``, else from the rating text ("Bad, I'm unsatisfied")."""
    for path in ("satisfaction.score", "satisfaction.rating"):
        value = plain(pick(data, path))
        if value:
            word = html.unescape(value).strip().strip("\"'").lower()
            if word in ("offered", "unoffered"):
                raise IgnoredEvent(f"satisfaction {word}: no rating yet")
            for rating in SCORES:
                if word.startswith(rating):
                    return rating
            raise InvalidFeedback(f"must be good or bad (got {value[:40]!r})", where=path)
    raise InvalidFeedback("is required (good or bad)", where="satisfaction.score")


def normalize(body: bytes, options: Mapping[str, Any] | None = None) -> FeedbackIn:
    data = json_object(body)
    rating = _rating(data)
    tags = [plain(pick(data, "satisfaction.reason")), plain(pick(data, "ticket.group"))]
    return FeedbackIn(
        source=NAME,
        external_id=response_id(data, "ticket.id"),
        score=SCORES[rating],
        scale="csat",
        comment=clean_text(text(data, "satisfaction.comment"), limit=MAX_COMMENT),
        customer=Customer(
            id=clean_text(plain(pick(data, "requester.id")), limit=MAX_SHORT),
            email=clean_text(plain(pick(data, "requester.email")), limit=320),
            name=clean_text(plain(pick(data, "requester.name")), limit=MAX_SHORT),
            account=clean_text(plain(pick(data, "requester.organization")), limit=MAX_SHORT),
        ),
        touchpoint="support",
        tags=tuple(t for t in (clean_text(tag, limit=50) for tag in tags) if t),
        url=http_url(data, "ticket.link"),
        version_at=timestamp(data, "ticket.updated_at"),
    )


SOURCE = Source(name=NAME, secret_setting="LOOPKEEPER_WEBHOOK_SECRET_ZENDESK", verify=verify, normalize=normalize)
