"""Importing feedback from CSV or JSON-lines files: backfills, and tools without webhooks.

Rows are validated one by one (a bad row is rejected with its line number and
reason, the rest go on), stored in batches, and deduplicated like webhooks.
Only rows newer than a cutoff open loops with cards, so a historical backfill
never floods Slack; older rows are kept as history. Cards are queued in the
outbox and delivered by the running bot.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.errors import ConfigError, InvalidFeedback
from bot.feedback import FeedbackIn
from bot.intake.changes import describe_changes, feedback_values
from bot.intake.ingest import DUPLICATE, STORED, IntakePolicy, ingest_in_transaction
from bot.intake.sources.generic import normalize_data
from models.db import new_session, transaction
from models.feedback import Feedback, find_feedback
from models.workspace import get_or_create_workspace

# Our field → the column it is read from by default (override with --map field=column).
DEFAULT_COLUMNS = {
    "id": "id",
    "score": "score",
    "scale": "scale",
    "comment": "comment",
    "created_at": "created_at",
    "touchpoint": "touchpoint",
    "product": "product",
    "tags": "tags",
    "url": "url",
    "customer_id": "customer_id",
    "email": "email",
    "name": "name",
    "account": "account",
    "segment": "segment",
    "arr": "arr",
}
_CUSTOMER_FIELDS = {
    "customer_id": "id",
    "email": "email",
    "name": "name",
    "account": "account",
    "segment": "segment",
    "arr": "arr",
}


@dataclass(frozen=True)
class ImportOptions:
    source: str
    columns: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    # Rows submitted at or after this open loops with cards; older (and undated) rows are history only.
    cards_since: datetime | None = None
    dry_run: bool = False
    batch_size: int = 500


@dataclass
class ImportSummary:
    rows: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return self.outcomes.get(DUPLICATE, 0)

    @property
    def imported(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome != DUPLICATE)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["score=NPS", "email=Email Address"]`` → the column for each field, over the defaults."""
    columns = dict(DEFAULT_COLUMNS)
    for pair in pairs:
        name, _, column = pair.partition("=")
        if name not in DEFAULT_COLUMNS or not column:
            raise ConfigError(f"--map {pair!r}: write field=column with a field among {', '.join(DEFAULT_COLUMNS)}")
        columns[name] = column
    return columns


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) from a .csv (header row first) or a .jsonl/.ndjson file (one object a line)."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except (ValueError, RecursionError):
                    yield number, {"__error__": "line is not valid JSON"}
                    continue
                yield number, value if isinstance(value, dict) else {"__error__": "line is not a JSON object"}
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise ConfigError(f"{path}: no header row; the first line must name the columns (id,score,…)")
        for row in reader:
            yield reader.line_num, row


def count_rows(path: Path) -> int:
    """Rows in the file (for the progress bar): data lines, not counting a CSV header."""
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return lines if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else max(0, lines - 1)


def row_payload(row: dict[str, Any], options: ImportOptions) -> dict[str, Any]:
    """A file row in the generic webhook shape (CSV strings converted where the shape wants numbers)."""
    if "__error__" in row:
        raise InvalidFeedback(row["__error__"])

    def value(name: str) -> Any:
        raw = row.get(options.columns[name])
        return raw.strip() if isinstance(raw, str) else raw

    payload: dict[str, Any] = {"source": options.source, "customer": {}}
    for name in DEFAULT_COLUMNS:
        raw = value(name)
        if raw in (None, ""):
            continue
        if name == "score" and isinstance(raw, str):
            digits = raw.strip().removeprefix("-")
            raw = int(raw) if digits.isascii() and digits.isdigit() and len(digits) < 10 else raw
        if name == "arr" and isinstance(raw, str):
            raw = raw.replace(",", "").replace("$", "").replace("€", "").replace("£", "").strip()
        if name == "tags" and isinstance(raw, str):
            raw = [t.strip() for t in raw.replace(";", ",").split(",") if t.strip()]
        if name in _CUSTOMER_FIELDS:
            payload["customer"][_CUSTOMER_FIELDS[name]] = raw
        else:
            payload[name] = raw
    if "id" not in payload:
        raise InvalidFeedback(f"column {options.columns['id']!r} is empty", where="id")
    return payload


