"""POST /slack/events: every Slack request (events, interactivity, commands) into Bolt."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.errors import LoopkeeperError
from handlers.http_io import error_response, read_body

# Slack's own payloads stay far below this; a larger body is not from Slack.
MAX_BODY = 1024 * 1024


def routes(app: App) -> list[Route]:
    async def slack_events(request: Request) -> Response:
        try:
            body = await read_body(request, limit=MAX_BODY)
        except LoopkeeperError as exc:
            return error_response(exc)
        # The sync Bolt app blocks (signature check, listeners until ack): keep it off the event loop.
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        if bolt_response.status == 401:
            return JSONResponse({"error": "invalid or stale Slack signature"}, status_code=401)
        return to_starlette_response(bolt_response)

    return [Route("/slack/events", slack_events, methods=["POST"])]
