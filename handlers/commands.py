"""The /loops slash command (and buttons that run a subcommand): one transaction, an ephemeral answer."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.admin.catalog import build_registry
from bot.admin.registry import Invocation
from bot.context import AppContext
from bot.errors import CommandError, NotAuthorized
from bot.ids import DeliveryAction

# Slack shows at most 3,000 characters in a text ack's section; longer answers are cut there.
MAX_ANSWER = 39_000


def register(app: App, ctx: AppContext) -> None:
    registry = build_registry()

    @app.command("/loops")
    def loops(ack: Ack, command: dict) -> None:
        reply = _run(ctx, registry, workspace_id=command["team_id"], user_id=command["user_id"],
                     channel_id=command["channel_id"], text=command.get("text", ""), via="slash_command")
        ack(**reply, response_type="ephemeral")
        ctx.on_outbox_write()  # a command may have queued Slack writes (e.g. a digest)

    @app.action(DeliveryAction.RETRY)
    def retry_delivery(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        reply = _run(ctx, registry, workspace_id=body["team"]["id"], user_id=body["user"]["id"],
                     channel_id=(body.get("channel") or {}).get("id", ""), text=f"deliveries retry {action['value']}",
                     via="button")
        respond(**reply, response_type="ephemeral", replace_original=False)
        ctx.on_outbox_write()


def _run(ctx: AppContext, registry, *, workspace_id: str, user_id: str, channel_id: str, text: str,
         via: str) -> dict:
    """Run a subcommand in one transaction; the reply as ``text`` (and ``blocks``) for Slack."""
    with ctx.session() as session:
        invocation = Invocation(session=session, workspace_id=workspace_id, user_id=user_id, channel_id=channel_id,
                                args=(), now=ctx.clock(), directory=ctx.directory, env_admins=ctx.settings.admins,
                                default_channel=ctx.settings.default_channel, via=via)
        try:
            reply = registry.run(invocation, text)
        except NotAuthorized as exc:
            session.rollback()
            reply = f":lock: Sorry, {exc}"
        except CommandError as exc:
            session.rollback()
            reply = f":warning: {exc}" + (f"\nFor example: `{exc.example}`" if exc.example else "")
    reply = reply if isinstance(reply, dict) else {"text": reply}
    return {**reply, "text": reply["text"][:MAX_ANSWER]}
