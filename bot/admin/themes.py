"""/loops themes, /loops theme show and /loops rootcause …: the outer loop for leads, and the root-cause list."""

from __future__ import annotations

from bot.admin.registry import Invocation, Subcommand, need
from bot.admin.teams import find_team
from bot.errors import CommandError
from bot.loops.outcomes import ROOT_CAUSE_LENGTH, root_causes
from bot.slack.ids import record_id
from bot.themes.changes import STATUS_LABELS
from bot.themes.lists import theme_text, themes_text
from models.team import get_team_by_name
from models.workspace import get_or_create_workspace

THEMES = "/loops themes open"
ROOT_CAUSE = '/loops rootcause add "Data migration"'


def themes(inv: Invocation) -> str:
    """By ARR affected; one word narrows it to a team's themes or to a status."""
    word = inv.args[0].lower() if inv.args else None
    if word is None:
        return themes_text(inv.session, workspace_id=inv.workspace_id, now=inv.now)
    status = (
        {label.lower().replace(" ", "-"): key for key, label in STATUS_LABELS.items()}
        | {key: key for key in STATUS_LABELS}
        | {"open": "open"}
    )
    if word in status:
        chosen = ("new", "accepted", "fix_planned") if status[word] == "open" else (status[word],)
        return themes_text(
            inv.session, workspace_id=inv.workspace_id, now=inv.now, statuses=chosen, title=f"Themes: {word}"
        )
    if get_team_by_name(session=inv.session, workspace_id=inv.workspace_id, name=word) is None:
        statuses = ", ".join(sorted(set(status)))
        raise CommandError(f"`{inv.args[0]}` is neither a team nor a status ({statuses})", example=THEMES)
    team = find_team(inv, word, example=THEMES)
    return themes_text(
        inv.session, workspace_id=inv.workspace_id, now=inv.now, owner=team, title=f"Themes {team.name} owns"
    )


def theme_show(inv: Invocation) -> str:
    example = "/loops theme show 4"
    need(inv.args, 1, what="the theme number", example=example)
    theme_id = record_id(inv.args[0])
    text = theme_text(inv.session, workspace_id=inv.workspace_id, theme_id=theme_id, now=inv.now) if theme_id else None
    if text is None:
        raise CommandError(f"there is no theme #{inv.args[0].lstrip('#')} here", example="/loops themes")
    return text


def rootcause_list(inv: Invocation) -> str:
    causes = root_causes(inv.session, workspace_id=inv.workspace_id)
    return "*Root causes* (asked for when a loop is resolved)\n" + "\n".join(f"• {c}" for c in causes)


def rootcause_add(inv: Invocation) -> str:
    need(inv.args, 1, what="the root cause, in quotes if it has spaces", example=ROOT_CAUSE)
    cause = inv.args[0].strip()
    if not cause or len(cause) > ROOT_CAUSE_LENGTH:
        raise CommandError(f"a root cause is 1 to {ROOT_CAUSE_LENGTH} characters", example=ROOT_CAUSE)
    causes = root_causes(inv.session, workspace_id=inv.workspace_id)
    if cause.lower() in (c.lower() for c in causes):
        return f"*{cause}* is already a root cause."
    _store(inv, causes, [*causes, cause])
    return f":white_check_mark: *{cause}* can now be chosen when a loop is resolved."


def rootcause_remove(inv: Invocation) -> str:
    example = '/loops rootcause remove "Expectations"'
    need(inv.args, 1, what="the root cause to remove", example=example)
    causes = root_causes(inv.session, workspace_id=inv.workspace_id)
    kept = [c for c in causes if c.lower() != inv.args[0].strip().lower()]
    if len(kept) == len(causes):
        raise CommandError(f"`{inv.args[0]}` is not a root cause; see `/loops rootcause list`", example=example)
    if not kept:
        raise CommandError("keep at least one root cause: resolving a loop asks for one", example=ROOT_CAUSE)
    _store(inv, causes, kept)
    return f":wastebasket: *{inv.args[0]}* is no longer offered (loops resolved with it keep it)."


def _store(inv: Invocation, before: list[str], after: list[str]) -> None:
    workspace = get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
    workspace.root_causes = after
    inv.session.add(workspace)
    inv.audit("rootcause.set", "root causes", before, after)


SUBCOMMANDS = [
    Subcommand(
        ("themes",),
        "/loops themes [team|status]",
        "Themes by ARR affected, with their status (all, one team's, or one status: open, shipped…)",
        THEMES,
        themes,
        topic="theme",
    ),
    Subcommand(
        ("theme", "show"),
        "/loops theme show <theme-id>",
        "One theme: its figures, customers' words, loops",
        "/loops theme show 4",
        theme_show,
    ),
    Subcommand(
        ("rootcause", "list"),
        "/loops rootcause list",
        "The root causes offered when resolving",
        "/loops rootcause list",
        rootcause_list,
    ),
    Subcommand(
        ("rootcause", "add"),
        "/loops rootcause add <name>",
        "Offer another root cause",
        ROOT_CAUSE,
        rootcause_add,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("rootcause", "remove"),
        "/loops rootcause remove <name>",
        "Stop offering a root cause",
        '/loops rootcause remove "Expectations"',
        rootcause_remove,
        admin=True,
        writes=True,
    ),
]
