"""/loops admin …, /loops intake … and /loops audit: who may change things, intake channels, history."""

from __future__ import annotations

import json

from bot.admin.config.parse import TEAM_NAME
from bot.admin.registry import Invocation, Subcommand, channel_arg, need, user_arg
from bot.errors import CommandError
from bot.mrkdwn import link_channel, mention_user
from models.admin import Admin, get_admin, list_admins, recent_audit
from models.intake_channel import (
    IntakeChannel,
    get_intake_channel,
    list_intake_channels,
)
from models.workspace import get_or_create_workspace


def admin_add(inv: Invocation) -> str:
    example = "/loops admin add @dana"
    need(inv.args, 1, what="the person to make an admin", example=example)
    user = user_arg(inv.args[0], example=example)
    if get_admin(session=inv.session, workspace_id=inv.workspace_id, user_id=user):
        return f"{mention_user(user)} is already an admin."
    get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
    inv.session.add(Admin(workspace_id=inv.workspace_id, user_id=user, added_by=inv.user_id, created_at=inv.now))
    inv.audit("admin.add", user, None, user)
    return f":white_check_mark: {mention_user(user)} can now change Loopkeeper's configuration."


def admin_remove(inv: Invocation) -> str:
    example = "/loops admin remove @dana"
    need(inv.args, 1, what="the admin to remove", example=example)
    user = user_arg(inv.args[0], example=example)
    admin = get_admin(session=inv.session, workspace_id=inv.workspace_id, user_id=user)
    if admin is None:
        hint = " (set in LOOPKEEPER_ADMINS; change it there)" if user in inv.env_admins else ""
        raise CommandError(
            f"{mention_user(user)} was not added with `/loops admin add`{hint}", example="/loops admin list"
        )
    inv.session.delete(admin)
    inv.audit("admin.remove", user, user, None)
    return f":wastebasket: {mention_user(user)} is no longer a Loopkeeper admin."


def admin_list(inv: Invocation) -> str:
    added = [a.user_id for a in list_admins(session=inv.session, workspace_id=inv.workspace_id)]
    lines = ["*Admins* — they can change teams, routes, playbooks and intake channels"]
    lines.append("• from LOOPKEEPER_ADMINS: " + (" ".join(mention_user(u) for u in inv.env_admins) or "none"))
    lines.append("• added here: " + (" ".join(mention_user(u) for u in added) or "none"))
    lines.append("• and every Slack workspace admin and owner")
    return "\n".join(lines)


INTAKE = "/loops intake add #nps-alerts delighted"


def intake_add(inv: Invocation) -> str:
    need(inv.args, 1, what="the channel", example=INTAKE)
    channel = channel_arg(inv.args[0], example=INTAKE)
    source = inv.args[1].lower() if len(inv.args) > 1 else None
    if source is not None and not TEAM_NAME.match(source):
        raise CommandError(f"`{inv.args[1]}` is not a source name (e.g. delighted)", example=INTAKE)
    if get_intake_channel(session=inv.session, workspace_id=inv.workspace_id, channel_id=channel):
        return f"{link_channel(channel)} is already an intake channel."
    get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
    inv.session.add(IntakeChannel(workspace_id=inv.workspace_id, channel_id=channel, source=source))
    inv.audit("intake.add", channel, None, {"channel": channel, "source": source})
    return f":white_check_mark: Alerts posted in {link_channel(channel)} now become feedback loops."


def intake_remove(inv: Invocation) -> str:
    example = "/loops intake remove #nps-alerts"
    need(inv.args, 1, what="the channel", example=example)
    channel = channel_arg(inv.args[0], example=example)
    row = get_intake_channel(session=inv.session, workspace_id=inv.workspace_id, channel_id=channel)
    if row is None:
        raise CommandError(f"{link_channel(channel)} is not an intake channel", example="/loops intake list")
    inv.session.delete(row)
    inv.audit("intake.remove", channel, {"channel": channel, "source": row.source}, None)
    return f":wastebasket: {link_channel(channel)} is no longer read for feedback."


def intake_list(inv: Invocation) -> str:
    rows = list_intake_channels(session=inv.session, workspace_id=inv.workspace_id)
    if not rows:
        return f"No intake channels. Add one: `{INTAKE}`"
    return "*Intake channels*\n" + "\n".join(
        f"• {link_channel(r.channel_id)}" + (f" ({r.source})" if r.source else "") for r in rows
    )


def audit(inv: Invocation) -> str:
    example = "/loops audit 20"
    count = inv.args[0] if inv.args else "10"
    if not (count.isascii() and count.isdigit() and len(count) <= 3) or not 1 <= int(count) <= 100:
        raise CommandError(f"`{count}` is not a number of entries from 1 to 100", example=example)
    entries = recent_audit(session=inv.session, workspace_id=inv.workspace_id, limit=int(count))
    if not entries:
        return "No configuration changes yet."
    lines = [f"*Last {len(entries)} change(s)*"]
    for entry in entries:
        lines.append(
            f"• {entry.at:%Y-%m-%d %H:%M} UTC {mention_user(entry.actor)} `{entry.action}` {entry.target}: "
            f"{_short(entry.before)} → {_short(entry.after)}"
        )
    return "\n".join(lines)


def _short(value: object) -> str:
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"`{text[:140]}{'…' if len(text) > 140 else ''}`"


SUBCOMMANDS = [
    Subcommand(
        ("admin", "add"),
        "/loops admin add @user",
        "Let someone change Loopkeeper's configuration",
        "/loops admin add @dana",
        admin_add,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("admin", "remove"),
        "/loops admin remove @user",
        "Take that away again",
        "/loops admin remove @dana",
        admin_remove,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("admin", "list"), "/loops admin list", "Who can change the configuration", "/loops admin list", admin_list
    ),
    Subcommand(
        ("intake", "add"),
        "/loops intake add #channel [source]",
        "Read alerts other apps post in a channel as feedback",
        INTAKE,
        intake_add,
        admin=True,
        writes=True,
        channel_arg=0,
    ),
    Subcommand(
        ("intake", "list"), "/loops intake list", "Channels read as feedback", "/loops intake list", intake_list
    ),
    Subcommand(
        ("intake", "remove"),
        "/loops intake remove #channel",
        "Stop reading a channel",
        "/loops intake remove #nps-alerts",
        intake_remove,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("audit",),
        "/loops audit [n]",
        "The last configuration changes: who, when, what, before → after",
        "/loops audit 20",
        audit,
    ),
]
