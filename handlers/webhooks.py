"""POST /webhooks/<source>: signed feedback intake from each supported tool."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.context import AppContext
from bot.errors import LoopkeeperError
from bot.feedback import FeedbackIn
from bot.intake.ingest import IngestResult, ingest_together
from bot.intake.payload import IgnoredEvent
from bot.intake.sources import all_sources, options_for
from handlers.errors import http_error, printable
from handlers.http_io import read_body

MAX_BODY = 64 * 1024


def routes(ctx: AppContext) -> list[Route]:
    async def webhook(request: Request) -> JSONResponse:
        name = request.path_params["source"]
        source = all_sources().get(name)
        if source is None:
            return JSONResponse(
                {"error": f"unknown source {name!r}; known sources: {', '.join(all_sources())}"}, status_code=404
            )
        secret = ctx.settings.secret(source.secret_setting)
        if secret is None:
            return JSONResponse(
                {
                    "error": f"the {name} webhook is not configured: set {source.secret_setting} "
                    "to the signing secret from the tool's webhook settings"
                },
                status_code=503,
            )
        try:
            body = await read_body(request, limit=MAX_BODY)
            source.verify(secret, request.headers, body, time.time())
            options = await run_in_threadpool(
                lambda: options_for(ctx.engine, workspace_id=ctx.workspace_id, source=name)
            )
            feedback = source.normalize(body, options)
        except IgnoredEvent as exc:
            ctx.metrics.alerts.inc(name, "ignored")
            return JSONResponse({"ignored": printable(str(exc))}, status_code=200)
        except LoopkeeperError as exc:
            ctx.metrics.alerts.inc(name, "rejected")
            return http_error(exc)
        result = await asyncio.wrap_future(_store(ctx, feedback))
        ctx.metrics.alerts.inc(name, result.outcome)
        return JSONResponse(
            {
                "feedback_id": result.feedback_id,
                "loop_id": result.loop_id,
                "loop_ids": list(result.loop_ids),
                "duplicate": result.duplicate,
                "outcome": result.outcome,
            },
            status_code=202 if result.is_new else 200,
        )

    return [Route("/webhooks/{source}", webhook, methods=["POST"])]


def _store(ctx: AppContext, feedback: FeedbackIn) -> Future[IngestResult]:
    """Stored with the webhooks arriving at the same moment, in one transaction (the worker is woken on commit)."""
    assert ctx.intake_writes is not None
    return ingest_together(
        ctx.intake_writes,
        workspace_id=ctx.workspace_id,
        feedback=feedback,
        policy=ctx.intake_policy(),
        now=ctx.clock(),
    )
