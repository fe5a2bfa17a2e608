"""Card controls: ack at once, then one lifecycle call; card updates go out via the outbox.

Buttons carry the loop id as their value; menus (assign, snooze) carry none, so
the actions block's id names the loop too (``loop_actions:<id>``).
"""

from __future__ import annotations

from typing import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.loops import lifecycle
from bot.context import AppContext
from bot.errors import LoopkeeperError, LoopNotFound
from bot.ids import CardAction, CardBlock, ModalId
from bot.loops.modals import modal_for

NOT_A_LOOP = "This control does not point at a loop; it may come from an old or edited message."


def loop_id_of(body: dict, action: dict) -> int | None:
    """The loop a click is about: the button's value, else the actions block's id."""
    value = str(action.get("value") or "")
    if not value:
        prefix, _, value = str(action.get("block_id", "")).partition(":")
        if prefix != CardBlock.ACTIONS:
            return None
    return int(value) if value.isdigit() else None


def register(app: App, ctx: AppContext) -> None:
    simple = {CardAction.ACKNOWLEDGE: lifecycle.acknowledge, CardAction.TAKE_OWNERSHIP: lifecycle.take_ownership,
              CardAction.REOPEN: lifecycle.reopen}
    for action_id, service in simple.items():
        app.action(action_id)(_listener(ctx, lambda session, args, body, action, service=service: service(
            session, **args)))
    app.action(CardAction.ASSIGN)(_listener(ctx, lambda session, args, body, action: lifecycle.assign(
        session, owner_id=action["selected_user"], **args)))
    snooze_now = _listener(ctx, lambda session, args, body, action: lifecycle.snooze(
        session, until=lifecycle.snooze_until(session, workspace_id=args["workspace_id"], loop_id=args["loop_id"],
                                              choice=action["selected_option"]["value"], now=args["now"]),
        **args))
    snooze_custom = _modal_opener(ctx, ModalId.SNOOZE)

    @app.action(CardAction.SNOOZE)
    def snooze(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        chosen = (action.get("selected_option") or {}).get("value")
        (snooze_custom if chosen == "custom" else snooze_now)(ack=ack, body=body, action=action, respond=respond,
                                                              client=client)
    app.action(CardAction.RESOLVE)(_modal_opener(ctx, ModalId.RESOLVE))
    app.action(CardAction.MOVE)(_modal_opener(ctx, ModalId.MOVE))


def _listener(ctx: AppContext, call: Callable):
    def listener(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient | None = None) -> None:
        ack()
        loop_id = loop_id_of(body, action)
        if loop_id is None:
            respond(text=NOT_A_LOOP, response_type="ephemeral", replace_original=False)
            return
        args = {"workspace_id": body["team"]["id"], "loop_id": loop_id, "user_id": body["user"]["id"],
                "via": "button", "now": ctx.clock()}
        clicked_in = (body.get("container") or {}).get("channel_id")
        try:
            with ctx.session() as session:
                moved_to = lifecycle.moved_elsewhere(session, workspace_id=args["workspace_id"], loop_id=loop_id,
                                                     channel_id=clicked_in)
                if moved_to:
                    respond(text=f"Loop #{loop_id} has moved to <#{moved_to}>; act on its card there.",
                            response_type="ephemeral", replace_original=False)
                    return
                call(session, args, body, action)
        except LoopkeeperError as exc:
            respond(text=f":warning: {exc}", response_type="ephemeral", replace_original=False)
            return
        ctx.on_outbox_write()

    return listener


def _modal_opener(ctx: AppContext, kind: ModalId):
    def listener(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        ack()
        try:
            with ctx.session(read_only=True) as session:
                view = modal_for(session, workspace_id=body["team"]["id"], loop_id=loop_id_of(body, action),
                                 kind=kind, now=ctx.clock())
        except LoopNotFound as exc:
            respond(text=str(exc), response_type="ephemeral", replace_original=False)
            return
        # trigger_id expires in 3 seconds: the modal opens now, not through the outbox.
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return listener
