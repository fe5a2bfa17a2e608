"""/loops digest preview [team] [period]: a team lead's digest, shown only to you."""

from __future__ import annotations

from bot.admin.registry import Invocation, Subcommand
from bot.admin.teams import find_team
from bot.digest.content import build_digest
from bot.digest.impact import impact_sections
from bot.digest.periods import NAMES, period
from bot.digest.render import sections
from bot.digest.sending import send_digest
from bot.errors import CommandError, NotAuthorized
from bot.mrkdwn import link_channel

EXAMPLE = "/loops digest preview billing last-week"


def preview(inv: Invocation) -> str:
    args = list(inv.args)
    name = args.pop() if args and args[-1] in NAMES else "last-week"
    team = find_team(inv, args[0], example=EXAMPLE) if args else None
    chosen = period(name, now=inv.now, tz_name=team.timezone if team else "UTC")
    digest = build_digest(inv.session, workspace_id=inv.workspace_id, team=team, period=chosen, now=inv.now)
    impact = impact_sections(inv.session, workspace_id=inv.workspace_id, team=team, period=chosen, now=inv.now)
    return "\n\n".join([*sections(digest), *impact])


def send(inv: Invocation) -> str:
    example = "/loops digest send billing"
    args = list(inv.args)
    name = args.pop() if args and args[-1] in NAMES else "last-week"
    if not args:
        raise CommandError("say which team's digest to send", example=example)
    team = find_team(inv, args[0], example=example)
    if inv.user_id not in team.leads and not inv.is_admin:
        raise NotAuthorized(f"only {team.name}'s leads and Loopkeeper admins can send its digest")
    chosen = period(name, now=inv.now, tz_name=team.timezone)
    if not send_digest(inv.session, team=team, period=chosen, now=inv.now, sent_by=inv.user_id):
        return (
            f"{team.name}'s digest for {chosen.label} was already sent; `/loops digest preview {team.name}` shows it."
        )
    return f":outbox_tray: {team.name}'s digest for {chosen.label} is on its way to {link_channel(team.channel_id)}."


SUBCOMMANDS = [
    Subcommand(
        ("digest", "preview"),
        "/loops digest preview [team] [last-week|last-day|this-week]",
        "What the team's digest says now: open loops (unowned and overdue ones linked), and the period's "
        "closures, times, outcomes and detractors",
        EXAMPLE,
        preview,
    ),
    Subcommand(
        ("digest", "send"),
        "/loops digest send <team> [last-week|last-day|this-week]",
        "Send the team's digest now (leads and admins); each period is sent once",
        "/loops digest send billing",
        send,
        writes=True,
        asks_admin=True,
    ),
]
