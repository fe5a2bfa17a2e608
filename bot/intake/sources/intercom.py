"""Intercom: ``conversation.rating.added`` notifications (1–5 conversation ratings).

Signed with ``X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body>`` using the
app's client secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.feedback import MAX_COMMENT, MAX_SHORT, Customer, FeedbackIn, clean_text
from bot.intake.payload import (
    IgnoredEvent,
    integer,
    json_object,
    pick,
    plain,
    response_id,
    tag_list,
    text,
    timestamp,
)
from bot.intake.signatures import check_hmac
from bot.intake.sources import Source

NAME = "intercom"
HEADER = "X-Hub-Signature"
TOPIC = "conversation.rating.added"


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    check_hmac(
        secret, body, header=HEADER, value=headers.get(HEADER.lower()), algorithm="sha1", encoding="hex", prefix="sha1="
    )


def normalize(body: bytes, options: Mapping[str, Any] | None = None) -> FeedbackIn:
    data = json_object(body)
    topic = text(data, "topic", required=True)
    if topic != TOPIC:
        raise IgnoredEvent(f"{topic} notifications carry no rating")
    item = "data.item"
    author_type = plain(pick(data, f"{item}.source.author.type"))
    author = f"{item}.source.author" if author_type in ("user", "lead", "contact") else None
    conversation_id = response_id(data, f"{item}.id")
    app_id = plain(pick(data, "app_id"))
    return FeedbackIn(
        source=NAME,
        external_id=conversation_id,
        score=integer(data, f"{item}.conversation_rating.rating", required=True),
        scale="csat",
        comment=clean_text(text(data, f"{item}.conversation_rating.remark"), limit=MAX_COMMENT),
        customer=Customer(
            id=clean_text(
                plain(pick(data, f"{item}.conversation_rating.contact.external_id"))
                or plain(pick(data, f"{item}.conversation_rating.contact.id")),
                limit=MAX_SHORT,
            ),
            email=clean_text(plain(pick(data, f"{author}.email")) if author else None, limit=320),
            name=clean_text(plain(pick(data, f"{author}.name")) if author else None, limit=MAX_SHORT),
        ),
        touchpoint="support",
        tags=tag_list(data, f"{item}.tags.tags"),
        submitted_at=timestamp(data, f"{item}.conversation_rating.created_at"),
        version_at=timestamp(data, "created_at"),  # when Intercom created this notification
        url=(
            f"https://app.intercom.com/a/apps/{app_id}/inbox/inbox/conversation/{conversation_id}"
            if app_id and app_id.isalnum() and conversation_id.isalnum()
            else None
        ),
    )


SOURCE = Source(name=NAME, secret_setting="LOOPKEEPER_WEBHOOK_SECRET_INTERCOM", verify=verify, normalize=normalize)
