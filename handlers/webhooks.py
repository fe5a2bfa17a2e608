"""POST /webhooks/<source>: signed feedback intake."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.context import AppContext
from bot.errors import LoopkeeperError
from bot.intake import generic
from bot.intake.ingest import ingest
from bot.intake.signatures import verify_generic
from handlers.http_io import error_response, read_body

MAX_BODY = 64 * 1024


def routes(ctx: AppContext) -> list[Route]:
    async def generic_webhook(request: Request) -> JSONResponse:
        try:
            body = await read_body(request, limit=MAX_BODY)
            verify_generic(ctx.settings.webhook_secret, signature=request.headers.get("x-loopkeeper-signature"),
                           timestamp=request.headers.get("x-loopkeeper-timestamp"), body=body)
            feedback = generic.normalize(body)
        except LoopkeeperError as exc:
            return error_response(exc)
        result = await run_in_threadpool(_store, ctx, feedback)
        return JSONResponse(
            {"feedback_id": result.feedback_id, "loop_id": result.loop_id, "loop_ids": list(result.loop_ids),
             "duplicate": result.duplicate},
            status_code=200 if result.duplicate else 202,
        )

    return [Route("/webhooks/generic", generic_webhook, methods=["POST"])]


def _store(ctx: AppContext, feedback):
    with ctx.session() as session:
        result = ingest(session, workspace_id=ctx.workspace_id, feedback=feedback,
                        default_channel=ctx.settings.default_channel, now=ctx.clock())
    if not result.duplicate:
        ctx.on_outbox_write()
    return result
