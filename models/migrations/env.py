"""Alembic environment: runs migrations with the same engine settings as the app."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.db import make_engine

config = context.config
target_metadata = SQLModel.metadata
# `alembic -x url=...` (developers generating migrations) wins over the configured URL.
URL = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")


def run_migrations_offline() -> None:
    context.configure(
        url=URL,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _pragma(connection: Connection, pragma: str) -> list:
    """A PRAGMA on the driver's connection, outside any transaction (our BEGIN IMMEDIATE would wrap it)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    return driver.execute(f"PRAGMA {pragma}").fetchall()


def run_migrations_online() -> None:
    engine = make_engine(URL)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch operations rebuild a table (copy, drop, rename); with foreign keys enforced, dropping a
                # table others point at fails. Off for the migration (it only takes effect outside a
                # transaction), checked afterwards, on again.
                _pragma(connection, "foreign_keys=OFF")
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = _pragma(connection, "foreign_key_check")
                _pragma(connection, "foreign_keys=ON")
                if broken:
                    raise RuntimeError(f"the migration left {len(broken)} rows pointing at rows that do not exist")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
