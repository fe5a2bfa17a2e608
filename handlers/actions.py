"""Card buttons: ack at once, then one lifecycle call; the card update goes out via the outbox."""

from __future__ import annotations

from typing import Callable

from slack_bolt import Ack, App, Respond

from bot import lifecycle
from bot.context import AppContext
from bot.errors import LoopNotFound
from bot.ids import CardAction

SERVICES: dict[CardAction, Callable[..., lifecycle.ActionResult]] = {
    CardAction.ACKNOWLEDGE: lifecycle.acknowledge,
    CardAction.TAKE_OWNERSHIP: lifecycle.take_ownership,
    CardAction.RESOLVE: lifecycle.resolve,
}


def register(app: App, ctx: AppContext) -> None:
    for action_id, service in SERVICES.items():
        app.action(action_id)(_card_listener(ctx, service))


def _card_listener(ctx: AppContext, service: Callable[..., lifecycle.ActionResult]):
    def listener(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        value = str(action.get("value", ""))
        if not value.isdigit():
            respond(text="This button does not point at a loop; it may come from an old or edited message.",
                    response_type="ephemeral", replace_original=False)
            return
        try:
            with ctx.session() as session:
                service(session, workspace_id=body["team"]["id"], loop_id=int(value), user_id=body["user"]["id"],
                        via="button", now=ctx.clock())
        except LoopNotFound as exc:
            respond(text=str(exc), response_type="ephemeral", replace_original=False)
            return
        ctx.on_outbox_write()

    return listener
