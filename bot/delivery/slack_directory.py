"""What the domain asks Slack directly (reads only): who is a workspace admin, can we post in a channel,
what our token may do and which channels the bot is in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.errors import SlackUnavailable
from bot.mrkdwn import link_channel

ADMIN_CACHE_SECONDS = 300
# users.lookupByEmail answers: a person's email rarely changes; "no such user" is asked again sooner.
EMAIL_CACHE_SECONDS = 3600
EMAIL_MISS_CACHE_SECONDS = 300
# users.conversations pages of 1,000 channels: enough for any bot's channels; the rest are asked one by one.
MEMBERSHIP_PAGES = 20
T = TypeVar("T")


@dataclass(frozen=True)
class TokenGrant:
    """auth.test's answer: whose token this is and the scopes Slack granted it (``x-oauth-scopes``)."""

    error: str | None = None  # Slack's refusal (invalid_auth, token_revoked, …); None when the token works
    team_id: str = ""
    team: str = ""
    user: str = ""
    scopes: frozenset[str] | None = None  # None: the answer did not say


@dataclass(frozen=True)
class ChannelStatus:
    """What Slack says of a channel and the bot in it; ``error`` when it would not say (channel_not_found, …)."""

    channel_id: str
    name: str = ""
    is_member: bool = False
    is_private: bool = False
    is_archived: bool = False
    error: str | None = None


@dataclass(frozen=True)
class SlackPerson:
    """A Slack user as we show them without pinging them: their id and the name people know them by."""

    id: str
    name: str


class SlackDirectory(Protocol):
    def is_workspace_admin(self, user_id: str) -> bool: ...

    def channel_problem(self, channel_id: str) -> str | None: ...

    def token_grant(self) -> TokenGrant: ...

    def channels_joined(self) -> dict[str, str] | None: ...

    def channel_status(self, channel_id: str) -> ChannelStatus: ...

    def user_by_email(self, email: str) -> SlackPerson | None: ...

    def person(self, user_id: str) -> SlackPerson | None: ...


class WebDirectory:
    """SlackDirectory over the Web API; users.info answers are cached briefly."""

    def __init__(self, client: WebClient):
        self.client = client
        self._admins: dict[str, tuple[bool, float]] = {}
        self._emails: dict[str, tuple[SlackPerson | None, float]] = {}

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

    def user_by_email(self, email: str) -> SlackPerson | None:
        """The Slack user with this email (users.lookupByEmail, cached), or None when there is none.

        Raises SlackUnavailable when Slack would not say (no answer, or the token lacks users:read.email):
        an owner is never guessed."""
        key = email.strip().lower()
        cached = self._emails.get(key)
        if cached is not None:
            person, at = cached
            if time.monotonic() - at < (EMAIL_CACHE_SECONDS if person else EMAIL_MISS_CACHE_SECONDS):
                return person
        try:
            response = _asked("users.lookupByEmail", partial(self.client.users_lookupByEmail, email=key))
            found = _person(response.get("user") or {})
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown_error")
            if error != "users_not_found":
                raise SlackUnavailable(
                    f"Slack would not look up {key} ({error}"
                    f"{'; the app needs the users:read.email scope' if error == 'missing_scope' else ''})"
                ) from None
            found = None
        self._emails[key] = (found, time.monotonic())
        return found

    def person(self, user_id: str) -> SlackPerson | None:
        """users.info: the user's name; None when Slack does not know them."""
        try:
            return _person(_asked("users.info", partial(self.client.users_info, user=user_id)).get("user") or {})
        except SlackApiError:
            return None

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

    def token_grant(self) -> TokenGrant:
        """Who our token is, and its scopes from the ``x-oauth-scopes`` header Slack adds to the answer."""
        try:
            response = _asked("auth.test", self.client.auth_test)
        except SlackApiError as exc:
            return TokenGrant(error=str(exc.response.get("error") or "unknown_error"))
        header = next((v for k, v in (response.headers or {}).items() if k.lower() == "x-oauth-scopes"), None)
        return TokenGrant(
            team_id=str(response.get("team_id") or ""),
            team=str(response.get("team") or ""),
            user=str(response.get("user") or ""),
            scopes=None if header is None else frozenset(s.strip() for s in str(header).split(",") if s.strip()),
        )

    def channels_joined(self) -> dict[str, str] | None:
        """The channels the bot is in (id → name), a page of 1,000 a call; None when Slack would not say."""
        joined: dict[str, str] = {}
        cursor = ""
        for _ in range(MEMBERSHIP_PAGES):
            ask = partial(
                self.client.users_conversations,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor or None,
            )
            try:
                page = _asked("users.conversations", ask)
            except SlackApiError:
                return None  # e.g. missing_scope: the caller asks about each channel instead
            joined.update({c["id"]: str(c.get("name") or "") for c in page.get("channels") or [] if c.get("id")})
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return joined

    def channel_status(self, channel_id: str) -> ChannelStatus:
        """conversations.info for one channel; never joins it."""
        try:
            response = _asked("conversations.info", partial(self.client.conversations_info, channel=channel_id))
        except SlackApiError as exc:
            return ChannelStatus(channel_id, error=str(exc.response.get("error") or "unknown_error"))
        channel = response.get("channel") or {}
        return ChannelStatus(
            channel_id,
            name=str(channel.get("name") or ""),
            is_member=bool(channel.get("is_member")),
            is_private=bool(channel.get("is_private")),
            is_archived=bool(channel.get("is_archived")),
        )


def _person(user: dict) -> SlackPerson | None:
    if not user.get("id"):
        return None
    profile = user.get("profile") or {}
    name = profile.get("display_name") or user.get("real_name") or profile.get("real_name") or user.get("name")
    return SlackPerson(str(user["id"]), str(name or user["id"])[:80])


def _asked(method: str, call: Callable[[], SlackResponse]) -> SlackResponse:
    """A Slack read; no answer (a timeout, a dropped connection) is a typed error the person is told about."""
    try:
        return call()
    except (URLError, TimeoutError, ConnectionError) as exc:
        raise SlackUnavailable(
            f"Slack did not answer in time ({method}: {type(exc).__name__}); "
            "nothing was changed — please try again in a minute"
        ) from None
