"""The health check (can we reach the database, how far behind is the outbox) and /metrics figures."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.context import AppContext
from bot.metrics import gauge
from models.digest_run import count_digest_runs
from models.outbox import outbox_backlog, outbox_summary


def check(ctx: AppContext) -> dict:
    """{"status", "database", "outbox"}; ``database`` names the error class when unreachable (never the URL)."""
    try:
        with ctx.session(read_only=True) as session:
            session.execute(text("SELECT 1"))
            pending, oldest_age = outbox_backlog(session=session, now=ctx.clock())
    except SQLAlchemyError as exc:
        return {"status": "unhealthy", "database": f"unreachable ({type(exc).__name__})"}
    return {"status": "ok", "database": "ok", "outbox": {"pending": pending, "oldest_pending_age_seconds": oldest_age}}


def metrics_text(ctx: AppContext) -> str:
    """This process's counters plus the shared figures read from the database now."""
    gauges: list[str] = []
    try:
        with ctx.session(read_only=True) as session:
            states = outbox_summary(session=session)
            _, oldest = outbox_backlog(session=session, now=ctx.clock())
            runs = count_digest_runs(session=session)
        gauges += gauge(
            "loopkeeper_outbox_items",
            "Outbox items by state (pending is the backlog)",
            [({"state": state}, n) for state, n in sorted(states.items())],
        )
        gauges += gauge(
            "loopkeeper_outbox_oldest_pending_seconds", "Age of the oldest pending outbox item", [({}, oldest or 0.0)]
        )
        gauges += gauge(
            "loopkeeper_digest_runs",
            "Digests sent, by whether they went out late",
            [({"late": str(late).lower()}, n) for late, n in sorted(runs.items())],
        )
        gauges += gauge("loopkeeper_database_up", "1 when the database answered this scrape", [({}, 1)])
    except SQLAlchemyError:
        gauges += gauge("loopkeeper_database_up", "1 when the database answered this scrape", [({}, 0)])
    return ctx.metrics.render(gauges)
