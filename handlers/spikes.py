"""The spike alert's door: Elevate as theme."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.context import AppContext
from bot.errors import BadRequest, LoopkeeperError
from bot.ids import SpikeAction
from bot.learning.spike_theme import elevate_spike
from bot.loops.changes import Actor
from bot.slack.ids import record_id
from handlers.errors import slack_text

NOT_AN_ALERT = "This button does not point at a spike alert; it may come from an old or edited message."


def register(app: App, ctx: AppContext) -> None:
    @app.action(SpikeAction.ELEVATE)
    def elevate_as_theme(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        actor = Actor(workspace_id=ctx.workspace_id, user_id=body["user"]["id"], via="button", now=ctx.clock())
        try:
            alert_id = record_id(action.get("value"))
            if alert_id is None:
                raise BadRequest(NOT_AN_ALERT)
            elevate_spike(ctx.engine, actor=actor, alert_id=alert_id)
        except LoopkeeperError as exc:
            text = slack_text(exc)
            ctx.after_ack.submit(lambda: respond(text=text, response_type="ephemeral", replace_original=False))
            return
        ctx.on_outbox_write()
