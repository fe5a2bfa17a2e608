"""Intake's reads stay lookups as the database grows: every statement one webhook runs finds its rows through an
index on the customer, the response or the row's id, never by reading every row of the workspace.

SQLite (Loopkeeper's default) plans from the schema alone (no ANALYZE is run), so its plan for a statement is the
same on an empty table as on one with a million rows: these are the plans production gets. (PostgreSQL plans from
statistics; its repeat-customer lookup is kept from turning round by being two statements.)"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.intake.ingest import IntakePolicy, ingest
from bot.intake.sources import all_sources
from models.db import make_engine
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload

WORKSPACE = "T0PLANS"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# Configuration, read once per batch and a few rows each: reading all of a workspace's is what is asked.
CONFIGURATION = {"workspace", "team", "route", "playbook", "hook", "intake_channel", "team_lead", "schedule"}
# Columns that narrow nothing on their own: a workspace has all its rows under them.
WIDE = {"workspace_id", "category", "received_at", "status", "created_at"}
SEARCH = re.compile(r"^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((.*)\)$")


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


def wide_reads(engine, statements: list[tuple[str, tuple]]) -> list[str]:
    """Each plan step over a growing table that is not narrowed by more than the workspace, with its SQL."""
    found = []
    with engine.connect() as connection:
        for sql, params in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                continue
            for *_, step in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params):
                table = step.split()[1] if step.startswith(("SCAN ", "SEARCH ")) else None
                if table is None or table in CONFIGURATION:
                    continue
                search = SEARCH.match(step)
                columns = {re.split(r"[=<>]", c)[0].strip() for c in search[2].split(" AND ")} if search else set()
                if step.startswith("SCAN ") or (search and columns <= WIDE):
                    found.append(f"{step}  <-  {sql[:160]}")
    return found


def test_every_read_of_one_webhook_is_a_lookup(engine):
    store(engine, 0)  # a customer's first feedback: a loop opens
    store(engine, 1, customer={"id": "cus_1", "email": "dana@acme.io", "name": "Dana", "account": "Acme"})
    statements: list[tuple[str, tuple]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, tuple(parameters or ())))

    event.listen(engine, "before_cursor_execute", seen)
    store(engine, 2)  # the same customer again: joins their open loop
    store(engine, 3, customer={"id": "cus_2", "email": "lee@globex.io", "name": "Lee", "account": "Globex"})
    store(engine, 4, customer={"email": "kim@initech.io"})  # by email alone
    event.remove(engine, "before_cursor_execute", seen)

    assert len(statements) > 10  # the webhooks' work was seen
    assert wide_reads(engine, statements) == []
