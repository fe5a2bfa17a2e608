"""Intake's reads stay lookups as the database grows: every statement one webhook runs finds its rows through an
index on the customer, the response or the row's id, never by reading every row of the workspace.

SQLite (Loopkeeper's default) plans from the schema alone (no ANALYZE is run), so its plan for a statement is the
same on an empty table as on one with a million rows: these are the plans production gets. (PostgreSQL plans from
statistics; its repeat-customer lookup is kept from turning round by being two statements.)"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.intake.ingest import IntakePolicy, ingest
from bot.intake.sources import all_sources
from models.db import make_engine
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload
from tests.query_plans import recording, wide_reads

WORKSPACE = "T0PLANS"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(sqlite_template, tmp_path):
    path = tmp_path / "plans.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    import_config(engine, workspace_id=WORKSPACE, doc=parse_config(TEST_CONFIG))
    yield engine
    engine.dispose()


def store(engine, n: int, **overrides) -> None:
    source = all_sources()["generic"]
    feedback = source.normalize(json.dumps(feedback_payload(**overrides)).encode(), {})
    policy = IntakePolicy(default_channel="C0DEFAULT")
    ingest(engine, workspace_id=WORKSPACE, feedback=feedback, policy=policy, now=NOW + timedelta(minutes=n))


def test_every_read_of_one_webhook_is_a_lookup(engine):
    store(engine, 0)  # a customer's first feedback: a loop opens
    store(engine, 1, customer={"id": "cus_1", "email": "dana@acme.io", "name": "Dana", "account": "Acme"})
    with recording(engine) as statements:
        store(engine, 2)  # the same customer again: joins their open loop
        store(engine, 3, customer={"id": "cus_2", "email": "lee@globex.io", "name": "Lee", "account": "Globex"})
        store(engine, 4, customer={"email": "kim@initech.io"})  # by email alone

    assert len(statements) > 10  # the webhooks' work was seen
    assert wide_reads(engine, statements) == []
