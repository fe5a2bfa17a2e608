"""Readers of billing event fields: each names the full field path when a value is missing or of the wrong type.

``required=True`` turns a missing (or null) field into an error, so its reader never returns None.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, overload

from bot.errors import InvalidFeedback


def field_path(where: str, key: str) -> str:
    """``key`` under the object at ``where`` ("" for the event itself), as error messages name it."""
    return f"{where}.{key}" if where else key


@overload
def text(data: Mapping[str, Any], key: str, where: str, *, required: Literal[True]) -> str: ...
@overload
def text(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None: ...
def text(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    """A string field."""
    value = _value(data, key, where, required)
    if value is None or isinstance(value, str):
        return value
    raise _wrong_type(where, key, "a string")


@overload
def whole(data: Mapping[str, Any], key: str, where: str, *, required: Literal[True]) -> int: ...
@overload
def whole(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> int | None: ...
def whole(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> int | None:
    """A whole-number field."""
    value = _value(data, key, where, required)
    # bool is an int in Python; a flag is never a number here.
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _wrong_type(where, key, "a whole number")


@overload
def flag(data: Mapping[str, Any], key: str, where: str, *, required: Literal[True]) -> bool: ...
@overload
def flag(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> bool | None: ...
def flag(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> bool | None:
    """A true-or-false field."""
    value = _value(data, key, where, required)
    if value is None or isinstance(value, bool):
        return value
    raise _wrong_type(where, key, "true or false")


@overload
def mapping(data: Mapping[str, Any], key: str, where: str, *, required: Literal[True]) -> Mapping[str, Any]: ...
@overload
def mapping(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> Mapping[str, Any] | None: ...
def mapping(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> Mapping[str, Any] | None:
    """An object field."""
    value = _value(data, key, where, required)
    if value is None or isinstance(value, Mapping):
        return value
    raise _wrong_type(where, key, "an object")


@overload
def object_id(data: Mapping[str, Any], key: str, where: str, *, required: Literal[True]) -> str: ...
@overload
def object_id(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None: ...
def object_id(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    """An id, or the id of the object when the field was expanded."""
    expanded = data.get(key)
    if isinstance(expanded, Mapping):
        return text(expanded, "id", field_path(where, key), required=True)
    return text(data, key, where, required=required)


@overload
def unix_time(data: Mapping[str, Any], key: str, where: str, *, required: Literal[True]) -> datetime: ...
@overload
def unix_time(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> datetime | None: ...
def unix_time(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> datetime | None:
    """A time sent as unix seconds, in UTC."""
    seconds = whole(data, key, where, required=required)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidFeedback("must be a unix time", where=field_path(where, key)) from None


def _value(data: Mapping[str, Any], key: str, where: str, required: bool) -> object:
    value = data.get(key)
    if value is None and required:
        raise InvalidFeedback("is required", where=field_path(where, key))
    return value


def _wrong_type(where: str, key: str, what: str) -> InvalidFeedback:
    return InvalidFeedback(f"must be {what}", where=field_path(where, key))
