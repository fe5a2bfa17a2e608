"""The schema comes only from migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import models  # noqa: F401
from models.db import pending_migrations


def test_migrations_produce_exactly_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_database_is_at_head(engine):
    assert pending_migrations(engine) == []


def test_every_table_carries_the_workspace_id():
    for name, table in SQLModel.metadata.tables.items():
        key = "id" if name == "workspace" else "workspace_id"
        assert key in table.c, f"{name} has no {key}"
