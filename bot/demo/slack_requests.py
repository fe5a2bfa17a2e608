"""Requests shaped exactly as Slack sends them, correctly signed: for the demo and the tests."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(
    signing_secret: str, body: str, *, content_type: str, timestamp: int | None = None, retry_num: int | None = None
) -> dict[str, str]:
    """Slack's signature headers (v0 HMAC-SHA256 over ``v0:<ts>:<body>``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body) or "",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def block_actions(
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    message: dict,
    action_id: str,
    value: str,
    response_url: str,
    block_id: str = "loop_actions",
    label: str = "Acknowledge",
    user_name: str = "dana",
) -> dict:
    """A block_actions payload for a button click on a message, as Slack documents it."""
    now = f"{time.time():.6f}"
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": "A0LOOPKEEP",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel_id, "is_ephemeral": False},
        "trigger_id": f"{int(time.time())}.{team_id}.trigger",
        "team": {"id": team_id, "domain": "loopkeeper-demo"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "feedback"},
        "message": {k: v for k, v in message.items() if k not in ("replies",)},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": now,
            }
        ],
    }


def interactivity_body(payload: dict) -> str:
    """Interactivity arrives form-encoded with one field, ``payload``, holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


def slash_command_body(
    *, team_id: str, user_id: str, channel_id: str, text: str, response_url: str, command: str = "/loops"
) -> str:
    """Slash commands arrive as form fields."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "loopkeeper-demo",
            "channel_id": channel_id,
            "channel_name": "feedback",
            "user_id": user_id,
            "user_name": "dana",
            "command": command,
            "text": text,
            "api_app_id": "A0LOOPKEEP",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{int(time.time())}.{team_id}.trigger",
        }
    )


def event_callback(*, team_id: str, event: dict, event_id: str) -> dict:
    """An Events API envelope (sent as JSON)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A0LOOPKEEP",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "U0LOOPBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def view_submission(
    *, team_id: str, user_id: str, view: dict, values: dict[str, dict], user_name: str = "dana"
) -> dict:
    """A view_submission payload for a modal as opened, with ``state.values`` as Slack sends them.

    ``values`` maps block_id → the element's state, e.g.
    ``{"outcome": {"type": "static_select", "selected_option": {"value": "saved", ...}}}``.
    """
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "loopkeeper-demo"},
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": "A0LOOPKEEP",
        "token": "legacy-verification-token",
        "trigger_id": f"{int(time.time())}.{team_id}.submit",
        "view": {
            "id": view.get("id", "V0MODAL"),
            "team_id": team_id,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "blocks": view.get("blocks", []),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "state": {"values": {block_id: {block_id: state} for block_id, state in values.items()}},
            "hash": "1700000000.abcdef",
            "app_id": "A0LOOPKEEP",
            "bot_id": "B0LOOPBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def selected(value: str, label: str | None = None) -> dict:
    """The state of a static select in a submitted modal."""
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": label or value, "emoji": True}, "value": value},
    }


def typed(text: str | None) -> dict:
    """The state of a plain-text input in a submitted modal."""
    return {"type": "plain_text_input", "value": text}
