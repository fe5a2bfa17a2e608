"""/loops team …: the teams that own feedback, their channels, leads, hours, SLAs and digests."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.admin.config.parse import TEAM_NAME
from bot.admin.registry import Invocation, Subcommand, channel_arg, need, user_arg
from bot.digest.personal import personal_digests_on
from bot.durations import InvalidDuration, format_minutes, parse_duration
from bot.errors import CommandError
from bot.loops.cards_refresh import redraw_open_cards
from bot.money import format_money
from bot.mrkdwn import link_channel, mention_user
from bot.schedules import format_hours, parse_hours, parse_schedule
from models.loop import count_team_loops
from models.team import Team, delete_routes, get_team_by_name, list_teams
from models.workspace import get_or_create_workspace

ADD = "/loops team add billing #billing-feedback"


def team_snapshot(team: Team) -> dict:
    """A team's settings as stored in the audit trail and config files."""
    return {
        "name": team.name,
        "channel": team.channel_id,
        "leads": list(team.leads),
        "timezone": team.timezone,
        "hours": team.hours,
        "sla_ack_minutes": team.sla_ack_minutes,
        "sla_close_minutes": team.sla_close_minutes,
        "digest": team.digest_schedule,
        "thread_log": team.thread_log,
        "moves": "leads" if team.leads_only_moves else "anyone",
        "personal_digests": team.personal_digests,
        "notify_owner_above": str(team.notify_owner_above) if team.notify_owner_above is not None else None,
        "mask_emails": team.mask_emails,
        "spikes": team.spikes,
    }


def find_team(inv: Invocation, name: str, *, example: str) -> Team:
    team = get_team_by_name(session=inv.session, workspace_id=inv.workspace_id, name=name.lower())
    if team is None:
        known = ", ".join(t.name for t in list_teams(session=inv.session, workspace_id=inv.workspace_id)) or "none yet"
        raise CommandError(f"no team called `{name}` (teams: {known})", example=example)
    return team


def add(inv: Invocation) -> str:
    need(inv.args, 2, what="a team name and its channel", example=ADD)
    name, channel = inv.args[0].lower(), channel_arg(inv.args[1], example=ADD)
    if not TEAM_NAME.match(name):
        raise CommandError(f"`{inv.args[0]}` cannot be a team name: use lowercase letters, digits, - or _", example=ADD)
    if get_team_by_name(session=inv.session, workspace_id=inv.workspace_id, name=name):
        raise CommandError(
            f"team `{name}` already exists; change it with `/loops team set {name} …`",
            example=f"/loops team set {name} lead @dana",
        )
    get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
    team = Team(workspace_id=inv.workspace_id, name=name, channel_id=channel)
    inv.session.add(team)
    inv.session.flush()
    inv.audit("team.add", name, None, team_snapshot(team))
    return (
        f":white_check_mark: Team *{name}* works in {link_channel(channel)}. Send it feedback with a route, e.g. "
        f"`/loops route add {name} touchpoint=billing`."
    )


def list_(inv: Invocation) -> str:
    teams = list_teams(session=inv.session, workspace_id=inv.workspace_id)
    if not teams:
        return f"No teams yet. Add one: `{ADD}`"
    lines = ["*Teams*"] + [f"• *{team.name}* → {list_line(team)}" for team in teams]
    return "\n".join(lines)


def remove(inv: Invocation) -> str:
    example = "/loops team remove billing"
    need(inv.args, 1, what="the team to remove", example=example)
    team = find_team(inv, inv.args[0], example=example)
    loops = count_team_loops(session=inv.session, team_id=team.id)
    if loops:
        raise CommandError(
            f"team `{team.name}` still has {loops} loop(s); they keep their history, so the team "
            "stays. Change its routes instead",
            example="/loops route list",
        )
    before = team_snapshot(team)
    routes = delete_routes(session=inv.session, workspace_id=inv.workspace_id, team_id=team.id)
    inv.session.delete(team)
    inv.audit("team.remove", team.name, before, None)
    return f":wastebasket: Team *{team.name}* removed" + (f", with its {routes} route(s)." if routes else ".")


