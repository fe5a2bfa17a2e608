"""Which reads of a growing table are not narrowed by more than the workspace (SQLite's EXPLAIN QUERY PLAN).

SQLite plans from the schema alone (Loopkeeper runs no ANALYZE), so a statement's plan on an empty table is its
plan on a million rows: a read found here reads every row of the workspace in production too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import models  # noqa: F401  (every table in the metadata)

# Configuration (read once per batch) and other tables of a few rows a workspace (themes, spike states per team
# and dimension): reading all of a workspace's is what is asked.
CONFIGURATION = {"workspace", "team", "route", "playbook", "hook", "intake_channel", "theme", "spike_state"}
# Columns that narrow nothing on their own: a workspace has all its rows under them.
WIDE = {"workspace_id", "category", "received_at", "status", "created_at"}
SEARCH = re.compile(r"^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((.*)\)$")


def wide_reads(
    engine: Engine, statements: dict[str, tuple], *, meant: dict[str, str] | None = None, periods: bool = False
) -> list[str]:
    """Each plan step over a growing table that is not narrowed by more than the workspace, with its SQL. A
    statement holding a key of ``meant`` reads a wide set on purpose (the value says why): only a scan of the
    whole table is reported for it. With ``periods``, a range on a time column narrows too (a digest's week)."""
    found = []
    with engine.connect() as connection:
        for sql, params in statements.items():
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                continue
            on_purpose = any(pattern in " ".join(sql.split()) for pattern in meant or {})
            for *_, step in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params):
                table = step.split()[1] if step.startswith(("SCAN ", "SEARCH ")) else None
                if table not in SQLModel.metadata.tables or table in CONFIGURATION:  # not a subquery's rows
                    continue
                search = SEARCH.match(step)
                terms = search[2].split(" AND ") if search else []
                columns = {re.split(r"[=<>]", term)[0].strip() for term in terms}
                if periods and any(re.search(r"_at[<>]", term) for term in terms):
                    columns.add("a period")
                if step.startswith("SCAN ") or (search and columns <= WIDE and not on_purpose):
                    found.append(f"{step}  <-  {_short(sql)}")
    return found


@contextmanager
def recording(engine: Engine) -> Iterator[dict[str, tuple]]:
    """Every distinct statement run on ``engine`` while the block runs, with the parameters it first ran with."""
    statements: dict[str, tuple] = {}

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if not executemany:
            statements.setdefault(statement, tuple(parameters or ()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _short(sql: str) -> str:
    """The statement from its last FROM on (the column lists say nothing about the plan)."""
    sql = " ".join(sql.split())
    start = sql.rfind(" FROM ")
    return sql[start:] if start > 0 else sql
