"""`loopkeeper import`: argument handling, progress and summary around bot.intake.importer."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.cli.config import pick_workspace
from bot.cli.terminal import ProgressBar
from bot.durations import InvalidDuration, parse_duration
from bot.errors import ConfigError
from bot.intake.importer import (
    ImportOptions,
    count_rows,
    parse_mapping,
    run_import,
    write_rejects,
)
from bot.settings import load_settings
from models.base import utcnow
from models.db import make_engine, new_session

MAX_REJECTS_SHOWN = 10


def cards_cutoff(text: str, *, now: datetime) -> datetime | None:
    """``7d`` → seven days ago; ``2026-11-01`` → that date (UTC); ``never`` → no cards at all."""
    if text.strip().lower() == "never":
        return None
    try:
        return now - parse_duration(text)
    except InvalidDuration:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--cards-since {text!r}: give a date like 2026-11-01, a duration like 7d, or never"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def report_rejects(rejected: list[tuple[int, str, dict]], *, path: Path, rejects: str | None, out: TextIO) -> None:
    """The first rejected rows with their line numbers and reasons; all of them written to a CSV to fix."""
    for number, reason, _ in rejected[:MAX_REJECTS_SHOWN]:
        print(f"  line {number}: {reason}", file=out)
    if len(rejected) > MAX_REJECTS_SHOWN:
        print(f"  … and {len(rejected) - MAX_REJECTS_SHOWN:,} more", file=out)
    if rejected:
        written = Path(rejects) if rejects else path.with_suffix(path.suffix + ".rejected.csv")
        write_rejects(written, rejected)
        print(f"  rejected rows written to {written}", file=out)


def run_import_command(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    settings = load_settings()
    now = utcnow()
    options = ImportOptions(
        source=args.source,
        columns=parse_mapping(args.map),
        cards_since=cards_cutoff(args.cards_since, now=now),
        dry_run=args.dry_run,
    )
    from bot.app import prepare_database

    prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        with new_session(engine, read_only=True) as session:
            workspace_id = pick_workspace(session, args.workspace)
        bar = ProgressBar(count_rows(path))
        summary = run_import(
            engine,
            workspace_id=workspace_id,
            path=path,
            options=options,
            default_channel=settings.default_channel,
            now=now,
            progress=bar.update,
        )
        bar.close()
    finally:
        engine.dispose()
    out = sys.stdout
    verb = "would import" if args.dry_run else "imported"
    print(f"{path}: {summary.rows:,} rows in {summary.seconds:.1f}s ({summary.rows_per_second:,.0f} rows/s)", file=out)
    print(
        f"  {verb}: {summary.imported:,}  duplicates: {summary.duplicates:,}  rejected: {len(summary.rejected):,}",
        file=out,
    )
    for outcome, count in sorted(summary.outcomes.items()):
        print(f"    {outcome}: {count:,}", file=out)
    report_rejects(summary.rejected, path=path, rejects=args.rejects, out=out)
    if not args.dry_run and summary.outcomes.get("created"):
        print("  cards are queued; the running bot (`loopkeeper run`) posts them", file=out)
    return 0 if not summary.rejected else 1
