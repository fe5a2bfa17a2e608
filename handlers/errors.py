"""The one place errors become answers: an ephemeral Slack message, modal field errors, or HTTP JSON.

Typed errors (bot.errors) carry a message meant for the person. Anything else is unexpected:
it is logged once with a short error id (ids and the error's type only, never payload text),
and the person gets a message with the same id, so a report can be matched to the log line.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.context import AppContext
from bot.errors import (
    BadRequest,
    ConfigError,
    InvalidFeedback,
    LoopkeeperError,
    LoopMovedElsewhere,
    NotAuthorized,
    NotFound,
    SlackUnavailable,
    database_unavailable,
)
from bot.intake.signatures import BadSignature
from bot.slack.limits import MODAL_ERROR

log = logging.getLogger(__name__)
RETRY_AFTER = 30  # seconds a sender is asked to wait when the database cannot take writes


class BodyTooLarge(LoopkeeperError):
    """The request body is over the endpoint's limit."""


def slack_text(exc: LoopkeeperError) -> str:
    """A typed error as the ephemeral answer a person sees, with a correct example when there is one."""
    if isinstance(exc, NotAuthorized):
        return f":lock: Sorry, {exc}"
    if isinstance(exc, LoopMovedElsewhere):
        return str(exc)  # not a mistake: the card the click came from was left behind
    text = f":warning: {exc}"
    example = getattr(exc, "example", None)
    return text + (f"\nFor example: `{example}`" if example else "")


def modal_errors(exc: LoopkeeperError, *, field: str, fields: tuple[str, ...] = ()) -> dict[str, Any]:
    """A typed error as the answer to a modal submission, under the field it names, else ``field`` (stays open)."""
    named = getattr(exc, "field", None)
    return {"response_action": "errors", "errors": {named if named in fields else field: str(exc)[:MODAL_ERROR]}}


_STATUS = {BodyTooLarge: 413, BadSignature: 401, InvalidFeedback: 422, ConfigError: 503, NotFound: 404, BadRequest: 400}


def http_error(exc: LoopkeeperError) -> JSONResponse:
    """``{"error": ...}`` (and ``field`` when one part is wrong) with the status that fits the error's type."""
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    if isinstance(exc, InvalidFeedback) and exc.where is None:
        status = 400  # the body as a whole is unreadable, not one field
    body = {"error": printable(str(exc))}
    if isinstance(exc, InvalidFeedback) and exc.where:
        body["field"] = exc.where
    return JSONResponse(body, status_code=status)


def printable(text: str) -> str:
    """Text safe to put in a JSON answer: invalid code points (lone surrogates) replaced."""
    return text.encode("utf-8", "replace").decode("utf-8")


def logged_error_id(error: BaseException, *, where: str) -> str:
    """Log an unexpected failure (its type and traceback, never payload text) under a new error id."""
    error_id = secrets.token_hex(4)
    log.error("unexpected error [error id %s] in %s: %s", error_id, where, type(error).__name__, exc_info=error)
    return error_id


def unexpected(error: BaseException, *, where: str) -> str:
    """Log an unexpected failure; returns what the person is told, with the log line's error id."""
    error_id = logged_error_id(error, where=where)
    if database_unavailable(error):
        return (
            f":warning: Loopkeeper's database is not taking changes right now, so nothing was changed. Please "
            f"try again in a minute (error id `{error_id}`)."
        )
    return (
        f":x: Sorry, something went wrong on our side (error id `{error_id}`). Please try again; if it keeps "
        "happening, tell your Loopkeeper admin the error id."
    )


def answering(respond: Callable[..., Any], work: Callable[[], None], *, where: str) -> Callable[[], None]:
    """``work`` made safe to run after the ack: any failure is answered privately through ``respond``."""

    def run() -> None:
        try:
            work()
        except LoopkeeperError as exc:
            respond(text=slack_text(exc), response_type="ephemeral", replace_original=False)
        except Exception as exc:  # the person gets an error id; the log line carries the same id
            respond(text=unexpected(exc, where=where), response_type="ephemeral", replace_original=False)

    return run


async def http_unexpected(request: Request, error: Exception) -> JSONResponse:
    """Any HTTP request that failed unexpectedly: a JSON 500 with the error id of the log line."""
    error_id = logged_error_id(error, where=f"HTTP {request.method}")
    if database_unavailable(error):  # nothing was stored: the sender should try again, as webhook senders do
        return JSONResponse(
            {"error": "the database cannot take writes right now; nothing was stored, try again", "error_id": error_id},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    return JSONResponse({"error": "something went wrong on our side", "error_id": error_id}, status_code=500)


def register(app: App, ctx: AppContext) -> None:
    @app.error
    def on_error(error: Exception, body: dict, respond: Any) -> BoltResponse | None:
        kind = str(body.get("type") or ("slash_command" if "command" in body else "request"))[:40]
        text = unexpected(error, where=kind)
        if "command" in body:  # answered in the HTTP response, as a command's ack would be
            return BoltResponse(
                status=200,
                body=json.dumps({"response_type": "ephemeral", "text": text}),
                headers={"content-type": ["application/json"]},
            )
        if kind == "view_submission":
            fields = [f for f in _dig(body, "view", "state", "values") or {} if isinstance(f, str)]
            if fields:
                return BoltResponse(
                    status=200,
                    body=json.dumps({"response_action": "errors", "errors": {fields[0]: text[:MODAL_ERROR]}}),
                    headers={"content-type": ["application/json"]},
                )
        if body.get("response_url"):
            ctx.after_ack.submit(lambda: respond(text=text, response_type="ephemeral", replace_original=False))
            return BoltResponse(status=200, body="")
        if database_unavailable(error) or isinstance(error, SlackUnavailable):
            return None  # a passing outage: answering 500 makes Slack deliver the event again later
        return BoltResponse(status=200, body="")  # the same event would fail the same way: no retry


def _dig(node: object, *keys: str) -> dict | None:
    """``node[k1][k2]…`` where each level is a dict, else None (error handling must not fail on odd payloads)."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None