SET = "/loops team set billing sla ack 2h close 2d"


def set_(inv: Invocation) -> str:
    need(inv.args, 3, what="a team, a setting (lead, timezone, hours, sla, digest) and its value", example=SET)
    team = find_team(inv, inv.args[0], example=SET)
    setting, values = inv.args[1].lower(), inv.args[2:]
    _check_values(setting, values)
    before = team_snapshot(team)
    if setting in ("lead", "leads"):
        team.leads = [user_arg(v, example="/loops team set billing lead @dana @sam") for v in values]
    elif setting in ("timezone", "tz"):
        try:
            ZoneInfo(values[0])
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(
                f"`{values[0]}` is not a timezone", example="/loops team set billing timezone Europe/Berlin"
            ) from None
        team.timezone = values[0]
    elif setting == "hours":
        if values[0].lower() in ("24/7", "always", "off"):
            team.hours = None
        else:
            need(values, 2, what="days and a time span", example="/loops team set billing hours mon-fri 09:00-17:00")
            team.hours = parse_hours(values[0], values[1])
    elif setting == "sla":
        team.sla_ack_minutes, team.sla_close_minutes = _sla(values, team)
    elif setting == "digest":
        team.digest_schedule = parse_schedule(" ".join(values))
    elif setting == "thread-log":
        team.thread_log = _on_off(values[0], example="/loops team set billing thread-log off")
    elif setting == "personal-digests":
        choice = values[0].lower()
        if choice not in ("on", "off", "default"):
            raise CommandError(
                f"`{values[0]}`: say on, off or default (on for weekly digests)",
                example="/loops team set billing personal-digests off",
            )
        team.personal_digests = None if choice == "default" else choice == "on"
    elif setting == "spikes":
        team.spikes = _on_off(values[0], example="/loops team set billing spikes off")
    elif setting == "notify-owner-above":
        team.notify_owner_above = _threshold(values[0])
    elif setting == "mask-emails":
        team.mask_emails = _on_off(values[0], example="/loops team set billing mask-emails on")
        redraw_open_cards(inv.session, workspace_id=inv.workspace_id, team_id=team.id)
    elif setting == "moves":
        if values[0].lower() not in ("leads", "anyone"):
            raise CommandError(
                "say who may move and reopen loops: leads or anyone", example="/loops team set billing moves leads"
            )
        team.leads_only_moves = values[0].lower() == "leads"
    else:
        raise CommandError(
            f"`{setting}` is not a team setting; settings: lead, timezone, hours, sla, digest, "
            "thread-log, personal-digests, moves, notify-owner-above, mask-emails, spikes",
            example=SET,
        )
    inv.session.add(team)
    inv.audit(
        f"team.set.{setting.rstrip('s') if setting == 'leads' else setting}", team.name, before, team_snapshot(team)
    )
    return f":white_check_mark: *{team.name}* updated.\n" + list_line(team)


# How many values each one-value setting takes; `hours` takes one (24/7) or two (days and a span).
_ONE_VALUE = {
    "timezone": 1,
    "tz": 1,
    "thread-log": 1,
    "personal-digests": 1,
    "moves": 1,
    "notify-owner-above": 1,
    "mask-emails": 1,
    "spikes": 1,
}
NOTIFY = "/loops team set billing notify-owner-above 50000"
_AMOUNT = re.compile(r"^\$?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?)([km]?)$")
MAX_THRESHOLD = Decimal(10) ** 12


def _threshold(value: str) -> Decimal | None:
    """An ARR amount (50000, 50,000, $50k, 1.5m), or off."""
    word = value.strip().lower()
    if word == "off":
        return None
    match = _AMOUNT.match(word)
    amount = (
        Decimal(match.group(1).replace(",", "")) * {"k": 1000, "m": 1_000_000}.get(match.group(2), 1) if match else None
    )
    if amount is None or amount >= MAX_THRESHOLD:
        raise CommandError(f"`{value}` is not an ARR amount; say e.g. 50000, $50k or off", example=NOTIFY)
    return amount.quantize(Decimal("0.01"))


