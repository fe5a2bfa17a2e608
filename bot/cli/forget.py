"""`loopkeeper forget --email/--customer-id/--account`: a customer's personal data erased, and what changed printed."""

from __future__ import annotations

import argparse
import sys

from bot.cli.config import open_engine, pick_workspace
from bot.errors import CommandError, ConfigError
from bot.feedback import REMOVED
from bot.privacy.forget import forget, preview_forget
from bot.privacy.keys import key_from_options
from models.base import utcnow
from models.db import new_session

ACTOR = "cli"


def forget_command(args: argparse.Namespace) -> int:
    try:
        key = key_from_options(email=args.email, customer_id=args.customer_id, account=args.account)
    except CommandError as exc:
        raise ConfigError(f"forget: {exc}") from None
    engine = open_engine()
    try:
        with new_session(engine, read_only=True) as session:
            workspace_id = pick_workspace(session, args.workspace)
        if args.dry_run:
            found = preview_forget(engine, workspace_id=workspace_id, key=key)
        else:
            found = forget(engine, workspace_id=workspace_id, key=key, actor=ACTOR, via="cli", now=utcnow())
    finally:
        engine.dispose()
    out = sys.stdout
    if not (found.feedback or found.accounts):
        print(f"nothing to forget: no feedback or billing account has that {key.label} (nothing changed)", file=out)
        return 0
    if args.dry_run:
        loops = ", ".join(f"#{i}" for i in found.loop_ids)
        print(f"would forget 1 customer: {found.summary()}" + (f" (loops {loops})" if loops else ""), file=out)
        print("nothing changed (dry run)", file=out)
        return 0
    print(f"forgot 1 customer: {found.summary()}", file=out)
    print(f"  erased: comments, names, emails and customer ids; {found.notes_erased} note(s) about them", file=out)
    print(f'  Slack: {found.slack_summary()} queued to say "{REMOVED}"', file=out)
    print(
        "  the running bot (`loopkeeper run`) sends the Slack updates; the audit trail records it, naming no one",
        file=out,
    )
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The `forget` command's arguments."""
    forget_parser = commands.add_parser(
        "forget",
        help="erase a customer's personal data at their request (figures stay, anonymous)",
        description="Erase one customer's personal data from the database: the comments, names, emails and customer "
        "ids of their feedback, the notes written about them, and billing's email and name of their account. Scores, "
        "dates, teams, outcomes and ARR stay, so digests and impact figures do not change. Every card and thread note "
        f'posted about them is updated in Slack to say "{REMOVED}" (sent by the running bot). Running it again '
        "changes nothing.",
    )
    which = forget_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--email", help="the customer's email (any case)")
    which.add_argument("--customer-id", help="the customer id the feedback or billing carries")
    which.add_argument("--account", help="an account name: every feedback of the account, and billing's account")
    forget_parser.add_argument("--dry-run", action="store_true", help="say what it would erase; change nothing")
    forget_parser.add_argument("--workspace", help="Slack workspace (team) id; default: the one in the database")
