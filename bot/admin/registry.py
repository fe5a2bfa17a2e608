"""Subcommands of /loops: declared once (words, usage, help, example, who may run them), parsed purely."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.slack_directory import SlackDirectory
from bot.errors import CommandError
from bot.learning.similar_loops import SimilarLoops
from bot.settings import Settings
from models.admin import add_audit_entry

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass
class Invocation:
    """Who ran a command, where, with which words, and the transaction it may touch.

    Whatever the command needs from Slack (is this person an admin, can we post in that channel)
    was asked before the transaction opened; a subcommand never calls Slack.
    """

    session: Session
    workspace_id: str
    user_id: str
    channel_id: str
    args: tuple[str, ...]
    now: datetime
    env_admins: tuple[str, ...] = ()
    default_channel: str | None = None
    via: str = "slash_command"
    is_admin: bool = False
    # Filled in for `help`: the registry itself.
    registry: CommandRegistry | None = field(default=None, repr=False)
    # What the subcommand's ``prepare`` returned (None when it has none).
    prepared: Any = field(default=None, repr=False)

    def audit(self, action: str, target: str, before: object, after: object) -> None:
        """Record this person's change in the audit trail, in the command's transaction."""
        add_audit_entry(
            session=self.session,
            workspace_id=self.workspace_id,
            actor=self.user_id,
            via=self.via,
            action=action,
            target=target,
            before=before,
            after=after,
            at=self.now,
        )


# What a subcommand answers: mrkdwn text, or {"text", "blocks"}.
Answer = str | dict


@dataclass(frozen=True)
class Preparation:
    """What a subcommand's ``prepare`` is handed. It runs before the runner opens the transaction, so it may
    ask Slack (``slack``) and read the database in short read-only sessions of its own; it changes nothing.
    ``workers`` says how this process's workers are doing (as /healthz shows them); ``similar_loops`` is this
    process's index of resolved loops (None where the app runs without one)."""

    engine: Engine
    slack: SlackDirectory
    settings: Settings
    workers: Callable[[], Mapping[str, str]]
    workspace_id: str
    user_id: str
    args: tuple[str, ...]
    now: datetime
    similar_loops: SimilarLoops | None = None


@dataclass(frozen=True)
class Subcommand:
    """One `/loops` subcommand: its words, help, example, and what the runner prepares for it.

    ``admin``: only admins may run it. ``asks_admin``: its body decides by whether the person is
    an admin (e.g. leads or admins). ``writes``: it changes something (run in a write transaction;
    the others read in a read-only session). ``channel_arg``: the position of a channel argument
    the bot must be able to post in, checked with Slack before the transaction opens. ``prepare``: what
    else it needs from Slack (or from this process), gathered before the transaction opens; its result is
    the invocation's ``prepared``.
    """

    words: tuple[str, ...]
    usage: str
    summary: str
    example: str
    run: Callable[[Invocation], Answer]
    admin: bool = False
    topic: str = ""
    writes: bool = False
    asks_admin: bool = False
    channel_arg: int | None = None
    prepare: Callable[[Preparation], Any] | None = None

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def max_args(self) -> int | None:
        """How many words may follow, read from ``usage`` (None when one of them takes any number: ``…``)."""
        after = self.usage.split()[1 + len(self.words) :]
        return None if any("…" in word for word in after) else len(after)


def tokenize(text: str) -> list[str]:
    """Split command text like a shell (quotes keep values together; Slack's smart quotes count too)."""
    try:
        return shlex.split((text or "").translate(_SMART_QUOTES))
    except ValueError as exc:
        raise CommandError(
            f"cannot read the command: {exc} (check your quotes)",
            example='/loops playbook add refunds comment=~refund do "Call them" within 4h',
        ) from None


class CommandRegistry:
    """Subcommands by their words; the longest matching prefix of the typed words wins."""

    def __init__(self, subcommands: list[Subcommand] | tuple[Subcommand, ...] = ()) -> None:
        self._subcommands: dict[tuple[str, ...], Subcommand] = {}
        for subcommand in subcommands:
            self.add(subcommand)

    def add(self, subcommand: Subcommand) -> None:
        self._subcommands[subcommand.words] = subcommand

    @property
    def subcommands(self) -> list[Subcommand]:
        return list(self._subcommands.values())

    def resolve(self, words: list[str]) -> tuple[Subcommand, tuple[str, ...]]:
        """The subcommand the words name and the words after it; CommandError with an example otherwise."""
        lowered = [w.lower() for w in words]
        for length in (2, 1):
            key = tuple(lowered[:length])
            if len(key) == length and key in self._subcommands:
                return self._subcommands[key], tuple(words[length:])
        group = [s for s in self._subcommands.values() if lowered and s.words[0] == lowered[0]]
        if group:
            options = ", ".join(f"`{s.words[-1]}`" for s in group)
            typed = words[1] if len(words) > 1 else "(nothing)"
            raise CommandError(f"`{lowered[0]}` needs one of {options}; got `{typed}`", example=group[0].example)
        groups = sorted({s.words[0] for s in self._subcommands.values()})
        raise CommandError(f"unknown subcommand `{words[0]}`; known: {', '.join(groups)}", example="/loops help")


# -- argument helpers shared by the subcommands -----------------------------------------

_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,})$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")


def channel_arg(token: str, *, example: str) -> str:
    """A channel ID from `<#C123|name>` (how Slack sends a picked channel) or a raw ID."""
    match = _CHANNEL.match(token)
    if match:
        return match.group(1) or match.group(2)
    raise CommandError(
        f"`{token}` is not a channel; type # and pick the channel so Slack sends its ID", example=example
    )


def user_arg(token: str, *, example: str) -> str:
    """A user ID from `<@U123|name>` (how Slack sends a mention) or a raw ID."""
    match = _USER.match(token)
    if match:
        return match.group(1) or match.group(2)
    raise CommandError(f"`{token}` is not a person; type @ and pick them so Slack sends their ID", example=example)


def need(args: tuple[str, ...], count: int, *, what: str, example: str) -> None:
    if len(args) < count:
        raise CommandError(f"missing {what}", example=example)
