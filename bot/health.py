"""The health check (can we reach the database, how far behind is the outbox) and /metrics figures."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.context import AppContext
from bot.metrics import gauge
from models.db import new_session
from models.digest_run import count_digest_runs
from models.outbox import outbox_backlog, outbox_summary
from models.slack_event import probe_write

# How long the probe waits for this process's other writers before it calls the database busy, not broken.
PROBE_LOCK_SECONDS = 2.0


def check(ctx: AppContext) -> dict:
    """{"status", "database", "outbox"}; ``database`` names the error class when unreachable (never the URL)."""
    try:
        with ctx.session(read_only=True) as session:
            session.execute(text("SELECT 1"))
            pending, oldest_age = outbox_backlog(session=session, now=ctx.clock())
    except SQLAlchemyError as exc:
        return {"status": "unhealthy", "database": f"unreachable ({type(exc).__name__})"}
    outbox = {"pending": pending, "oldest_pending_age_seconds": oldest_age}
    writable = can_write(ctx.engine)
    if writable is False:
        return {
            "status": "unhealthy",
            "database": "read-only: cannot write (feedback would be refused)",
            "outbox": outbox,
        }
    return {"status": "ok", "database": "ok" if writable else "ok (busy: writes are queued)", "outbox": outbox}


def can_write(engine: Engine) -> bool | None:
    """Whether the database takes a write (rolled back at once); None when other writers kept it busy."""
    try:
        with new_session(engine, lock_timeout=PROBE_LOCK_SECONDS) as session:
            probe_write(session=session)
            session.rollback()
    except OperationalError as exc:
        if isinstance(exc.orig, TimeoutError):  # our own writers' queue, not the database, said no
            return None
        return False
    except SQLAlchemyError:
        return False
    return True


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
