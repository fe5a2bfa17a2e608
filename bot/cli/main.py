"""The `loopkeeper` command: run, demo, db upgrade, config, import, import-accounts, digest, themes, impact, doctor,
forget."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.errors import ConfigError

log = logging.getLogger("loopkeeper")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loopkeeper", description="Close the loop on customer feedback, in Slack.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "run",
        help="serve the bot (HTTP on LOOPKEEPER_HOST:PORT; Socket Mode if SLACK_APP_TOKEN)",
        description="Serve Loopkeeper with the settings from the environment and .env.",
    )
    demo = commands.add_parser(
        "demo",
        help="walk through the whole flow against a local Slack stand-in",
        description="Start the real app on SQLite with a local Slack stand-in, feed it "
        "feedback alerts and click Acknowledge. Needs no Slack account.",
    )
    demo.add_argument("--db", help="SQLite file to use (default: a new temporary file)")
    demo.add_argument(
        "--socket-mode",
        action="store_true",
        help="connect in Socket Mode: clicks and commands come over the stand-in's WebSocket, not HTTP",
    )

    db = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    db_commands.add_parser(
        "upgrade",
        help="apply pending migrations to DATABASE_URL",
        description="Apply pending Alembic migrations to DATABASE_URL.",
    )

    config = commands.add_parser(
        "config", help="routing configuration as a file", description="Routing configuration as a YAML file."
    )
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="SUBCOMMAND")
    config_import = config_commands.add_parser(
        "import",
        help="validate a YAML file and apply it",
        description="Validate FILE whole, then apply it in one transaction.",
    )
    config_import.add_argument("file")
    config_import.add_argument("--dry-run", action="store_true", help="validate and show the diff; change nothing")
    config_import.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")
    config_export = config_commands.add_parser(
        "export",
        help="print the configuration as YAML",
        description="Print teams, routes, playbooks, intake channels, admins "
        "and source options as YAML (the input of import).",
    )
    config_export.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")

    importer = commands.add_parser(
        "import",
        help="import feedback from a CSV or JSON-lines file",
        description="Import feedback from FILE (.csv with a header row, or .jsonl). Rows are validated one by one; "
        "rejected rows are reported with their line numbers and written to a file. Only rows submitted "
        "since --cards-since open loops with cards (delivered by the running bot); older and undated "
        "rows are kept as history, so a backfill never floods Slack.",
    )
    importer.add_argument("file")
    importer.add_argument("--source", required=True, help="where the feedback came from, e.g. surveymonkey")
    importer.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="read FIELD from COLUMN (fields: id, score, scale, comment, created_at, touchpoint, "
        "product, tags, url, customer_id, email, name, account, segment, arr); repeatable",
    )
    importer.add_argument(
        "--cards-since",
        default="7d",
        metavar="DATE|DURATION",
        help="rows submitted since this ISO date, or this long ago (e.g. 7d), get cards (default 7d; 'never' for none)",
    )
    importer.add_argument("--rejects", help="where to write rejected rows (default FILE.rejected.csv)")
    importer.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")
    importer.add_argument("--dry-run", action="store_true", help="validate and count; write and post nothing")

    accounts = commands.add_parser(
        "import-accounts",
        help="import account outcomes (churn, renewal, expansion…) from a CSV or JSON-lines file",
        description="Import account outcomes from FILE (.csv with a header row, or .jsonl), one event a row with "
        "the fields of POST /webhooks/accounts: id, event (churned, renewed, expanded, contracted, "
        "cancellation_scheduled, cancellation_withdrawn), customer_id, email, account, arr_before, arr_after, "
        "currency, effective_at, renews_at, reason, owner_email. Rows are validated one by one; rejected rows are "
        "reported with their line numbers and written to a file. Rows taken before are counted as duplicates.",
    )
    accounts.add_argument("file")
    accounts.add_argument("--rejects", help="where to write rejected rows (default FILE.rejected.csv)")
    accounts.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")
    accounts.add_argument("--dry-run", action="store_true", help="validate and count; write and post nothing")

    digest = commands.add_parser("digest", help="team-lead digests", description="Team-lead digests.")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True, metavar="SUBCOMMAND")
    preview = digest_commands.add_parser(
        "preview", help="print a team's digest as text", description="Print what a team's digest says, as text."
    )
    preview.add_argument("--team", help="team name (default: all teams)")
    preview.add_argument("--period", default="last-week", choices=["last-week", "last-day", "this-week"])
    preview.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")
    due = digest_commands.add_parser(
        "send-due",
        help="queue every digest whose scheduled time has come",
        description="Queue every team's digest whose scheduled time has come and whose period was not sent yet "
        "(what the scheduler does each minute; safe to run from cron next to running replicas). "
        "A running `loopkeeper run` delivers them.",
    )
    due.add_argument("--at", help="ISO date-time to evaluate schedules at (default: now)")

    themes = commands.add_parser(
        "themes",
        help="themes by ARR affected, or one theme with its loops",
        description="Themes (causes elevated to the team that can fix them) by ARR affected, with their status; "
        "with --show, one theme with its figures, customers' words and loops.",
    )
    themes.add_argument("--team", help="only the themes this team owns")
    themes.add_argument("--status", help="only themes in this status (open, new, accepted, fix-planned, shipped…)")
    themes.add_argument("--show", type=int, metavar="ID", help="one theme in full")
    themes.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")

    impact = commands.add_parser(
        "impact",
        help="whether closing loops paid off: churn and ARR by how loops were closed, recovery, revenue",
        description="The impact report for the detractors and negative ratings received in a period: churn within "
        "90 days and ARR lost for loops closed within SLA, closed late and never closed (95 %% Wilson intervals, "
        "Fisher's exact test), recovery, revenue as billing measures it, and touchpoints and themes by churned ARR. "
        "Needs billing data (Stripe or the accounts feed).",
    )
    impact.add_argument("--team", help="one team's loops (default: all teams)")
    impact.add_argument(
        "--period",
        metavar="PERIOD",
        help="last-90-days (default), last-30-days, last-180-days, last-365-days, last-month, this-month, "
        "last-quarter, this-quarter, last-week, last-day, this-week, or a number of days (60d)",
    )
    impact.add_argument("--chart", metavar="FILE", help="also write the chart to FILE (PNG)")
    impact.add_argument(
        "--unmatched", action="store_true", help="list billing's account events that no feedback joins yet instead"
    )
    impact.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")

    doctor = commands.add_parser(
        "doctor",
        help="check the install and say what to fix",
        description="Check the live install: the Slack token and its scopes (against slack/manifest.yml), "
        "the bot in every team and intake channel, each configured source's secret, the database schema, "
        "the scheduler's leader and parked deliveries. One line per check; exit status 1 when any fails "
        "(2 when there is no database to look at). Changes nothing.",
    )
    doctor.add_argument(
        "--manifest", metavar="FILE", help="the Slack app manifest to read scopes from (default: slack/manifest.yml)"
    )

    from bot.cli.forget import add_parser as add_forget

    add_forget(commands)

    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as exc:
        print(f"loopkeeper: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from pathlib import Path

        from bot.demo.runner import run_demo

        logging.basicConfig(level=logging.WARNING)
        return run_demo(sys.stdout, db_path=Path(args.db).resolve() if args.db else None, socket_mode=args.socket_mode)
    if args.command == "db":
        return _db_upgrade()
    if args.command == "config":
        from bot.cli.config import config_export, config_import

        if args.config_command == "export":
            return config_export(workspace=args.workspace)
        return config_import(args.file, dry_run=args.dry_run, workspace=args.workspace)
    if args.command == "digest":
        from bot.cli.digest import preview_command, send_due_command

        if args.digest_command == "send-due":
            return send_due_command(at=args.at)
        return preview_command(team=args.team, period_name=args.period, workspace=args.workspace)
    if args.command == "themes":
        from bot.cli.themes import themes_command

        return themes_command(team=args.team, status=args.status, show=args.show, workspace=args.workspace)
    if args.command == "impact":
        from bot.cli.impact import impact_command

        return impact_command(
            team=args.team, period=args.period, unmatched=args.unmatched, chart=args.chart, workspace=args.workspace
        )
    if args.command == "doctor":
        from bot.cli.doctor import doctor_command

        return doctor_command(manifest=args.manifest)
    if args.command == "forget":
        from bot.cli.forget import forget_command

        return forget_command(args)
    if args.command == "import-accounts":
        from bot.cli.accounts import import_accounts_command

        return import_accounts_command(args)
    if args.command == "import":
        from bot.cli.imports import run_import_command

        return run_import_command(args)
    return _run()


def _db_upgrade() -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.cli.config import database_url
    from bot.settings import database_problem
    from models.db import upgrade

    url = database_url()
    try:
        upgrade(url)
    except (SQLAlchemyError, OSError) as exc:
        raise ConfigError(database_problem(url, exc)) from None
    print("database is at the latest migration")
    return 0


def _run() -> int:
    from bot.app import Loopkeeper, prepare_database
    from bot.logs import configure_logging
    from bot.server import serve_forever
    from bot.settings import load_settings

    settings = load_settings()
    configure_logging(settings.secrets, fmt=settings.log_format)
    prepare_database(settings)
    app = Loopkeeper(settings)
    app.start_workers()
    log.info(
        "Loopkeeper serving %s on http://%s:%d (workspace %s)", settings, settings.host, settings.port, app.workspace_id
    )
    try:
        serve_forever(app.asgi, host=settings.host, port=settings.port)
    finally:
        app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
