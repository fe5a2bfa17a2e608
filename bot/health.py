"""The health check: can we reach the database, and how far behind is the outbox."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.context import AppContext
from models.outbox import outbox_backlog


def check(ctx: AppContext) -> dict:
    """{"status", "database", "outbox"}; ``database`` names the error class when unreachable (never the URL)."""
    try:
        with ctx.session(read_only=True) as session:
            session.exec(text("SELECT 1"))
            pending, oldest_age = outbox_backlog(session=session, now=ctx.clock())
    except SQLAlchemyError as exc:
        return {"status": "unhealthy", "database": f"unreachable ({type(exc).__name__})"}
    return {"status": "ok", "database": "ok",
            "outbox": {"pending": pending, "oldest_pending_age_seconds": oldest_age}}
