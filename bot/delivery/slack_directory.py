"""What the domain asks Slack directly (reads only): who is a workspace admin, can we post in a channel."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TypeVar
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.errors import SlackUnavailable
from bot.mrkdwn import link_channel

ADMIN_CACHE_SECONDS = 300
T = TypeVar("T")


class SlackDirectory(Protocol):
    def is_workspace_admin(self, user_id: str) -> bool: ...

    def channel_problem(self, channel_id: str) -> str | None: ...


class WebDirectory:
    """SlackDirectory over the Web API; users.info answers are cached briefly."""

    def __init__(self, client: WebClient):
        self.client = client
        self._admins: dict[str, tuple[bool, float]] = {}

    def is_workspace_admin(self, user_id: str) -> bool:
        cached = self._admins.get(user_id)
        if cached and time.monotonic() - cached[1] < ADMIN_CACHE_SECONDS:
            return cached[0]
        try:
            user = _asked("users.info", lambda: self.client.users_info(user=user_id)).get("user") or {}
            answer = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        except SlackApiError:
            answer = False  # unknown user or missing scope: not an admin by Slack's word
        self._admins[user_id] = (answer, time.monotonic())
        return answer

    def channel_problem(self, channel_id: str) -> str | None:
        """None if the bot can post in the channel (joining a public one if needed), else what to do."""
        try:
            channel = (
                _asked("conversations.info", lambda: self.client.conversations_info(channel=channel_id)).get("channel")
                or {}
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "channel_not_found":
                return (
                    f"I cannot see {link_channel(channel_id)}: it does not exist, or it is private and I am not "
                    "in it — invite me there with `/invite @Loopkeeper`"
                )
            return f"Slack would not tell me about {link_channel(channel_id)} ({error})"
        if channel.get("is_archived"):
            return f"{link_channel(channel_id)} is archived; pick a channel people use"
        if channel.get("is_member"):
            return None
        if channel.get("is_private"):
            return f"I am not in the private channel {link_channel(channel_id)}: invite me with `/invite @Loopkeeper`"
        try:
            _asked("conversations.join", lambda: self.client.conversations_join(channel=channel_id))
        except SlackApiError as exc:
            error = exc.response.get("error")
            return f"I could not join {link_channel(channel_id)} ({error}): invite me with `/invite @Loopkeeper`"
        return None


def _asked(method: str, call: Callable[[], SlackResponse]) -> SlackResponse:
    """A Slack read; no answer (a timeout, a dropped connection) is a typed error the person is told about."""
    try:
        return call()
    except (URLError, TimeoutError, ConnectionError) as exc:
        raise SlackUnavailable(
            f"Slack did not answer in time ({method}: {type(exc).__name__}); "
            "nothing was changed — please try again in a minute"
        ) from None
