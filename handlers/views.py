"""Modal submissions: Resolve (with an outcome), Move to team (with a reason), Snooze until a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from slack_bolt import Ack, App

from bot.context import AppContext
from bot.errors import LoopkeeperError
from bot.ids import ModalField, ModalId
from bot.loops.changes import Actor, Change, MoveToTeam, Resolve, Snooze
from bot.loops.lifecycle import change_loop
from bot.loops.modals import submitted, submitted_loop_id, submitted_time
from bot.loops.outcomes import OUTCOMES
from bot.themes.modals import elevate_modal
from handlers.errors import modal_errors


def register(app: App, ctx: AppContext) -> None:
    @app.view(ModalId.RESOLVE)
    def resolve_submitted(ack: Ack, body: dict, view: dict) -> None:
        outcome = submitted(view, ModalField.OUTCOME)
        if outcome not in OUTCOMES:
            ack(response_action="errors", errors={ModalField.OUTCOME: "Choose what happened with the customer."})
            return
        change = Resolve(
            outcome=outcome,
            contact_method=submitted(view, ModalField.CONTACT),
            note=submitted(view, ModalField.NOTE),
            root_cause=submitted(view, ModalField.ROOT_CAUSE),
        )
        then = None
        if submitted(view, ModalField.ELEVATE):  # "needs a fix elsewhere": the Elevate form follows at once
            then = lambda loop_id: elevate_modal(ctx.engine, workspace_id=ctx.workspace_id, loop_id=loop_id)  # noqa: E731
        _submit(ctx, ack, body, view, change, field=ModalField.NOTE, then=then)

    @app.view(ModalId.MOVE)
    def move_submitted(ack: Ack, body: dict, view: dict) -> None:
        team = submitted(view, ModalField.TEAM)
        if not team:
            ack(response_action="errors", errors={ModalField.TEAM: "Choose the team that should own this."})
            return
        _submit(
            ctx,
            ack,
            body,
            view,
            MoveToTeam(team_name=team, reason=submitted(view, ModalField.REASON) or ""),
            field=ModalField.TEAM,
        )

    @app.view(ModalId.SNOOZE)
    def snooze_submitted(ack: Ack, body: dict, view: dict) -> None:
        picked = submitted_time(view, ModalField.UNTIL)
        if picked is None or picked <= ctx.clock().timestamp():
            ack(response_action="errors", errors={ModalField.UNTIL: "Pick a time in the future."})
            return
        _submit(ctx, ack, body, view, Snooze(until=datetime.fromtimestamp(picked, UTC)), field=ModalField.UNTIL)


def _submit(
    ctx: AppContext,
    ack: Ack,
    body: dict,
    view: dict,
    change: Change,
    *,
    field: str,
    then: Callable[[int], dict] | None = None,
) -> None:
    """Apply the form's change; a typed error is shown under its field (else ``field``) and the modal stays open.

    ``then`` turns the loop id into the next form, which replaces this one (Resolve → Elevate).
    """
    actor = Actor(workspace_id=ctx.workspace_id, user_id=body["user"]["id"], via="modal", now=ctx.clock())
    try:
        loop_id = submitted_loop_id(view)
        change_loop(ctx.engine, actor=actor, loop_id=loop_id, change=change)
        following = then(loop_id) if then is not None else None
    except LoopkeeperError as exc:
        ack(**modal_errors(exc, field=field, fields=(ModalField.OUTCOME, ModalField.ROOT_CAUSE, field)))
        return
    ack(response_action="update", view=following) if following is not None else ack()
    ctx.on_outbox_write()
