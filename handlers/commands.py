"""The /loops slash command (and buttons that run a subcommand): one runner call, an ephemeral answer.

The command runs on another thread while the ack waits for it a little: a command that is done in
time is answered in the ack itself; one still waiting on a slow Slack is acknowledged at once and
answered through ``response_url`` when it finishes, so Slack's 3 seconds are never missed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from slack_bolt import Ack, App, Respond

from bot.context import AppContext
from bot.errors import LoopkeeperError
from bot.ids import DeliveryAction
from bot.slack.limits import MESSAGE_TEXT
from handlers.errors import slack_text, unexpected

# How long the ack waits for the command to finish before answering "working on it".
ACK_BUDGET_SECONDS = 1.5
WORKING = ":hourglass_flowing_sand: Working on it — Slack is slow to answer right now; the reply follows here."


def register(app: App, ctx: AppContext) -> None:
    @app.command("/loops")
    def loops(ack: Ack, command: dict, respond: Respond) -> None:
        run = _runner(
            ctx,
            workspace_id=command["team_id"],
            user_id=command["user_id"],
            channel_id=command["channel_id"],
            text=command.get("text", ""),
            via="slash_command",
        )
        answer(ctx.after_ack.submit(run), ack=ack, respond=respond)
        ctx.on_outbox_write()  # a command may have queued Slack writes (e.g. a digest)

    @app.action(DeliveryAction.RETRY)
    def retry_delivery(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        channel = body.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        run = _runner(
            ctx,
            workspace_id=ctx.workspace_id,
            user_id=body["user"]["id"],
            channel_id=channel_id if isinstance(channel_id, str) else "",
            text=f"deliveries retry {str(action.get('value') or '')[:20]}",
            via="button",
        )

        def answered(done: Future[dict]) -> None:
            _respond(respond, done.result())
            ctx.on_outbox_write()

        ctx.after_ack.submit(run).add_done_callback(answered)


def answer(future: Future[dict], *, ack: Ack, respond: Respond) -> None:
    """Ack with the reply if it is ready within the budget; otherwise ack now and respond when it is."""
    try:
        reply = future.result(timeout=ACK_BUDGET_SECONDS)
    except FutureTimeout:
        ack(text=WORKING, response_type="ephemeral")
        future.add_done_callback(lambda done: _respond(respond, done.result()))
        return
    ack(**reply, response_type="ephemeral")


def _runner(ctx: AppContext, **invocation: str) -> Callable[[], dict]:
    def run() -> dict:
        try:
            reply = ctx.commands.run(**invocation, now=ctx.clock())
        except LoopkeeperError as exc:
            reply = slack_text(exc)
        except Exception as exc:  # the person gets an error id; the log line carries the same id
            reply = unexpected(exc, where=f"/loops via {invocation['via']}")
        reply = reply if isinstance(reply, dict) else {"text": reply}
        return {**reply, "text": reply["text"][:MESSAGE_TEXT]}

    return run


def _respond(respond: Respond, reply: dict) -> None:
    respond(**reply, response_type="ephemeral", replace_original=False)
