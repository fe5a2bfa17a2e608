"""/loops mine, /loops open [team], /loops show <id>: the frontline's lists, answered privately."""

from __future__ import annotations

from bot.admin.registry import Invocation, Subcommand, need
from bot.admin.teams import find_team
from bot.errors import CommandError
from bot.loops import lists as loop_lists
from bot.slack.ids import record_id


def mine(inv: Invocation) -> str:
    return loop_lists.mine(inv.session, workspace_id=inv.workspace_id, user_id=inv.user_id, now=inv.now)


def open_(inv: Invocation) -> str:
    team = find_team(inv, inv.args[0], example="/loops open billing") if inv.args else None
    return loop_lists.open_loops(inv.session, workspace_id=inv.workspace_id, team=team, now=inv.now)


def show(inv: Invocation) -> str:
    example = "/loops show 42"
    need(inv.args, 1, what="the loop number", example=example)
    number = inv.args[0].lstrip("#")
    if not (number.isascii() and number.isdigit()):
        raise CommandError(f"`{inv.args[0]}` is not a loop number", example=example)
    loop_id = record_id(number)
    text = (
        loop_lists.show(inv.session, workspace_id=inv.workspace_id, loop_id=loop_id, now=inv.now) if loop_id else None
    )
    if text is None:
        raise CommandError(f"there is no loop #{number} here", example="/loops open")
    return text


SUBCOMMANDS = [
    Subcommand(
        ("mine",), "/loops mine", "Loops you own, oldest first, with due times", "/loops mine", mine, topic="loops"
    ),
    Subcommand(
        ("open",),
        "/loops open [team]",
        "Open loops (of one team): overdue first, unowned counted",
        "/loops open billing",
        open_,
        topic="loops",
    ),
    Subcommand(("show",), "/loops show <loop-id>", "One loop with its history", "/loops show 42", show, topic="loops"),
]
