"""The schema comes only from migrations, and the migrations match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import models  # noqa: F401
from models.db import pending_migrations


# Alembic cannot compare an index on an expression (it says so); the next test checks that one by name.
@pytest.mark.filterwarnings("ignore:.*expression-based index ix_feedback_account_key")
@pytest.mark.filterwarnings("ignore:.*expression-based index .ix_feedback_account_key.")
def test_migrations_produce_exactly_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_account_name_index_is_on_the_lower_cased_name(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            [sql] = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_feedback_account_key'"))
        else:
            [sql] = connection.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_feedback_account_key'")
            )
    assert "workspace_id" in sql[0] and "lower(account)" in sql[0].replace("((account)::text)", "(account)")


def test_database_is_at_head(engine):
    assert pending_migrations(engine) == []


def test_every_table_carries_the_workspace_id():
    for name, table in SQLModel.metadata.tables.items():
        key = "id" if name == "workspace" else "workspace_id"
        assert key in table.c, f"{name} has no {key}"
