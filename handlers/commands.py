"""The /loops slash command: parse and run in one transaction, answer ephemerally in the ack."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.commands.catalog import build_registry
from bot.commands.registry import Invocation
from bot.context import AppContext
from bot.errors import CommandError, NotAuthorized

# Slack shows at most 3,000 characters in a text ack's section; longer answers are cut there.
MAX_ANSWER = 39_000


def register(app: App, ctx: AppContext) -> None:
    registry = build_registry()

    @app.command("/loops")
    def loops(ack: Ack, command: dict) -> None:
        with ctx.session() as session:
            invocation = Invocation(session=session, workspace_id=command["team_id"], user_id=command["user_id"],
                                    channel_id=command["channel_id"], args=(), now=ctx.clock(),
                                    directory=ctx.directory, env_admins=ctx.settings.admins,
                                    default_channel=ctx.settings.default_channel)
            try:
                text = registry.run(invocation, command.get("text", ""))
            except NotAuthorized as exc:
                session.rollback()
                text = f":lock: Sorry, {exc}"
            except CommandError as exc:
                session.rollback()
                text = f":warning: {exc}" + (f"\nFor example: `{exc.example}`" if exc.example else "")
        ack(text=text[:MAX_ANSWER], response_type="ephemeral")
        ctx.on_outbox_write()  # a command may have queued Slack writes (e.g. a digest)
