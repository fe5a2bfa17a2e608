"""The messages Slack sends over a Socket Mode connection, shaped as Slack sends them.

Shapes follow Slack's "Using Socket Mode" guide and envelopes captured from Slack in slack_sdk's tests:
``hello`` on connect, ``disconnect`` before a refresh, and the three envelope types.
"""

from __future__ import annotations

import uuid
from typing import Any

EVENTS_API = "events_api"
INTERACTIVE = "interactive"
SLASH_COMMANDS = "slash_commands"
HOST = "applink-standin-1"
# What Slack's hello says about a link's lifetime, in seconds (links are refreshed every few hours).
APPROXIMATE_CONNECTION_TIME = 18060


def hello(*, app_id: str, num_connections: int) -> dict[str, Any]:
    """The first message on every connection."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {"host": HOST, "build_number": 1, "approximate_connection_time": APPROXIMATE_CONNECTION_TIME},
        "connection_info": {"app_id": app_id},
    }


def disconnect(reason: str) -> dict[str, Any]:
    """Slack's notice that a connection is going away: ``refresh_requested``, ``warning`` or ``link_disabled``."""
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": HOST}}


def envelope(
    kind: str,
    payload: dict[str, Any],
    *,
    accepts_response_payload: bool,
    retry_attempt: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, Any]:
    """One delivery with a fresh ``envelope_id``; only ``events_api`` envelopes carry the retry fields."""
    message: dict[str, Any] = {
        "envelope_id": str(uuid.uuid4()),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
    }
    if kind == EVENTS_API:
        message["retry_attempt"] = retry_attempt or 0
        message["retry_reason"] = retry_reason or ""
    return message
