"""`loopkeeper import-accounts FILE`: account outcomes from a CSV (or JSON lines) export of a CRM or billing system.

Each row is validated on its own (a bad row is rejected with its line number and reason; the rest go on), the
valid ones are taken a batch per transaction, exactly as the accounts webhook takes them, and a row taken
before (same id, or the same facts when there is no id) is counted as a duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot.accounts.feed import FeedEvent, parse_event
from bot.accounts.owners import EmailLookup, look_up
from bot.accounts.receiving import DUPLICATE, RECORDED, receive_feed
from bot.accounts.recording import FEED
from bot.delivery.slack_directory import SlackPerson
from bot.errors import InvalidFeedback
from bot.intake.importer import read_rows
from models.account import receipt_exists
from models.db import new_session

BATCH = 500


@dataclass
class AccountImport:
    rows: int = 0
    recorded: int = 0
    duplicates: int = 0
    loops_told: int = 0
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)
    seconds: float = 0.0


def import_accounts(
    engine: Engine,
    *,
    workspace_id: str,
    path: Path,
    now: datetime,
    directory: EmailLookup | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] = lambda done: None,
    batch_size: int = BATCH,
) -> AccountImport:
    """Import ``path``; nothing is written on a dry run (it says what would be). Owners' emails are looked up
    in ``directory`` (Slack) before each batch's transaction; a row whose owner Slack does not know is rejected."""
    summary = AccountImport()
    started = time.perf_counter()
    batch: list[tuple[int, FeedEvent, dict]] = []
    for number, row in read_rows(path):
        summary.rows += 1
        try:
            batch.append((number, _event(row), row))
        except InvalidFeedback as exc:
            summary.rejected.append((number, str(exc), row))
        if len(batch) >= batch_size:
            _take(engine, workspace_id, _owned(batch, directory, summary), now, dry_run, summary)
            progress(summary.rows)
            batch = []
    if batch:
        _take(engine, workspace_id, _owned(batch, directory, summary), now, dry_run, summary)
    progress(summary.rows)
    summary.seconds = time.perf_counter() - started
    return summary


def _event(row: dict[str, Any]) -> FeedEvent:
    if "__error__" in row:
        raise InvalidFeedback(row["__error__"])
    if None in row:  # csv.DictReader puts cells beyond the header under None
        raise InvalidFeedback("has more cells than the header has columns")
    return parse_event({key.strip(): value for key, value in row.items()})


def _owned(
    batch: list[tuple[int, FeedEvent, dict]], directory: EmailLookup | None, summary: AccountImport
) -> tuple[list[FeedEvent], dict[str, SlackPerson]]:
    """The batch's events whose owner (if any) Slack knows, with the owners; the others are rejected."""
    emails = [event.owner_email for _, event, _ in batch if event.owner_email]
    found, unknown = look_up(directory, emails) if directory is not None and emails else ({}, sorted(set(emails)))
    kept = []
    for number, event, row in batch:
        if event.owner_email in unknown:
            reason = f"owner_email: no Slack user has the email {event.owner_email}"
            summary.rejected.append((number, reason if directory else "owner_email: Slack is not connected", row))
        else:
            kept.append(event)
    return kept, found


def _take(
    engine: Engine,
    workspace_id: str,
    owned: tuple[list[FeedEvent], dict[str, SlackPerson]],
    now: datetime,
    dry_run: bool,
    summary: AccountImport,
) -> None:
    events, owners = owned
    if not events:
        return
    if dry_run:
        seen: set[str] = set()
        with new_session(engine, read_only=True) as session:
            for event in events:
                known = event.event_id in seen or receipt_exists(
                    session=session, workspace_id=workspace_id, source=FEED, event_id=event.event_id
                )
                seen.add(event.event_id)
                summary.duplicates += known
                summary.recorded += not known
        return
    result = receive_feed(engine, workspace_id=workspace_id, events=events, now=now, owners=owners)
    for received in result.received:
        summary.recorded += received.outcome == RECORDED
        summary.duplicates += received.outcome == DUPLICATE
        summary.loops_told += len(received.loops_told)
