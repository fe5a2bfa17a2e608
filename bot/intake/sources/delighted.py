"""Delighted: survey_response.created / .updated webhooks (the comment often arrives only in the update).

Signed with ``X-Delighted-Webhook-Signature``: HMAC-SHA256 of the raw body with
the project's API key, hex (Delighted prefixes it with ``sha256=``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.errors import InvalidFeedback
from bot.feedback import MAX_COMMENT, MAX_SHORT, Customer, FeedbackIn, clean_text
from bot.intake.payload import (
    IgnoredEvent,
    http_url,
    integer,
    json_object,
    money,
    pick,
    plain,
    response_id,
    tag_list,
    text,
    timestamp,
)
from bot.intake.signatures import check_hmac
from bot.intake.sources import Source

NAME = "delighted"
HEADER = "X-Delighted-Webhook-Signature"
EVENTS = ("survey_response.created", "survey_response.updated")
# Delighted survey types → our scales.
SCALES = {
    "nps": "nps",
    "enps": "nps",
    "csat": "csat",
    "smileys": "csat",
    "ces": "ces",
    "five_star": "stars",
    "stars": "stars",
}


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    value = headers.get(HEADER.lower())
    prefix = "sha256=" if value and value.startswith("sha256=") else ""
    check_hmac(secret, body, header=HEADER, value=value, algorithm="sha256", encoding="hex", prefix=prefix)


def _property(properties: Any, *names: str) -> Any:
    """A person property by any of its usual names, ignoring case and separators."""
    if not isinstance(properties, dict):
        return None
    wanted = {n.replace(" ", "").replace("_", "").lower() for n in names}
    for key, value in properties.items():
        if str(key).replace(" ", "").replace("_", "").lower() in wanted:
            return value
    return None


def normalize(body: bytes, options: Mapping[str, Any] | None = None) -> FeedbackIn:
    data = json_object(body)
    event_type = text(data, "event_type", required=True)
    if event_type not in EVENTS:
        raise IgnoredEvent(f"{event_type} events carry no survey response")
    survey_type = (text(data, "event_data.survey_type") or "nps").lower()
    scale = SCALES.get(survey_type)
    if scale is None:
        raise InvalidFeedback(
            f"survey type {survey_type!r} is not supported (known: {', '.join(SCALES)})", where="event_data.survey_type"
        )
    props = pick(data, "event_data.person_properties")
    arr = _property(props, "ARR", "Annual Revenue", "Revenue")
    return FeedbackIn(
        source=NAME,
        external_id=response_id(data, "event_data.id"),
        score=integer(data, "event_data.score", required=True),
        scale=scale,
        comment=clean_text(text(data, "event_data.comment"), limit=MAX_COMMENT),
        customer=Customer(
            id=clean_text(
                plain(_property(props, "Customer ID", "customer_id", "User ID")) or text(data, "event_data.person.id"),
                limit=MAX_SHORT,
            ),
            email=clean_text(text(data, "event_data.person.email"), limit=320),
            name=clean_text(text(data, "event_data.person.name"), limit=MAX_SHORT),
            account=clean_text(plain(_property(props, "Company", "Account", "Organization")), limit=MAX_SHORT),
            segment=clean_text(plain(_property(props, "Segment", "Plan", "Tier")), limit=100),
            arr=money({"arr": arr}, "arr"),
        ),
        touchpoint=clean_text(plain(_property(props, "Touchpoint")), limit=100),
        product=clean_text(plain(_property(props, "Product")), limit=100),
        tags=tag_list(data, "event_data.tags"),
        submitted_at=timestamp(data, "event_data.created_at"),
        version_at=timestamp(data, "event_data.updated_at") or timestamp(data, "event_data.created_at"),
        url=http_url(data, "event_data.permalink"),
    )


SOURCE = Source(name=NAME, secret_setting="LOOPKEEPER_WEBHOOK_SECRET_DELIGHTED", verify=verify, normalize=normalize)