def run_import(
    engine: Engine,
    *,
    workspace_id: str,
    path: Path,
    options: ImportOptions,
    default_channel: str | None,
    now: datetime,
    progress: Callable[[int], None] = lambda done: None,
) -> ImportSummary:
    """Import ``path``; returns what happened to every row. Nothing is written on a dry run."""
    summary = ImportSummary()
    started = time.perf_counter()
    seen: set[str] = set()
    batch: list[tuple[int, dict]] = []
    for number, row in read_rows(path):
        batch.append((number, row))
        if len(batch) >= options.batch_size:
            _import_batch(engine, batch, workspace_id, options, default_channel, now, summary, seen)
            progress(summary.rows)
            batch = []
    if batch:
        _import_batch(engine, batch, workspace_id, options, default_channel, now, summary, seen)
        progress(summary.rows)
    summary.seconds = time.perf_counter() - started
    return summary


def _import_batch(
    engine: Engine,
    batch: list[tuple[int, dict]],
    workspace_id: str,
    options: ImportOptions,
    default_channel: str | None,
    now: datetime,
    summary: ImportSummary,
    seen: set[str],
) -> None:
    """One transaction per batch. History rows (no card) are inserted in bulk; rows that open loops,
    and changed re-imports, take the same path as a webhook delivery."""
    valid: list[FeedbackIn] = []
    for number, row in batch:
        summary.rows += 1
        try:
            valid.append(normalize_data(row_payload(row, options)))
        except InvalidFeedback as exc:
            summary.rejected.append((number, str(exc), row))

    def count(outcome: str) -> None:
        summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1

    opened = new_session(engine, read_only=True) if options.dry_run else transaction(engine)
    with opened as session:
        existing = {
            (f.source, f.external_id): f
            for f in find_feedback(
                session=session, workspace_id=workspace_id, keys=[(f.source, f.external_id) for f in valid]
            )
        }
        history: list[dict] = []
        for feedback in valid:
            key = f"{feedback.source}\x00{feedback.external_id}"
            stored = existing.get((feedback.source, feedback.external_id))
            if key in seen or (stored is not None and not describe_changes(stored, feedback)):
                count(DUPLICATE)
                continue
            seen.add(key)
            recent = (
                options.cards_since is not None
                and feedback.submitted_at is not None
                and feedback.submitted_at >= options.cards_since
            )
            if options.dry_run:
                count("would update" if stored is not None else "would import")
            elif stored is None and not recent:
                history.append(feedback_values(workspace_id, feedback, now))
                count(STORED)
            else:
                policy = IntakePolicy(default_channel=default_channel, open_loops=recent, via="import")
                try:
                    with session.begin_nested():
                        count(
                            ingest_in_transaction(
                                session, workspace_id=workspace_id, feedback=feedback, policy=policy, now=now
                            ).outcome
                        )
                except IntegrityError:
                    count(DUPLICATE)  # stored meanwhile by the running bot
        if options.dry_run:
            return
        if history:
            get_or_create_workspace(session=session, workspace_id=workspace_id)
            # Core executemany: batched multi-row INSERTs, without ORM bookkeeping per row.
            session.connection().execute(insert(Feedback), history)
    if not options.dry_run:
        refresh_statistics(engine, batch_number=summary.rows // max(1, options.batch_size))


def refresh_statistics(engine: Engine, *, batch_number: int) -> None:
    """On PostgreSQL, re-ANALYZE a table growing fast under an import (after batches 1, 2, 4, 8…).

    Without it the planner keeps the statistics of an almost empty table and
    stops using the full unique index for the duplicate check, which makes a
    large import slow down quadratically.
    """
    if engine.dialect.name == "postgresql" and batch_number & (batch_number - 1) == 0:
        with transaction(engine) as session:
            session.execute(text("ANALYZE feedback"))


def write_rejects(path: Path, rejected: list[tuple[int, str, dict]]) -> None:
    """Rejected rows with their line numbers and reasons, as CSV, for fixing and re-importing."""
    columns: list[str] = []
    for _, _, row in rejected:
        columns += [c for c in row if c not in columns and c != "__error__"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "reason", *columns])
        for number, reason, row in rejected:
            writer.writerow([number, reason, *(_cell(row.get(c)) for c in columns)])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
