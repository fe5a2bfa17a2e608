"""GET /healthz (is the database reachable, are the workers running) and GET /metrics (Prometheus)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from bot import health
from bot.context import AppContext


def routes(ctx: AppContext, workers: Callable[[], dict[str, str]]) -> list[Route]:
    async def healthz(request: Request) -> JSONResponse:
        body = await run_in_threadpool(health.check, ctx)
        body["workers"] = workers()
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    async def metrics(request: Request) -> PlainTextResponse:
        body = await run_in_threadpool(health.metrics_text, ctx)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    return [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics, methods=["GET"])]
