"""Checks every Slack request passes before any listener runs: our workspace, and ids shaped as Slack's.

Loopkeeper is installed in one workspace (``auth.test`` says which). A validly signed request for any
other is refused before it can write a row or make us call Slack with our token; so is a payload whose
user, channel or team id is not shaped like one (``U0X> <!channel`` must never become an owner).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltResponse

from bot.context import AppContext
from bot.slack.ids import is_channel_id, is_team_id, is_user_id

log = logging.getLogger(__name__)
OTHER_WORKSPACE = "This Loopkeeper serves another Slack workspace; nothing was done."


def register(app: App, ctx: AppContext) -> None:
    @app.middleware
    def our_workspace_and_well_formed_ids(
        context: BoltContext, body: dict, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        problem = id_problem(context)
        if problem:
            return BoltResponse(
                status=400, body=json.dumps({"error": problem}), headers={"content-type": ["application/json"]}
            )
        if context.team_id and context.team_id != ctx.workspace_id:
            log.warning(
                "refused a request for workspace %s: this Loopkeeper serves %s", context.team_id, ctx.workspace_id
            )
            if "command" in body:
                return BoltResponse(
                    status=200,
                    body=json.dumps({"response_type": "ephemeral", "text": OTHER_WORKSPACE}),
                    headers={"content-type": ["application/json"]},
                )
            return BoltResponse(status=200, body="")  # acknowledged, so Slack does not retry it; nothing done
        return next()


def id_problem(context: BoltContext) -> str | None:
    """What is wrong with the request's user, channel or team id, if anything."""
    if context.user_id is not None and not is_user_id(context.user_id):
        return "the request's user id is not a Slack user id"
    if context.channel_id is not None and not is_channel_id(context.channel_id):
        return "the request's channel id is not a Slack channel id"
    if context.team_id is not None and not is_team_id(context.team_id):
        return "the request's team id is not a Slack workspace id"
    return None
