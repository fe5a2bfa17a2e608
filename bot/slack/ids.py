"""The shapes of Slack's ids, and of our own record ids as they come back in payloads and commands.

Anything that enters from a Slack payload or a command is checked against these before it is
stored or rendered: a "user id" like ``U0X> <!channel`` must never reach a message as a ping.
"""

from __future__ import annotations

import re
from typing import TypeGuard

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,31}$")
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,31}$")
# Our rows' ids fit PostgreSQL's integer; anything larger points at nothing.
MAX_RECORD_ID = 2**31 - 1


def is_user_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(USER_ID.match(value))


def is_channel_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(CHANNEL_ID.match(value))


def is_team_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(TEAM_ID.match(value))


def record_id(text: object) -> int | None:
    """A row id from a button value, a form's metadata or a command word (``42`` or ``#42``); None if not one."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    digits = text.strip().removeprefix("#")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:
        return None
    value = int(digits)
    return value if 0 < value <= MAX_RECORD_ID else None
