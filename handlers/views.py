"""Modal submissions: Resolve (with an outcome) and Move to team (with a reason)."""

from __future__ import annotations

from datetime import datetime, timezone

from slack_bolt import Ack, App

from bot.loops import lifecycle
from bot.context import AppContext
from bot.errors import LoopkeeperError
from bot.ids import ModalField, ModalId
from bot.loops.modals import submitted, submitted_loop_id, submitted_time
from bot.loops.moves import move_to_team
from bot.loops.outcomes import OUTCOMES


def register(app: App, ctx: AppContext) -> None:
    register_snooze(app, ctx)

    @app.view(ModalId.RESOLVE)
    def resolve_submitted(ack: Ack, body: dict, view: dict) -> None:
        outcome = submitted(view, ModalField.OUTCOME)
        if outcome not in OUTCOMES:
            ack(response_action="errors", errors={ModalField.OUTCOME: "Choose what happened with the customer."})
            return
        _run(ctx, ack, body, view, lambda session, loop_id, user, now: lifecycle.resolve(
            session, workspace_id=body["team"]["id"], loop_id=loop_id, user_id=user, via="modal", now=now,
            outcome=outcome, contact_method=submitted(view, ModalField.CONTACT),
            note=submitted(view, ModalField.NOTE)), error_field=ModalField.NOTE)

    @app.view(ModalId.MOVE)
    def move_submitted(ack: Ack, body: dict, view: dict) -> None:
        team = submitted(view, ModalField.TEAM)
        if not team:
            ack(response_action="errors", errors={ModalField.TEAM: "Choose the team that should own this."})
            return
        _run(ctx, ack, body, view, lambda session, loop_id, user, now: move_to_team(
            session, workspace_id=body["team"]["id"], loop_id=loop_id, user_id=user, team_name=team,
            reason=submitted(view, ModalField.REASON) or "", via="modal", now=now), error_field=ModalField.TEAM)


def register_snooze(app: App, ctx: AppContext) -> None:
    @app.view(ModalId.SNOOZE)
    def snooze_submitted(ack: Ack, body: dict, view: dict) -> None:
        picked = submitted_time(view, ModalField.UNTIL)
        now = ctx.clock()
        if picked is None or picked <= now.timestamp():
            ack(response_action="errors", errors={ModalField.UNTIL: "Pick a time in the future."})
            return
        until = datetime.fromtimestamp(picked, timezone.utc)
        _run(ctx, ack, body, view, lambda session, loop_id, user, now: lifecycle.snooze(
            session, workspace_id=body["team"]["id"], loop_id=loop_id, user_id=user, until=until, via="modal",
            now=now), error_field=ModalField.UNTIL)


def _run(ctx: AppContext, ack: Ack, body: dict, view: dict, call, *, error_field: str) -> None:
    try:
        with ctx.session() as session:
            call(session, submitted_loop_id(view), body["user"]["id"], ctx.clock())
    except LoopkeeperError as exc:
        ack(response_action="errors", errors={error_field: str(exc)[:150]})
        return
    ack()
    ctx.on_outbox_write()
