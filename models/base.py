"""Column types and helpers shared by every table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, or_
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def primary_key() -> Any:
    """An integer primary key the database assigns.

    Typed ``int`` on the models: it is None only between building a row and flushing it, and
    code only ever reads it from stored rows.
    """
    return Field(default=None, primary_key=True)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back timezone-aware datetimes.

    SQLite drops the offset of a ``timestamptz``; this keeps both databases
    returning the same kind of value so domain code never mixes naive and
    aware times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def any_within(scope: ColumnElement[bool], conditions: Iterable[ColumnElement[bool]]) -> ColumnElement[bool]:
    """``scope AND (a OR b …)`` written ``(scope AND a) OR (scope AND b) …``: each branch is then one lookup in its own
    (scope, key) index. With the scope outside, SQLite read every row of the scope by a single index instead."""
    return or_(*(and_(scope, condition) for condition in conditions))
