"""Reading vendor JSON defensively: every problem becomes InvalidFeedback naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.errors import InvalidFeedback, LoopkeeperError
from bot.feedback import MAX_SHORT, MAX_TAGS, clean_text


class IgnoredEvent(LoopkeeperError):
    """A delivery that carries no feedback (a ping, another event type); answered 200, nothing stored."""


def json_value(body: bytes) -> Any:
    """The body as JSON, or InvalidFeedback saying why not."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # bad JSON or encoding, huge numbers, absurd nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise InvalidFeedback(f"body is not valid JSON ({reason})") from None


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or InvalidFeedback saying why not."""
    data = json_value(body)
    if not isinstance(data, dict):
        raise InvalidFeedback("body must be a JSON object")
    return data


def pick(data: Any, path: str) -> Any:
    """``data["a"]["b"]`` for path ``"a.b"``; None when any step is missing or not a mapping."""
    for key in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def text(data: Any, path: str, *, required: bool = False) -> str | None:
    value = pick(data, path)
    if value is None or value == "":
        if required:
            raise InvalidFeedback("is required", where=path)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidFeedback("must be a string", where=path)
    return str(value)


def integer(data: Any, path: str, *, required: bool = False) -> int | None:
    value = pick(data, path)
    if value is None:
        if required:
            raise InvalidFeedback("is required", where=path)
        return None
    digits = value.strip().removeprefix("-") if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit() and len(digits) < 10:
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**9:
        raise InvalidFeedback(f"must be a whole number (got {str(value)[:40]!r})", where=path)
    return value


def money(data: Any, path: str) -> Decimal | None:
    value = pick(data, path)
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        raise InvalidFeedback(f"must be a number (got {str(value)[:40]!r})", where=path) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("999999999999"):
        raise InvalidFeedback("must be a non-negative amount", where=path)
    return amount


def timestamp(data: Any, path: str) -> datetime | None:
    """Unix seconds or ISO-8601 → aware datetime; naive ISO times are taken as UTC."""
    value = pick(data, path)
    if value is None or value == "":
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise InvalidFeedback(f"must be a unix time or an ISO-8601 date (got {str(value)[:40]!r})", where=path)


def response_id(data: Any, path: str) -> str:
    """The source's id for a response: required, cleaned, bounded."""
    value = clean_text(text(data, path, required=True), limit=MAX_SHORT)
    if value is None:
        raise InvalidFeedback("must not be empty", where=path)
    return value


def tag_list(data: Any, path: str) -> tuple[str, ...]:
    """Tags as clean strings (names of tag objects accepted), at most MAX_TAGS."""
    value = pick(data, path)
    if not isinstance(value, list):
        return ()
    names = (item.get("name") if isinstance(item, dict) else item for item in value)
    cleaned = (clean_text(str(name), limit=50) for name in names if isinstance(name, (str, int)))
    return tuple(tag for tag in cleaned if tag)[:MAX_TAGS]


def http_url(data: Any, path: str) -> str | None:
    """An http(s) link back to the response, or None."""
    value = pick(data, path)
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return clean_text(value, limit=2000)
    return None


def plain(value: Any) -> str | None:
    """A scalar as text; None for missing values and nested structures."""
    return None if value is None or isinstance(value, (dict, list, bool)) else str(value)
