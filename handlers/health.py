"""GET /healthz: is the database reachable and are the workers running."""

from __future__ import annotations

from typing import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.context import AppContext
from models.outbox import outbox_backlog


def routes(ctx: AppContext, workers: Callable[[], dict[str, str]]) -> list[Route]:
    async def healthz(request: Request) -> JSONResponse:
        body = await run_in_threadpool(_check, ctx)
        body["workers"] = workers()
        return JSONResponse(body, status_code=200 if body["database"] == "ok" else 503)

    return [Route("/healthz", healthz, methods=["GET"])]


def _check(ctx: AppContext) -> dict:
    try:
        with ctx.session(read_only=True) as session:
            session.exec(text("SELECT 1"))
            pending, oldest_age = outbox_backlog(session=session, now=ctx.clock())
    except SQLAlchemyError as exc:
        return {"status": "unhealthy", "database": f"unreachable ({type(exc).__name__})"}
    return {"status": "ok", "database": "ok",
            "outbox": {"pending": pending, "oldest_pending_age_seconds": oldest_age}}
