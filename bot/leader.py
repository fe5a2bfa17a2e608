"""One scheduling leader: on PostgreSQL a session advisory lock, with takeover when the leader dies.

APScheduler 3 keeps its jobs in-process and cannot share a job store, so only the
process holding the lock runs the scheduler. The lock lives on a dedicated
connection: if the leader's process dies, PostgreSQL releases it and a follower,
polling, takes over. SQLite is a single-process database: its one process leads.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
LOCK_KEY = 0x4C6F6F70  # "Loop"


class Leadership:
    """Calls ``on_elected`` once this process becomes the leader (at once on SQLite)."""

    def __init__(self, engine: Engine, on_elected: Callable[[], None], *, poll_seconds: float = 5.0):
        self.engine = engine
        self.on_elected = on_elected
        self.poll_seconds = poll_seconds
        self.is_leader = False
        self._connection: Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.engine.dialect.name != "postgresql":
            self._become_leader()
            return
        self._thread = threading.Thread(target=self._campaign, name="loopkeeper-leader", daemon=True)
        self._thread.start()

    def _campaign(self) -> None:
        while not self._stop.is_set() and not self.is_leader:
            try:
                if self._try_lock():
                    self._become_leader()
                    return
            except SQLAlchemyError:
                log.warning("leader election: database unavailable; retrying")
                self._release_connection()
            self._stop.wait(self.poll_seconds)

    def _try_lock(self) -> bool:
        if self._connection is None:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            # Out of the pool: closing a pooled connection only hands it back, and its session (with the
            # lock) would live on; a detached one is really closed, which is what releases the lock.
            connection.detach()
            self._connection = connection
        return bool(self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())

    def _become_leader(self) -> None:
        self.is_leader = True
        log.info("this process leads scheduling")
        self.on_elected()

    def _release_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):  # a dead connection has released the lock already
                self._connection.close()  # closing the session releases the advisory lock
            self._connection = None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._release_connection()
        self.is_leader = False


def leader_lock_held(engine: Engine) -> bool:
    """Whether some process on this PostgreSQL database holds the leader lock (looked up, never taken).

    pg_locks shows a bigint advisory key as its high half (``classid``), its low half (``objid``) and
    ``objsubid`` 1. Looking instead of trying the lock means a follower that campaigns meanwhile never loses.
    """
    query = text(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND classid = :high AND objid = :low AND objsubid = 1)"
    )
    with engine.connect() as connection:
        return bool(connection.execute(query, {"high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF}).scalar())
