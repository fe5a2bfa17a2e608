"""`loopkeeper import-accounts`: arguments, progress and summary around bot.accounts.importing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.accounts.importing import import_accounts
from bot.cli.config import pick_workspace
from bot.cli.imports import report_rejects
from bot.cli.terminal import ProgressBar
from bot.delivery.slack_directory import WebDirectory
from bot.errors import ConfigError, SlackUnavailable
from bot.intake.importer import count_rows
from bot.settings import load_settings
from models.base import utcnow
from models.db import make_engine, new_session


def import_accounts_command(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    settings = load_settings()
    from bot.app import prepare_database, slack_client

    prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        with new_session(engine, read_only=True) as session:
            workspace_id = pick_workspace(session, args.workspace)
        bar = ProgressBar(count_rows(path))
        try:
            summary = import_accounts(
                engine,
                workspace_id=workspace_id,
                path=path,
                now=utcnow(),
                directory=WebDirectory(slack_client(settings)),
                dry_run=args.dry_run,
                progress=bar.update,
            )
        except SlackUnavailable as exc:
            raise ConfigError(f"{exc} (account owners are looked up in Slack by email)") from None
        finally:
            bar.close()
    finally:
        engine.dispose()
    out = sys.stdout
    verb = "would record" if args.dry_run else "recorded"
    print(f"{path}: {summary.rows:,} rows in {summary.seconds:.1f}s", file=out)
    print(
        f"  {verb}: {summary.recorded:,}  duplicates: {summary.duplicates:,}  rejected: {len(summary.rejected):,}",
        file=out,
    )
    if summary.loops_told:
        told = summary.loops_told
        print(f"  notes queued on {told:,} open loops; the running bot (`loopkeeper run`) posts them", file=out)
    report_rejects(summary.rejected, path=path, rejects=args.rejects, out=out)
    return 0 if not summary.rejected else 1
