"""/loops doctor: the install checked, one line per check, answered to the admin who asked."""

from __future__ import annotations

from bot.admin.registry import Invocation, Preparation, Subcommand
from bot.doctor.checks import judge, render, summary
from bot.doctor.facts import Install, gather
from bot.mrkdwn import escape


def examine(prep: Preparation) -> Install:
    """Everything the checks need, asked before any transaction opens (Slack reads and read-only looks)."""
    return gather(
        engine=prep.engine,
        slack=prep.slack,
        settings=prep.settings,
        workspace_id=prep.workspace_id,
        scheduler=lambda: prep.workers().get("scheduler"),
        asked="this process",
    )


def doctor(inv: Invocation) -> str:
    checks = judge(inv.prepared)
    return "\n".join([f"*Install doctor*: {summary(checks)}", *(escape(line) for line in render(checks))])


SUBCOMMANDS = [
    Subcommand(
        ("doctor",),
        "/loops doctor",
        "Check the install (Slack token and scopes, channels, secrets, schema, scheduler, outbox) and say what to fix",
        "/loops doctor",
        doctor,
        admin=True,
        prepare=examine,
    ),
]