def _check_values(setting: str, values: tuple[str, ...]) -> None:
    """Words a setting does not take are refused, never dropped."""
    if setting == "hours":
        most: int | None = 1 if values[0].lower() in ("24/7", "always", "off") else 2
    else:
        most = _ONE_VALUE.get(setting)  # None: a list (leads), pairs (sla) or a schedule, checked where parsed
    if most is not None and len(values) > most:
        extra = " ".join(values[most:])[:80]
        raise CommandError(
            f"`{setting}` takes {most} value{'s' if most > 1 else ''}; I do not understand `{extra}`", example=SET
        )


def list_line(team: Team) -> str:
    sla = " / ".join(
        x
        for x in (
            f"ack {format_minutes(team.sla_ack_minutes)}" if team.sla_ack_minutes else "",
            f"close {format_minutes(team.sla_close_minutes)}" if team.sla_close_minutes else "",
        )
        if x
    )
    return (
        f"{link_channel(team.channel_id)} · leads {' '.join(mention_user(u) for u in team.leads) or 'none'} · "
        f"{team.timezone} · "
        f"{format_hours(team.hours)} · SLA {sla or 'none'} · digest {team.digest_schedule}"
        + ("" if team.thread_log else " · thread log off")
        + ("" if team.spikes else " · spike alerts off")
        + (" · personal digests " + ("on" if personal_digests_on(team) else "off"))
        + (" · moves: leads only" if team.leads_only_moves else "")
        + (" · emails masked" if team.mask_emails else "")
        + (
            f" · tells account owners above {format_money(team.notify_owner_above)} ARR"
            if team.notify_owner_above is not None
            else ""
        )
    )


def _on_off(value: str, *, example: str) -> bool:
    if value.lower() not in ("on", "off"):
        raise CommandError(f"`{value}`: say on or off", example=example)
    return value.lower() == "on"


def _sla(values: tuple[str, ...], team: Team) -> tuple[int | None, int | None]:
    ack, close = team.sla_ack_minutes, team.sla_close_minutes
    if len(values) % 2:
        raise CommandError("write each SLA as a pair: ack <duration> and/or close <duration> (or off)", example=SET)
    for key, value in zip(values[::2], values[1::2], strict=True):
        if key.lower() not in ("ack", "close"):
            raise CommandError(f"`{key}` is not an SLA; use ack and close", example=SET)
        minutes = None
        if value.lower() != "off":
            try:
                minutes = int(parse_duration(value).total_seconds() // 60)
            except InvalidDuration as exc:
                raise CommandError(str(exc), example=SET) from None
        if key.lower() == "ack":
            ack = minutes
        else:
            close = minutes
    return ack, close


SUBCOMMANDS = [
    Subcommand(
        ("team", "add"),
        "/loops team add <name> #channel",
        "Add a team that owns feedback in a channel",
        ADD,
        add,
        admin=True,
        writes=True,
        channel_arg=1,
    ),
    Subcommand(
        ("team", "list"),
        "/loops team list",
        "Teams with their channels, leads, hours, SLAs and digests",
        "/loops team list",
        list_,
    ),
    Subcommand(
        ("team", "remove"),
        "/loops team remove <name>",
        "Remove a team (and its routes)",
        "/loops team remove billing",
        remove,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("team", "set"),
        "/loops team set <name> lead|timezone|hours|sla|digest <value…>",
        "Change a team: `lead @a @b`, `timezone Europe/Berlin`, `hours mon-fri 09:00-17:00`, "
        '`sla ack 2h close 2d`, `digest "weekly mon 09:00"`, `thread-log off`, `personal-digests off`, '
        "`moves leads`, `notify-owner-above 50000` (a detractor from an account with that ARR or more tells its "
        "owner), `mask-emails on` (cards show customers' emails as d•••@acme.io), "
        "`spikes off` (no spike alerts in its channel; on by default)",
        SET,
        set_,
        admin=True,
        writes=True,
    ),
]
