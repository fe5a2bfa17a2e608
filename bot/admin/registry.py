"""Subcommands of /loops: declared once (words, usage, help, example, admin-only), parsed purely."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlmodel import Session

from bot.admin.audit import record_change
from bot.errors import CommandError, NotAuthorized
from bot.delivery.slack_directory import SlackDirectory
from models.admin import get_admin

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass
class Invocation:
    """Who ran a command, where, with which words, and what it may touch."""

    session: Session
    workspace_id: str
    user_id: str
    channel_id: str
    args: tuple[str, ...]
    now: datetime
    directory: SlackDirectory
    env_admins: tuple[str, ...] = ()
    default_channel: str | None = None
    via: str = "slash_command"
    # Filled in for `help`: the registry itself.
    registry: "CommandRegistry | None" = field(default=None, repr=False)

    def audit(self, action: str, target: str, before: object, after: object) -> None:
        """Record this person's change in the audit trail, in the command's transaction."""
        record_change(self.session, workspace_id=self.workspace_id, actor=self.user_id, via=self.via,
                      action=action, target=target, before=before, after=after, at=self.now)


@dataclass(frozen=True)
class Subcommand:
    words: tuple[str, ...]
    usage: str
    summary: str
    example: str
    run: Callable[[Invocation], str]
    admin: bool = False
    topic: str = ""

    @property
    def name(self) -> str:
        return " ".join(self.words)


def tokenize(text: str) -> list[str]:
    """Split command text like a shell (quotes keep values together; Slack's smart quotes count too)."""
    try:
        return shlex.split((text or "").translate(_SMART_QUOTES))
    except ValueError as exc:
        raise CommandError(f"cannot read the command: {exc} (check your quotes)",
                           example='/loops playbook add refunds comment=~refund do "Call them" within 4h') from None


def is_admin(invocation: Invocation) -> bool:
    """LOOPKEEPER_ADMINS, admins added with `admin add`, and Slack workspace admins/owners."""
    if invocation.user_id in invocation.env_admins:
        return True
    if get_admin(session=invocation.session, workspace_id=invocation.workspace_id, user_id=invocation.user_id):
        return True
    return invocation.directory.is_workspace_admin(invocation.user_id)


class CommandRegistry:
    """Subcommands by their words; the longest matching prefix of the typed words wins."""

    def __init__(self, subcommands: list[Subcommand] = ()) -> None:
        self._subcommands: dict[tuple[str, ...], Subcommand] = {}
        for subcommand in subcommands:
            self.add(subcommand)

    def add(self, subcommand: Subcommand) -> None:
        self._subcommands[subcommand.words] = subcommand

    @property
    def subcommands(self) -> list[Subcommand]:
        return list(self._subcommands.values())

    def resolve(self, words: list[str]) -> tuple[Subcommand, tuple[str, ...]]:
        lowered = [w.lower() for w in words]
        for length in (2, 1):
            key = tuple(lowered[:length])
            if len(key) == length and key in self._subcommands:
                return self._subcommands[key], tuple(words[length:])
        group = [s for s in self._subcommands.values() if lowered and s.words[0] == lowered[0]]
        if group:
            options = ", ".join(f"`{s.words[-1]}`" for s in group)
            typed = words[1] if len(words) > 1 else "(nothing)"
            raise CommandError(f"`{lowered[0]}` needs one of {options}; got `{typed}`",
                               example=group[0].example)
        groups = sorted({s.words[0] for s in self._subcommands.values()})
        raise CommandError(f"unknown subcommand `{words[0]}`; known: {', '.join(groups)}", example="/loops help")

    def run(self, invocation: Invocation, text: str) -> str:
        """Run ``text``; raises CommandError (with an example) or NotAuthorized, changing nothing."""
        words = tokenize(text) or ["help"]
        subcommand, args = self.resolve(words)
        invocation.args, invocation.registry = args, self
        if subcommand.admin and not is_admin(invocation):
            raise NotAuthorized(f"only Loopkeeper admins can run `/loops {subcommand.name}`. "
                                "`/loops admin list` shows who they are; any of them can add you.")
        return subcommand.run(invocation)


# -- argument helpers shared by the subcommands -----------------------------------------

_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,})$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")


def channel_arg(token: str, *, example: str) -> str:
    """A channel ID from `<#C123|name>` (how Slack sends a picked channel) or a raw ID."""
    match = _CHANNEL.match(token)
    if match:
        return match.group(1) or match.group(2)
    raise CommandError(f"`{token}` is not a channel; type # and pick the channel so Slack sends its ID",
                       example=example)


def user_arg(token: str, *, example: str) -> str:
    """A user ID from `<@U123|name>` (how Slack sends a mention) or a raw ID."""
    match = _USER.match(token)
    if match:
        return match.group(1) or match.group(2)
    raise CommandError(f"`{token}` is not a person; type @ and pick them so Slack sends their ID", example=example)


def need(args: tuple[str, ...], count: int, *, what: str, example: str) -> None:
    if len(args) < count:
        raise CommandError(f"missing {what}", example=example)
