"""The /loops slash command: a pure parser and the subcommands, each with its help declared once."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Callable

from bot.errors import CommandError


@dataclass(frozen=True)
class Invocation:
    """Who ran a command, where, and with which words."""

    workspace_id: str
    user_id: str
    channel_id: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    run: Callable[[Invocation], str]


def tokenize(text: str) -> list[str]:
    """Split command text like a shell, so quoted values stay together."""
    try:
        return shlex.split(text or "")
    except ValueError as exc:
        raise CommandError(f"cannot read the command: {exc} (check your quotes)",
                           example='/loops help') from None


class CommandRegistry:
    """Subcommands by name; help text is generated from their declarations."""

    def __init__(self) -> None:
        self._subcommands: dict[str, Subcommand] = {}
        self.add(Subcommand("help", "/loops help [topic]", "What you can do with /loops", self._help))

    def add(self, subcommand: Subcommand) -> None:
        self._subcommands[subcommand.name] = subcommand

    def run(self, *, workspace_id: str, user_id: str, channel_id: str, text: str) -> str:
        """Run the command ``text``; raises CommandError with an example when it cannot."""
        words = tokenize(text)
        name = words[0].lower() if words else "help"
        subcommand = self._subcommands.get(name)
        if subcommand is None:
            known = ", ".join(sorted(self._subcommands))
            raise CommandError(f"unknown subcommand `{words[0]}`; known: {known}", example="/loops help")
        return subcommand.run(Invocation(workspace_id, user_id, channel_id, tuple(words[1:])))

    def _help(self, invocation: Invocation) -> str:
        if invocation.args:
            topic = self._subcommands.get(invocation.args[0].lower())
            if topic is None:
                raise CommandError(f"no help on `{invocation.args[0]}`", example="/loops help")
            return f"*{topic.usage}*\n{topic.summary}"
        lines = ["*Loopkeeper* closes the loop on customer feedback. Commands:"]
        lines += [f"• `{s.usage}` — {s.summary}" for s in self._subcommands.values()]
        lines.append("Cards in your team channel have buttons to acknowledge, take ownership and resolve.")
        return "\n".join(lines)
