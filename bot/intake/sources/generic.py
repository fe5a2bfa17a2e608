"""The generic JSON webhook: Loopkeeper's own documented feedback shape."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from bot.errors import InvalidFeedback
from bot.feedback import (
    MAX_COMMENT,
    MAX_SHORT,
    MAX_TAGS,
    Customer,
    FeedbackIn,
    clean_text,
)
from bot.intake.payload import json_object
from bot.intake.signatures import verify_generic
from bot.intake.sources import Source

NAME = "generic"


def _string_or_integer(value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
        raise ValueError("must be a string or an integer")
    return value


class _CustomerBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Any = None
    email: StrictStr | None = None
    name: StrictStr | None = None
    account: StrictStr | None = None
    segment: StrictStr | None = None
    arr: Annotated[Decimal, Field(ge=0, le=Decimal("999999999999"))] | None = None

    @field_validator("id")
    @classmethod
    def _id_type(cls, value):
        return _string_or_integer(value)


class _GenericBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Any
    source: StrictStr | None = None
    score: StrictInt
    scale: StrictStr = "nps"
    comment: StrictStr | None = None
    customer: _CustomerBody = Field(default_factory=_CustomerBody)
    touchpoint: StrictStr | None = None
    product: StrictStr | None = None
    tags: Annotated[list[StrictStr], Field(max_length=MAX_TAGS)] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    url: StrictStr | None = None

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value):
        if value is None:
            raise ValueError("must be a string or an integer")
        _string_or_integer(value)
        if not str(value).strip():
            raise ValueError("must not be empty")
        if len(str(value)) > MAX_SHORT:
            raise ValueError(f"must be at most {MAX_SHORT} characters")
        return value

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value):
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


def _where(error: Mapping[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "body"


def normalize(body: bytes, options: Mapping[str, Any] | None = None) -> FeedbackIn:
    """Parse and validate a generic webhook body; raises InvalidFeedback saying where."""
    return normalize_data(json_object(body))


def normalize_data(data: dict[str, Any]) -> FeedbackIn:
    """Validate feedback already decoded into the generic shape (webhook bodies, imported rows)."""
    try:
        parsed = _GenericBody.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "is required"
        raise InvalidFeedback(message, where=_where(first)) from None

    submitted_at = _utc(parsed.created_at, where="created_at")
    updated_at = _utc(parsed.updated_at, where="updated_at")
    customer = parsed.customer
    external_id = clean_text(str(parsed.id), limit=MAX_SHORT)
    if external_id is None:
        raise InvalidFeedback("must not be empty", where="id")
    return FeedbackIn(
        source=clean_text(parsed.source, limit=40) or NAME,
        external_id=external_id,
        score=parsed.score,
        scale=parsed.scale.strip().lower(),
        comment=clean_text(parsed.comment, limit=MAX_COMMENT),
        customer=Customer(
            id=clean_text(None if customer.id is None else str(customer.id), limit=MAX_SHORT),
            email=clean_text(customer.email, limit=320),
            name=clean_text(customer.name, limit=MAX_SHORT),
            account=clean_text(customer.account, limit=MAX_SHORT),
            segment=clean_text(customer.segment, limit=100),
            arr=customer.arr,
        ),
        touchpoint=clean_text(parsed.touchpoint, limit=100),
        product=clean_text(parsed.product, limit=100),
        tags=tuple(t for t in (clean_text(tag, limit=50) for tag in parsed.tags) if t),
        submitted_at=submitted_at,
        version_at=updated_at or submitted_at,
        url=clean_text(parsed.url, limit=2000),
    )


def _utc(when: datetime | None, *, where: str) -> datetime | None:
    """An aware UTC time (naive ones are taken as UTC)."""
    if when is None:
        return None
    try:
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise InvalidFeedback("is outside the range of dates that can be stored", where=where) from None


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """``X-Loopkeeper-Signature: sha256=<hex HMAC-SHA256("<timestamp>.<body>")>`` plus the timestamp header."""
    verify_generic(
        secret,
        signature=headers.get("x-loopkeeper-signature"),
        timestamp=headers.get("x-loopkeeper-timestamp"),
        body=body,
        now=now,
    )


SOURCE = Source(name=NAME, secret_setting="LOOPKEEPER_WEBHOOK_SECRET", verify=verify, normalize=normalize)
