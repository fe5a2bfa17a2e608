"""POST /slack/events: every Slack request (events, interactivity, commands) into Bolt."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.errors import BadRequest, LoopkeeperError
from bot.intake.signatures import BadSignature
from bot.metrics import Metrics
from handlers.errors import http_error
from handlers.http_io import read_body
from handlers.slack_bodies import body_problem

# Slack's own payloads stay far below this; a larger body is not from Slack.
MAX_BODY = 1024 * 1024


def routes(app: App, metrics: Metrics, *, signing_secret: str) -> list[Route]:
    verifier = SignatureVerifier(signing_secret)

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await read_body(request, limit=MAX_BODY)
            _check(verifier, request.headers, body)
        except LoopkeeperError as exc:
            return http_error(exc)  # nothing of an unverified request is logged, or parsed
        # The sync Bolt app blocks (signature check, listeners until ack): keep it off the event loop.
        try:
            bolt_request = to_bolt_request(request, body)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            # Bolt reads the ids it needs from the body as it builds the request: a body it cannot read
            # them from (a list where Slack sends an object, say) is not one Slack sent.
            return http_error(BadRequest("the body is not shaped as Slack sends it"))
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        metrics.ack_latency.observe(time.perf_counter() - started, request_kind(body))
        return to_starlette_response(bolt_response)

    return [Route("/slack/events", slack_events, methods=["POST"])]


def _check(verifier: SignatureVerifier, headers: Mapping[str, str], body: bytes) -> None:
    """Signed by Slack within 5 minutes, and shaped as Slack sends it; else a typed error (401 or 400)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text, so it is not from Slack") from None
    timestamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature")
    if not (timestamp.isascii() and timestamp.isdigit()) or not verifier.is_valid(text, timestamp, signature):
        raise BadSignature("invalid or stale Slack signature")
    problem = body_problem(text)
    if problem:
        raise BadRequest(problem)


def request_kind(raw: bytes) -> str:
    """block_actions, view_submission, slash_command, event… (a label for the latency histogram)."""
    body = raw.decode("utf-8", "replace")
    if body.startswith("{"):
        return "event"
    form = parse_qs(body)
    if "command" in form:
        return "slash_command"
    match = _TYPE.search(form.get("payload", [""])[0][:2000])
    return match.group(1) if match else "other"


_TYPE = re.compile(
    r'"type"\s*:\s*"(block_actions|view_submission|view_closed|shortcut|message_action|'
    r'block_suggestion)"'
)
