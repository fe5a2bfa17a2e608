"""Durations as people type them: 30m, 4h, 2d, 1w."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.errors import LoopkeeperError

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PATTERN = re.compile(r"^\s*(\d{1,4})\s*([mhdw])\s*$", re.IGNORECASE)


class InvalidDuration(LoopkeeperError):
    """A duration is not of the form 30m, 4h, 2d or 1w."""


def parse_duration(text: str) -> timedelta:
    """``"4h"`` → 4 hours; raises InvalidDuration with an example otherwise."""
    match = _PATTERN.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise InvalidDuration(f"cannot read duration {text!r}; use e.g. 30m, 4h, 2d or 1w")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def format_duration(delta: timedelta) -> str:
    """The shortest exact form: 90 minutes → 90m, 48 hours → 2d."""
    minutes = int(delta.total_seconds() // 60)
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60)):
        if minutes % size == 0 and minutes >= size:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def format_minutes(minutes: int | None) -> str | None:
    """A stored number of minutes in the same form (None stays None)."""
    return format_duration(timedelta(minutes=minutes)) if minutes else None
