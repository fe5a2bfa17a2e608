"""Engines, sessions and migrations for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    # hide_parameters: a failed statement's error (and so the log) never carries its values: customer text, emails.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"connect_timeout": 5},
        hide_parameters=True,
    )


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and as DEFERRED, which lets two writers
    # both read and then fail to upgrade their lock; take the write lock up front.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # Writers of this process queue on a Python lock before asking SQLite for its write lock. Otherwise
    # each waiting thread sits in SQLite's busy handler, which polls with sleeps of up to 100 ms: under
    # concurrent webhooks throughput collapses to a few dozen a second although each write takes ~1 ms.
    # The lock goes with the connection until it is returned to the pool (after its COMMIT or ROLLBACK).
    writers = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        if not connection.info.get(_HOLDS_WRITE_LOCK):
            wait = connection.get_execution_options().get(LOCK_TIMEOUT, BUSY_TIMEOUT_SECONDS)
            if not writers.acquire(timeout=wait):  # as SQLite's own busy timeout would
                raise OperationalError(
                    "BEGIN IMMEDIATE",
                    None,
                    TimeoutError(f"database is locked (another writer held it {BUSY_TIMEOUT_SECONDS}s)"),
                )
            connection.info[_HOLDS_WRITE_LOCK] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record.info.pop(_HOLDS_WRITE_LOCK, False):
            writers.release()


_HOLDS_WRITE_LOCK = "loopkeeper_holds_write_lock"
BUSY_TIMEOUT_SECONDS = 30


READ_ONLY = "loopkeeper_read_only"
LOCK_TIMEOUT = "loopkeeper_lock_timeout"  # seconds a writer waits for this process's write lock on SQLite


def new_session(engine: Engine, *, read_only: bool = False, lock_timeout: float | None = None) -> Session:
    """A session that keeps loaded attributes readable after commit.

    On SQLite a session takes the write lock when its transaction starts, so
    read-modify-write never fails halfway; ``read_only`` sessions skip that and
    never block writers (WAL lets readers and one writer work side by side).
    """
    options: dict[str, object] = {READ_ONLY: True} if read_only else {}
    if lock_timeout is not None:
        options[LOCK_TIMEOUT] = lock_timeout
    return Session(engine.execution_options(**options) if options else engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A write session that commits when the block ends normally and rolls back on any error.

    Service entry points own their transaction this way; nothing below them commits.
    """
    with new_session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


MEMO = "loopkeeper_memo"  # session.info key of a session's memo of read-only configuration


def memoized(session: Session, key: tuple, load: Callable[[], T]) -> T:
    """``load()``, remembered for the rest of ``session`` when it keeps a memo (see :func:`keep_memo`),
    else loaded each time. For configuration that the session's own work never changes (routes, teams)."""
    memo = session.info.get(MEMO)
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def keep_memo(session: Session) -> None:
    """Let :func:`memoized` remember what it loads in this session (a batch of intake sharing a transaction)."""
    session.info.setdefault(MEMO, {})


def engine_of(session: Session) -> Engine:
    """The engine behind a session, to open another session (e.g. a read-only one) on it."""
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def alembic_config(url: str) -> Config:
    """Alembic configuration for ``url`` without needing an alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; the only way the schema is created."""
    command.upgrade(alembic_config(url), revision)


def latest_migration() -> str:
    """The newest revision in the code (what a current database is at)."""
    return ", ".join(sorted(ScriptDirectory.from_config(alembic_config("")).get_heads()))


def pending_migrations(engine: Engine) -> list[str]:
    """Revisions in the code that the database has not applied yet."""
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    if current == heads:
        return []
    lower = tuple(current) if current else "base"
    return [rev.revision for rev in script.iterate_revisions(tuple(heads), lower)]
