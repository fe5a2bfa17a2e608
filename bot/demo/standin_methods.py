"""The Web API methods the Slack stand-in answers, as Slack answers them (its state lives in SlackStandIn)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from bot.demo.socket_mode import SocketModeStandIn
from bot.demo.standin_records import Call, Channel

MAX_BLOCKS = 50
MAX_TEXT = 40000


class WebApiMethods:
    """``_api_<method>`` per Web API method; SlackStandIn.handle dispatches to them under its lock."""

    channels: dict[str, Channel]
    users: dict[str, dict[str, Any]]
    calls: list[Call]
    team_id: str
    bot_user_id: str
    bot_id: str
    auto_create_channels: bool
    socket_mode: SocketModeStandIn
    _lock: threading.RLock
    _changed: threading.Condition
    _last_ts: float
    _seq: int

    def add_channel(self, channel_id: str, name: str, **flags: Any) -> Channel:
        with self._lock:
            channel = Channel(channel_id, name, **flags)
            self.channels[channel_id] = channel
            return channel

    def _next_ts(self) -> str:
        # Like Slack: the time of the message, in microseconds, unique per channel (here: overall).
        self._seq += 1
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _channel(self, channel_id: str | None) -> Channel | None:
        if not channel_id:
            return None
        if channel_id[:1] in "UW":  # a user id: Slack posts to the app's DM with that user
            dm_id = "D" + channel_id[1:]
            if dm_id not in self.channels:
                self.add_channel(dm_id, f"dm-{channel_id.lower()}", is_private=True)
            return self.channels[dm_id]
        if channel_id not in self.channels and self.auto_create_channels and channel_id[:1] in "CGD":
            self.add_channel(channel_id, channel_id.lower())
        return self.channels.get(channel_id)

    def _find(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        channel = self.channels.get(channel_id)
        if channel is None:
            return None
        return next((m for m in channel.messages if m["ts"] == ts), None)

    def _place(self, channel: Channel, message: dict[str, Any], thread_ts: str | None) -> str | None:
        """Put a new message in the channel, or in the thread of ``thread_ts``; Slack's error when there is none."""
        if not thread_ts:
            channel.messages.append(message)
            return None
        parent = self._find(channel.id, thread_ts)
        if parent is None:
            return "thread_not_found"
        message["thread_ts"] = thread_ts
        parent["replies"].append(message)
        return None

    def _find_any(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """A message or a thread reply (chat.update edits either)."""
        found = self._find(channel_id, ts)
        if found is not None:
            return found
        channel = self.channels.get(channel_id)
        replies = (r for m in (channel.messages if channel else []) for r in m.get("replies", []))
        return next((r for r in replies if r["ts"] == ts), None)

    def _message_error(self, args: dict[str, Any]) -> str | None:
        blocks = _json_arg(args.get("blocks"))
        if not args.get("text") and not blocks:
            return "no_text"
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS):
            return "invalid_blocks"
        if len(args.get("text") or "") > MAX_TEXT:
            return "msg_too_long"
        return None

    def _writable(self, args: dict[str, Any]) -> tuple[Channel | None, str | None]:
        channel = self._channel(args.get("channel"))
        if channel is None:
            return None, "channel_not_found"
        if channel.is_archived:
            return None, "is_archived"
        if not channel.is_member and channel.is_private:
            return None, "channel_not_found"
        if not channel.is_member:
            return None, "not_in_channel"
        return channel, None

    def _api_auth_test(self, args):
        return {
            "ok": True,
            "url": "https://loopkeeper-demo.slack.com/",
            "team": "Loopkeeper Demo",
            "user": "loopkeeper",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _api_chat_postMessage(self, args):
        channel, error = self._writable(args)
        error = error or self._message_error(args)
        if error or channel is None:
            return {"ok": False, "error": error}
        message = {
            "type": "message",
            "ts": self._next_ts(),
            "text": args.get("text", ""),
            "blocks": _json_arg(args.get("blocks")) or [],
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "metadata": _json_arg(args.get("metadata")),
            "replies": [],
            "edited": None,
        }
        error = self._place(channel, message, args.get("thread_ts"))
        if error:
            return {"ok": False, "error": error}
        public = {k: v for k, v in message.items() if k != "replies"}
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": public}

    def _api_chat_update(self, args):
        channel = self.channels.get(args.get("channel"))
        message = self._find_any(args.get("channel"), args.get("ts")) if channel else None
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        error = self._message_error(args)
        if error:
            return {"ok": False, "error": error}
        message["text"] = args.get("text", message["text"])
        if "blocks" in args:
            message["blocks"] = _json_arg(args.get("blocks")) or []
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "text": message["text"]}

    def _api_chat_postEphemeral(self, args):
        _, error = self._writable(args)
        if error:
            return {"ok": False, "error": error}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_chat_getPermalink(self, args):
        if self._find(args.get("channel"), args.get("message_ts")) is None:
            return {"ok": False, "error": "message_not_found"}
        ts = args["message_ts"].replace(".", "")
        return {
            "ok": True,
            "channel": args["channel"],
            "permalink": f"https://loopkeeper-demo.slack.com/archives/{args['channel']}/p{ts}",
        }

    def _api_conversations_info(self, args):
        channel = self._channel(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_private": channel.is_private,
                "is_member": channel.is_member,
                "is_archived": channel.is_archived,
            },
        }

    def _api_conversations_join(self, args):
        channel = self._channel(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.is_private:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        channel.is_member = True
        return {"ok": True, "channel": {"id": channel.id, "name": channel.name}}

    def _api_conversations_open(self, args):
        """The app's DM with one person (``users``), as a D… channel."""
        users = str(args.get("users") or "").split(",")
        if len(users) != 1 or (users[0] not in self.users and users[0][:1] not in "UW"):
            return {"ok": False, "error": "user_not_found"}
        channel = self._channel(users[0])
        assert channel is not None
        return {"ok": True, "channel": {"id": channel.id}}

    def _api_conversations_history(self, args):
        channel = self._channel(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        limit = int(args.get("limit") or 100)
        oldest = float(args.get("oldest") or 0)
        newest_first = [_listed(m, args) for m in reversed(channel.messages) if float(m["ts"]) >= oldest]
        return {"ok": True, "messages": newest_first[:limit], "has_more": len(newest_first) > limit}

    def _api_conversations_replies(self, args):
        parent = self._find(args.get("channel"), args.get("ts"))
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        thread = [parent, *parent.get("replies", [])]
        return {"ok": True, "messages": [_listed(m, args) for m in thread][: int(args.get("limit") or 100)]}

    def _api_users_conversations(self, args):
        """The bot's own channels (users.conversations without ``user``), a page at a time."""
        kinds = set(str(args.get("types") or "public_channel").split(","))
        skip_archived = str(args.get("exclude_archived", "")).lower() in ("true", "1")
        listed = [
            {"id": c.id, "name": c.name, "is_private": c.is_private, "is_archived": c.is_archived}
            for c in self.channels.values()
            if c.is_member
            and c.id[:1] in "CG"
            and ("private_channel" if c.is_private else "public_channel") in kinds
            and not (skip_archived and c.is_archived)
        ]
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        more = start + limit < len(listed)
        return {
            "ok": True,
            "channels": listed[start : start + limit],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _api_users_info(self, args):
        user = self.users.get(args.get("user"))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _api_users_lookupByEmail(self, args):
        wanted = str(args.get("email") or "").lower()
        if not wanted:
            return {"ok": False, "error": "invalid_arguments"}
        for user in self.users.values():
            if str(user.get("profile", {}).get("email") or "").lower() == wanted:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _api_views_publish(self, args):
        return {
            "ok": True,
            "view": {"id": "V" + self._next_ts().replace(".", ""), **(_json_arg(args.get("view")) or {})},
        }

    def _api_views_open(self, args):
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {
            "ok": True,
            "view": {"id": "V" + self._next_ts().replace(".", ""), **(_json_arg(args.get("view")) or {})},
        }

    _api_views_update = _api_views_publish

    def _api_apps_connections_open(self, args, token):
        return self.socket_mode.open_connection(token)

    def record_response_url(self, path: str, args: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append(Call("response_url", {"path": path, **args}, time.time(), None))
            self._changed.notify_all()


def _listed(message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """A message as history lists it: metadata only when asked for with include_all_metadata."""
    with_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
    return {k: v for k, v in message.items() if k != "replies" and (k != "metadata" or with_metadata)}


def _json_arg(value: Any) -> Any:
    """Web API arguments may arrive as JSON values or as JSON-encoded form fields."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
