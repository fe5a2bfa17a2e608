"""The outer loop's doors: Elevate and Customer told on loop cards, the theme card's buttons, and their forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.context import AppContext
from bot.errors import BadRequest, LoopkeeperError
from bot.ids import CardAction, ModalField, ModalId, ThemeAction
from bot.loops.changes import Actor
from bot.loops.modals import field_state, submitted, submitted_loop_id
from bot.slack.ids import record_id
from bot.themes.changes import Accept, Decline, Elevate, Merge, PlanFix, Ship, ThemeChange, Verify
from bot.themes.elevation import elevate
from bot.themes.modals import elevate_modal, theme_modal
from bot.themes.shipping import mark_told
from bot.themes.status import change_theme, needs_lead
from handlers.actions import loop_id_of
from handlers.errors import answering, modal_errors, slack_text

NOT_A_THEME = "This control does not point at a theme; it may come from an old or edited message."
ELEVATE_FIELDS = (ModalField.THEME, ModalField.NEW_THEME, ModalField.OWNER_TEAM, ModalField.IMPACT)


def register(app: App, ctx: AppContext) -> None:
    @app.action(CardAction.ELEVATE)
    def open_elevate(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        ack()

        def show() -> None:
            view = elevate_modal(ctx.engine, workspace_id=ctx.workspace_id, loop_id=loop_id_of(body, action))
            client.views_open(trigger_id=body["trigger_id"], view=view)

        ctx.after_ack.submit(answering(respond, show, where="opening the Elevate form"))

    @app.action(CardAction.CUSTOMER_TOLD)
    def customer_told(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        work = lambda: mark_told(ctx.engine, actor=_actor(ctx, body), loop_id=loop_id_of(body, action))  # noqa: E731
        _run(ctx, respond, work)

    for action_id, change in (
        (ThemeAction.ACCEPT, Accept()),
        (ThemeAction.SHIP, Ship()),
        (ThemeAction.VERIFY, Verify()),
    ):
        app.action(action_id)(_theme_button(ctx, change))
    for action_id, kind in (
        (ThemeAction.PLAN_FIX, ModalId.PLAN_FIX),
        (ThemeAction.DECLINE, ModalId.DECLINE),
        (ThemeAction.MERGE, ModalId.MERGE),
    ):
        app.action(action_id)(_theme_form(ctx, kind))
    register_forms(app, ctx)


def register_forms(app: App, ctx: AppContext) -> None:
    @app.view(ModalId.ELEVATE)
    def elevate_submitted(ack: Ack, body: dict, view: dict) -> None:
        change = Elevate(
            impact=submitted(view, ModalField.IMPACT) or "",
            theme_id=record_id(submitted(view, ModalField.THEME)),
            new_name=submitted(view, ModalField.NEW_THEME),
            owner_team=submitted(view, ModalField.OWNER_TEAM),
            note=submitted(view, ModalField.NOTE),
        )
        try:
            elevate(ctx.engine, actor=_actor(ctx, body, via="modal"), loop_id=submitted_loop_id(view), change=change)
        except LoopkeeperError as exc:
            ack(
                **modal_errors(
                    exc,
                    field=ModalField.THEME if ModalField.THEME in _fields(view) else ModalField.NEW_THEME,
                    fields=ELEVATE_FIELDS,
                )
            )
            return
        ack()
        ctx.on_outbox_write()

    forms: dict[ModalId, tuple[str, Callable[[dict], ThemeChange]]] = {
        ModalId.PLAN_FIX: (ModalField.FIX_DUE, lambda view: PlanFix(due=_picked_date(view))),
        ModalId.DECLINE: (ModalField.REASON, lambda view: Decline(reason=submitted(view, ModalField.REASON) or "")),
        ModalId.MERGE: (
            ModalField.MERGE_INTO,
            lambda view: Merge(into_theme_id=record_id(submitted(view, ModalField.MERGE_INTO)) or 0),
        ),
    }
    for callback, (field, change_of) in forms.items():
        app.view(callback)(_theme_form_submitted(ctx, field, change_of))


def _theme_form_submitted(ctx: AppContext, field: str, change_of: Callable[[dict], ThemeChange]) -> Callable[..., None]:
    def submitted_form(ack: Ack, body: dict, view: dict) -> None:
        change = change_of(view)
        actor = _actor(ctx, body, via="modal")
        try:
            theme_id = record_id(view.get("private_metadata"))
            if theme_id is None:
                raise BadRequest("this form does not belong to a theme")
            admin = needs_lead(change) and ctx.commands.is_admin(workspace_id=ctx.workspace_id, user_id=actor.user_id)
            change_theme(ctx.engine, actor=actor, theme_id=theme_id, change=change, is_admin=admin)
        except LoopkeeperError as exc:
            ack(**modal_errors(exc, field=field, fields=(field,)))
            return
        ack()
        ctx.on_outbox_write()

    return submitted_form


def _theme_button(ctx: AppContext, change: ThemeChange) -> Callable[..., None]:
    def clicked(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        actor = _actor(ctx, body)

        def work() -> object:
            admin = needs_lead(change) and ctx.commands.is_admin(workspace_id=ctx.workspace_id, user_id=actor.user_id)
            return change_theme(ctx.engine, actor=actor, theme_id=_theme_id(action), change=change, is_admin=admin)

        _run(ctx, respond, work)

    return clicked


def _theme_form(ctx: AppContext, kind: ModalId) -> Callable[..., None]:
    def clicked(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        ack()

        def show() -> None:
            view = theme_modal(
                ctx.engine,
                workspace_id=ctx.workspace_id,
                theme_id=_theme_id(action),
                kind=kind,
                today=ctx.clock().date(),
            )
            client.views_open(trigger_id=body["trigger_id"], view=view)

        ctx.after_ack.submit(answering(respond, show, where=f"opening {kind}"))

    return clicked


def _run(ctx: AppContext, respond: Respond, work: Callable[[], object]) -> None:
    """Do the change now (a short transaction); a refusal is answered privately after the ack."""
    try:
        work()
    except LoopkeeperError as exc:
        text = slack_text(exc)
        ctx.after_ack.submit(lambda: respond(text=text, response_type="ephemeral", replace_original=False))
        return
    ctx.on_outbox_write()


def _actor(ctx: AppContext, body: dict, *, via: str = "button") -> Actor:
    return Actor(workspace_id=ctx.workspace_id, user_id=body["user"]["id"], via=via, now=ctx.clock())


def _theme_id(action: dict) -> int:
    theme_id = record_id(action.get("value"))
    if theme_id is None:
        raise BadRequest(NOT_A_THEME)
    return theme_id


def _fields(view: dict) -> set[str]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return set(values) if isinstance(values, dict) else set()


def _picked_date(view: dict) -> date | None:
    picked = field_state(view, ModalField.FIX_DUE).get("selected_date")
    try:
        return date.fromisoformat(picked) if isinstance(picked, str) else None
    except ValueError:
        return None
