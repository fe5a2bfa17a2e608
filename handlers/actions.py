"""Card controls: ack at once, then one lifecycle call; card updates go out via the outbox.

Buttons carry the loop id as their value; menus (assign, snooze) carry none, so
the actions block's id names the loop too (``loop_actions:<id>``). Anything said
back to the person (a refusal, a modal) goes out after the ack and after the commit.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.context import AppContext
from bot.errors import BadRequest, LoopkeeperError
from bot.ids import CardAction, CardBlock, ModalId
from bot.loops.changes import Acknowledge, Actor, Assign, Change, Join, Reopen, Snooze, TakeOwnership
from bot.loops.lifecycle import change_loop
from bot.loops.modals import modal_for
from bot.slack.ids import record_id
from handlers.errors import answering, slack_text

NOT_A_LOOP = "This control does not point at a loop; it may come from an old or edited message."


def loop_id_of(body: dict, action: dict) -> int:
    """The loop a click is about: the button's value, else the actions block's id."""
    value = str(action.get("value") or "")
    if not value:
        prefix, _, value = str(action.get("block_id", "")).partition(":")
        if prefix != CardBlock.ACTIONS:
            raise BadRequest(NOT_A_LOOP)
    loop_id = record_id(value)
    if loop_id is None:
        raise BadRequest(NOT_A_LOOP)
    return loop_id


def _assign(action: dict) -> Change:
    return Assign(owner_id=str(action.get("selected_user") or ""))


def _snooze(action: dict) -> Change:
    return Snooze(choice=str((action.get("selected_option") or {}).get("value") or ""))


CHANGES: dict[str, Callable[[dict], Change]] = {
    CardAction.ACKNOWLEDGE: lambda action: Acknowledge(),
    CardAction.TAKE_OWNERSHIP: lambda action: TakeOwnership(),
    CardAction.REOPEN: lambda action: Reopen(),
    CardAction.ASSIGN: _assign,
    CardAction.SNOOZE: _snooze,
}


def register(app: App, ctx: AppContext) -> None:
    for action_id in (CardAction.ACKNOWLEDGE, CardAction.TAKE_OWNERSHIP, CardAction.REOPEN, CardAction.ASSIGN):
        app.action(action_id)(_listener(ctx, CHANGES[action_id]))
    snooze_now, snooze_custom = _listener(ctx, _snooze), _modal_opener(ctx, ModalId.SNOOZE)

    @app.action(CardAction.SNOOZE)
    def snooze(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        custom = (action.get("selected_option") or {}).get("value") == "custom"
        (snooze_custom if custom else snooze_now)(ack=ack, body=body, action=action, respond=respond, client=client)

    app.action(CardAction.JOIN)(_joiner(ctx))
    app.action(CardAction.RESOLVE)(_modal_opener(ctx, ModalId.RESOLVE))
    app.action(CardAction.MOVE)(_modal_opener(ctx, ModalId.MOVE))


def _listener(ctx: AppContext, change_of: Callable[[dict], Change]) -> Callable[..., None]:
    def listener(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient | None = None) -> None:
        ack()
        container = body.get("container")
        clicked_in = container.get("channel_id") if isinstance(container, dict) else None
        actor = Actor(
            workspace_id=ctx.workspace_id,
            user_id=body["user"]["id"],
            via="button",
            now=ctx.clock(),
            clicked_in=clicked_in if isinstance(clicked_in, str) else None,
        )
        try:
            change_loop(ctx.engine, actor=actor, loop_id=loop_id_of(body, action), change=change_of(action))
        except LoopkeeperError as exc:
            text = slack_text(exc)
            ctx.after_ack.submit(lambda: respond(text=text, response_type="ephemeral", replace_original=False))
            return
        ctx.on_outbox_write()

    return listener


def _joiner(ctx: AppContext) -> Callable[..., None]:
    """**Join this loop**, from the owner's direct message (not the card's channel): why not, if it changed nothing."""

    def listener(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        actor = Actor(workspace_id=ctx.workspace_id, user_id=body["user"]["id"], via="button", now=ctx.clock())
        try:
            result = change_loop(ctx.engine, actor=actor, loop_id=loop_id_of(body, action), change=Join())
            text = result.notice or f":white_check_mark: You joined loop #{result.loop.id}: it is in your Home tab now."
        except LoopkeeperError as exc:
            text = slack_text(exc)
        else:
            ctx.on_outbox_write()
        ctx.after_ack.submit(lambda: respond(text=text, response_type="ephemeral", replace_original=False))

    return listener


def _modal_opener(ctx: AppContext, kind: ModalId) -> Callable[..., None]:
    def listener(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        ack()

        def open_modal() -> None:
            view = modal_for(
                ctx.engine,
                workspace_id=ctx.workspace_id,
                loop_id=loop_id_of(body, action),
                kind=kind,
                now=ctx.clock(),
            )
            client.views_open(trigger_id=body["trigger_id"], view=view)  # within trigger_id's 3 seconds

        ctx.after_ack.submit(answering(respond, open_modal, where=f"opening {kind}"))

    return listener
