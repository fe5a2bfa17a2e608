"""What the domain asks Slack directly (reads only): who is a workspace admin, can we post in a channel."""

from __future__ import annotations

import time
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

ADMIN_CACHE_SECONDS = 300


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
            user = self.client.users_info(user=user_id).get("user") or {}
            answer = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        except SlackApiError:
            answer = False  # unknown user or missing scope: not an admin by Slack's word
        self._admins[user_id] = (answer, time.monotonic())
        return answer

    def channel_problem(self, channel_id: str) -> str | None:
        """None if the bot can post in the channel (joining a public one if needed), else what to do."""
        try:
            channel = self.client.conversations_info(channel=channel_id).get("channel") or {}
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "channel_not_found":
                return (
                    f"I cannot see <#{channel_id}>: it does not exist, or it is private and I am not in it — "
                    f"invite me there with `/invite @Loopkeeper`"
                )
            return f"Slack would not tell me about <#{channel_id}> ({error})"
        if channel.get("is_archived"):
            return f"<#{channel_id}> is archived; pick a channel people use"
        if channel.get("is_member"):
            return None
        if channel.get("is_private"):
            return f"I am not in the private channel <#{channel_id}>: invite me with `/invite @Loopkeeper`"
        try:
            self.client.conversations_join(channel=channel_id)
        except SlackApiError as exc:
            return (
                f"I could not join <#{channel_id}> ({exc.response.get('error')}): invite me with `/invite @Loopkeeper`"
            )
        return None
