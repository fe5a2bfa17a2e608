"""Events API: dedupe Slack's retries across processes, and keep the App Home current."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse

from bot.context import AppContext
from bot.home import render_home
from bot.outbox import enqueue_home_view
from models.slack_event import claim_slack_event

log = logging.getLogger(__name__)


def register(app: App, ctx: AppContext) -> None:
    @app.middleware
    def process_each_event_once(body: dict, next) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id is None:
            return next()
        with ctx.session() as session:
            first = claim_slack_event(session=session, workspace_id=body.get("team_id", ""), event_id=event_id)
            session.commit()
        if not first:
            log.info("Slack event %s already processed; acknowledging the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict) -> None:
        if event.get("tab") not in (None, "home"):
            return
        with ctx.session() as session:
            view = render_home(session, workspace_id=body["team_id"])
            enqueue_home_view(session, workspace_id=body["team_id"], user_id=event["user"], view=view)
            session.commit()
        ctx.on_outbox_write()
