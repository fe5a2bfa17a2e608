"""Slack message events as an app's post arrives (the shapes the alert tests read)."""

from __future__ import annotations

CHANNEL = "C0INTAKE"
TS = "1763900000.000100"


def bot_message(text: str = "", *, username: str, bot_id: str, **parts) -> dict:
    """A message event as Slack delivers an app's post: ``attachments`` and/or ``blocks`` in ``parts``."""
    return {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": bot_id,
        "username": username,
        "text": text,
        "channel": CHANNEL,
        "ts": TS,
        "event_ts": TS,
        "channel_type": "channel",
        **parts,
    }


def field(title: str, value: str, short: bool = True) -> dict:
    return {"title": title, "value": value, "short": short}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}
