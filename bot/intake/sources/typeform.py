"""Typeform: ``form_response`` webhooks, mapped per form.

Signed with ``Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>``
using the secret set on the webhook. Which answer is the score, the comment
and the email can be configured per form (source options ``forms``); without
that, the first opinion-scale/NPS/rating answer is the score, the first long
text the comment, and hidden fields ``email``/``account``/``name`` the customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.errors import InvalidFeedback
from bot.feedback import MAX_COMMENT, MAX_SHORT, Customer, FeedbackIn, clean_text
from bot.intake.payload import (
    IgnoredEvent,
    json_object,
    money,
    pick,
    plain,
    text,
    timestamp,
)
from bot.intake.signatures import check_hmac
from bot.intake.sources import Source

NAME = "typeform"
HEADER = "Typeform-Signature"
SCORE_TYPES = ("nps", "opinion_scale", "rating")
# Default scale per question type; a form mapping may say otherwise (e.g. a 1–5 opinion scale is csat).
DEFAULT_SCALES = {"nps": "nps", "opinion_scale": "nps", "rating": "stars"}


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    check_hmac(
        secret,
        body,
        header=HEADER,
        value=headers.get(HEADER.lower()),
        algorithm="sha256",
        encoding="base64",
        prefix="sha256=",
    )


def _answers(data: dict) -> list[dict]:
    answers = pick(data, "form_response.answers")
    if answers is None:
        return []
    if not isinstance(answers, list):
        raise InvalidFeedback("must be a list", where="form_response.answers")
    return [a for a in answers if isinstance(a, dict) and isinstance(a.get("field"), dict)]


def _value(answer: dict) -> Any:
    kind = answer.get("type")
    if kind == "choice":
        return pick(answer, "choice.label")
    return answer.get(kind) if isinstance(kind, str) else None


def _find(answers: list[dict], hidden: dict, key: str | None) -> Any:
    """An answer by field ref or id, or a hidden field written ``hidden.<name>``."""
    if not key:
        return None
    if key.startswith("hidden."):
        return hidden.get(key[len("hidden.") :])
    for answer in answers:
        if key in (answer["field"].get("ref"), answer["field"].get("id")):
            return _value(answer)
    return None


def _first(answers: list[dict], field_types: tuple[str, ...]) -> Any:
    return next((_value(a) for a in answers if a["field"].get("type") in field_types), None)


def normalize(body: bytes, options: Mapping[str, Any] | None = None) -> FeedbackIn:
    data = json_object(body)
    event_type = text(data, "event_type", required=True)
    if event_type != "form_response":
        raise IgnoredEvent(f"{event_type} events carry no form response")
    form_id = text(data, "form_response.form_id", required=True)
    token = text(data, "form_response.token", required=True)
    mapping = dict(((options or {}).get("forms") or {}).get(form_id) or {})
    answers = _answers(data)
    hidden = pick(data, "form_response.hidden") if isinstance(pick(data, "form_response.hidden"), dict) else {}

    if mapping.get("score"):
        score_value = _find(answers, hidden, mapping["score"])
        score_type: str | None = "opinion_scale"
    else:
        scored = next((a for a in answers if a["field"].get("type") in SCORE_TYPES), None)
        score_value = _value(scored) if scored else None
        score_type = scored["field"]["type"] if scored else None
    if score_value is None:
        where = f"answer {mapping['score']!r}" if mapping.get("score") else "an opinion scale, NPS or rating answer"
        raise InvalidFeedback(f"no score found: expected {where}", where="form_response.answers")
    if isinstance(score_value, bool) or not isinstance(score_value, int):
        raise InvalidFeedback(
            f"the score answer must be a whole number (got {str(score_value)[:40]!r})", where="form_response.answers"
        )
    comment = (
        _find(answers, hidden, mapping.get("comment"))
        if mapping.get("comment")
        else _first(answers, ("long_text",)) or _first(answers, ("short_text",))
    )
    email = (
        _find(answers, hidden, mapping.get("email"))
        if mapping.get("email")
        else (hidden.get("email") or _first(answers, ("email",)))
    )
    return FeedbackIn(
        source=NAME,
        external_id=clean_text(f"{form_id}:{token}", limit=MAX_SHORT) or f"{form_id}:{token}",
        score=score_value,
        scale=str(mapping.get("scale") or DEFAULT_SCALES.get(score_type or "", "nps")),
        comment=clean_text(plain(comment), limit=MAX_COMMENT),
        customer=Customer(
            id=clean_text(
                plain(_find(answers, hidden, mapping.get("customer_id", "hidden.customer_id"))), limit=MAX_SHORT
            ),
            email=clean_text(plain(email), limit=320),
            name=clean_text(plain(_find(answers, hidden, mapping.get("name", "hidden.name"))), limit=MAX_SHORT),
            account=clean_text(
                plain(_find(answers, hidden, mapping.get("account", "hidden.account"))), limit=MAX_SHORT
            ),
            segment=clean_text(plain(_find(answers, hidden, mapping.get("segment", "hidden.segment"))), limit=100),
            arr=money({"arr": plain(_find(answers, hidden, mapping.get("arr", "hidden.arr")))}, "arr"),
        ),
        touchpoint=clean_text(plain(mapping.get("touchpoint") or hidden.get("touchpoint")), limit=100),
        product=clean_text(plain(mapping.get("product") or hidden.get("product")), limit=100),
        tags=tuple(t for t in [clean_text(plain(pick(data, "form_response.definition.title")), limit=50)] if t),
        submitted_at=timestamp(data, "form_response.submitted_at"),
        version_at=timestamp(data, "form_response.submitted_at"),
    )


SOURCE = Source(name=NAME, secret_setting="LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM", verify=verify, normalize=normalize)
