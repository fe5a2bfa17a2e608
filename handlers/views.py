"""Modal submissions: Resolve (with an outcome), Move to team (with a reason), Snooze until a time."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import Ack, App

from bot.context import AppContext
from bot.errors import LoopkeeperError
from bot.ids import ModalField, ModalId
from bot.loops.changes import Actor, Change, MoveToTeam, Resolve, Snooze
from bot.loops.lifecycle import change_loop
from bot.loops.modals import submitted, submitted_loop_id, submitted_time
from bot.loops.outcomes import OUTCOMES
from handlers.errors import modal_errors


def register(app: App, ctx: AppContext) -> None:
    @app.view(ModalId.RESOLVE)
    def resolve_submitted(ack: Ack, body: dict, view: dict) -> None:
        outcome = submitted(view, ModalField.OUTCOME)
        if outcome not in OUTCOMES:
            ack(response_action="errors", errors={ModalField.OUTCOME: "Choose what happened with the customer."})
            return
        _submit(
            ctx,
            ack,
            body,
            view,
            Resolve(
                outcome=outcome,
                contact_method=submitted(view, ModalField.CONTACT),
                note=submitted(view, ModalField.NOTE),
            ),
            field=ModalField.NOTE,
        )

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


def _submit(ctx: AppContext, ack: Ack, body: dict, view: dict, change: Change, *, field: str) -> None:
    """Apply the form's change; a typed error is shown under ``field`` and the modal stays open."""
    actor = Actor(workspace_id=ctx.workspace_id, user_id=body["user"]["id"], via="modal", now=ctx.clock())
    try:
        change_loop(ctx.engine, actor=actor, loop_id=submitted_loop_id(view), change=change)
    except LoopkeeperError as exc:
        ack(**modal_errors(exc, field=field))
        return
    ack()
    ctx.on_outbox_write()
