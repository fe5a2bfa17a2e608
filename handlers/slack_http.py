"""POST /slack/events: every Slack request (events, interactivity, commands) into Bolt."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.errors import LoopkeeperError
from bot.metrics import Metrics
from handlers.errors import http_error
from handlers.http_io import read_body

# Slack's own payloads stay far below this; a larger body is not from Slack.
MAX_BODY = 1024 * 1024


def routes(app: App, metrics: Metrics) -> list[Route]:
    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await read_body(request, limit=MAX_BODY)
        except LoopkeeperError as exc:
            return http_error(exc)
        # The sync Bolt app blocks (signature check, listeners until ack): keep it off the event loop.
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        metrics.ack_latency.observe(time.perf_counter() - started, request_kind(body))
        if bolt_response.status == 401:
            return JSONResponse({"error": "invalid or stale Slack signature"}, status_code=401)
        return to_starlette_response(bolt_response)

    return [Route("/slack/events", slack_events, methods=["POST"])]


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
