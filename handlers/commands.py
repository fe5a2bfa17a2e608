"""The /loops slash command: ack with the answer, ephemerally."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.commands import CommandRegistry
from bot.context import AppContext
from bot.errors import CommandError


def register(app: App, ctx: AppContext, registry: CommandRegistry | None = None) -> None:
    registry = registry or CommandRegistry()

    @app.command("/loops")
    def loops(ack: Ack, command: dict) -> None:
        try:
            text = registry.run(workspace_id=command["team_id"], user_id=command["user_id"],
                                channel_id=command["channel_id"], text=command.get("text", ""))
        except CommandError as exc:
            text = f":warning: {exc}" + (f"\nFor example: `{exc.example}`" if exc.example else "")
        ack(text=text, response_type="ephemeral")
