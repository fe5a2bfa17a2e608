"""Account owners named by email (a feed's ``owner_email``, Stripe's ``account_owner_email``) as Slack users.

Looked up with users.lookupByEmail before any transaction opens; an email Slack does not know is reported,
never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.accounts.feed import FeedEvent
from bot.delivery.slack_directory import SlackPerson
from bot.errors import InvalidFeedback


class EmailLookup(Protocol):
    def user_by_email(self, email: str) -> SlackPerson | None: ...


def look_up(directory: EmailLookup, emails: Iterable[str | None]) -> tuple[dict[str, SlackPerson], list[str]]:
    """(Slack user by email, the emails Slack does not know); raises SlackUnavailable when Slack would not say."""
    found: dict[str, SlackPerson] = {}
    unknown: list[str] = []
    for email in sorted({e.lower() for e in emails if e}):
        person = directory.user_by_email(email)
        if person:
            found[email] = person
        else:
            unknown.append(email)
    return found, unknown


def feed_owners(directory: EmailLookup, events: list[FeedEvent], *, batch: bool) -> dict[str, SlackPerson]:
    """The owners of a webhook's events; InvalidFeedback naming the first event whose owner Slack does not know."""
    found, unknown = look_up(directory, (e.owner_email for e in events))
    if unknown:
        index = next(i for i, e in enumerate(events) if e.owner_email == unknown[0])
        raise InvalidFeedback(
            f"no Slack user has the email {unknown[0]}; use the email they sign in to Slack with, or leave "
            "owner_email out",
            where=f"[{index}].owner_email" if batch else "owner_email",
        )
    return found
