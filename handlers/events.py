"""Events API: the App Home, and alerts posted in intake channels.

Each event is processed once: its event_id is recorded in the same transaction
as the work it causes, so Slack's retries (X-Slack-Retry-Num) of a handled event
do nothing, across processes, while a retry of a failed one is processed.
"""

from __future__ import annotations

import re
from typing import TypeGuard

from slack_bolt import App

from bot.context import AppContext
from bot.intake.slack_channels import ingest_channel_message
from bot.loops.home import publish_home
from bot.slack.ids import is_user_id

# Slack's event ids (Ev0123ABCD); kept per event to process each once.
_EVENT_ID = re.compile(r"^Ev[A-Za-z0-9_-]{1,62}$")


def register(app: App, ctx: AppContext) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict) -> None:
        event_id, user = body.get("event_id"), event.get("user")
        if event.get("tab") not in (None, "home") or not _is_event_id(event_id) or not is_user_id(user):
            return  # not a Home tab we can draw (or not an event Slack would send)
        if publish_home(ctx.engine, workspace_id=ctx.workspace_id, user_id=user, event_id=event_id):
            ctx.on_outbox_write()

    @app.event("message")
    def channel_message(event: dict, body: dict) -> None:
        event_id = body.get("event_id")
        if not _is_event_id(event_id):
            return
        result = ingest_channel_message(
            ctx.engine,
            workspace_id=ctx.workspace_id,
            event_id=event_id,
            event=event,
            own_ids=ctx.own_ids,
            policy=ctx.intake_policy(via="slack"),
            now=ctx.clock(),
        )
        if result is not None and not result.duplicate:
            ctx.on_outbox_write()


def _is_event_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_EVENT_ID.match(value))
