"""Events API: the App Home, and alerts posted in intake channels.

Each event is processed once: its event_id is recorded in the same transaction
as the work it causes, so Slack's retries (X-Slack-Retry-Num) of a handled event
do nothing, across processes, while a retry of a failed one is processed.
"""

from __future__ import annotations

from slack_bolt import App

from bot.context import AppContext
from bot.intake.slack_channels import ingest_channel_message
from bot.loops.home import publish_home


def register(app: App, ctx: AppContext) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict) -> None:
        if event.get("tab") not in (None, "home"):
            return
        published = publish_home(
            ctx.engine, workspace_id=body["team_id"], user_id=event["user"], event_id=body["event_id"]
        )
        if published:
            ctx.on_outbox_write()

    @app.event("message")
    def channel_message(event: dict, body: dict) -> None:
        result = ingest_channel_message(
            ctx.engine,
            workspace_id=body["team_id"],
            event_id=body["event_id"],
            event=event,
            own_ids=ctx.own_ids,
            policy=ctx.intake_policy(via="slack"),
            now=ctx.clock(),
        )
        if result is not None and not result.duplicate:
            ctx.on_outbox_write()
