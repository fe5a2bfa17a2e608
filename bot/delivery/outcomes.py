"""What a failed Slack call means for its outbox item: retry when, or park why."""

from __future__ import annotations

import random
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from models.outbox import PARKED, PENDING

# Errors that retrying cannot fix: the item is parked with the reason for a person to look at.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "msg_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "no_text",
        "invalid_arguments",
        "restricted_action",
        "message_not_found",
        "cant_update_message",
        "user_not_in_channel",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "team_access_not_granted",
        "thread_not_found",
    }
)
_RANDOM = random.Random()
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
MAX_RETRY_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class Outcome:
    """What happened to one send: sent, retry at a time, or parked with a reason."""

    state: str
    error: str | None = None
    retry_at: datetime | None = None
    response: dict | None = None
    in_doubt: bool = False  # the call may have reached Slack (timeout, 5xx, dropped connection)
    retry_after: int | None = None  # Slack's Retry-After, on 429
    counted: bool = True  # False: we held it back ourselves, not an attempt


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: half the window fixed, half random."""
    window = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=window / 2 + (rng or _RANDOM).uniform(0, window / 2))


def classify(exc: Exception, *, attempts: int, now: datetime) -> Outcome:
    """Turn a failed Slack call into retry-later or park, never a silent drop."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = (response.data or {}).get("error") if isinstance(response.data, dict) else None
        if response.status_code == 429 or error == "ratelimited":
            retry_after = _retry_after(response.headers)
            return Outcome(PENDING, "ratelimited", now + timedelta(seconds=retry_after), retry_after=retry_after)
        if error in PERMANENT_ERRORS:
            return Outcome(PARKED, error)
        return Outcome(
            PENDING,
            error or f"http {response.status_code}",
            now + backoff(attempts),
            in_doubt=response.status_code >= 500,
        )
    if isinstance(exc, (URLError, TimeoutError, socket.timeout, ConnectionError, OSError)):
        return Outcome(PENDING, f"{type(exc).__name__}", now + backoff(attempts), in_doubt=True)
    raise exc


def _retry_after(headers: dict) -> int:
    for name, raw in (headers or {}).items():
        if name.lower() == "retry-after":
            value = str(raw[0] if isinstance(raw, list) else raw).strip()
            if value.isdigit():
                return min(MAX_RETRY_AFTER_SECONDS, max(1, int(value)))
    return 1


def slack_error(exc: SlackApiError) -> str | None:
    data = exc.response.data
    return data.get("error") if isinstance(data, dict) else None
