"""Configuration as a YAML file: read and validated whole, every problem reported with where it is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.admin.config.hooks import HookConfig, parse_hooks
from bot.durations import InvalidDuration, format_duration, parse_duration
from bot.errors import ConfigError, LoopkeeperError
from bot.intake.sources import all_sources
from bot.loops.outcomes import ROOT_CAUSE_LENGTH
from bot.routing import InvalidMatcher, parse_matcher
from bot.schedules import parse_hours, parse_schedule

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
TEAM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
TYPEFORM_MAPPING_KEYS = frozenset(
    {"score", "scale", "comment", "email", "name", "account", "segment", "arr", "customer_id", "touchpoint", "product"}
)


@dataclass(frozen=True)
class TeamConfig:
    name: str
    channel: str
    leads: tuple[str, ...] = ()
    timezone: str = "UTC"
    hours: dict | None = field(default=None, compare=False)
    sla_ack_minutes: int | None = None
    sla_close_minutes: int | None = None
    digest: str = "weekly mon 09:00"
    thread_log: bool = True
    leads_only_moves: bool = False
    personal_digests: bool | None = None
    notify_owner_above: Decimal | None = None
    mask_emails: bool = False
    spikes: bool = True


@dataclass(frozen=True)
class AccountOwnerConfig:
    """Who owns an account, named by its customer id, email or name (the first given)."""

    owner: str
    customer_id: str | None = None
    email: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class PlaybookConfig:
    name: str
    match: tuple[str, ...]
    steps: tuple[tuple[str, str], ...]  # (step, within)
    final: bool = False
    disabled: bool = False


@dataclass(frozen=True)
class RouteConfig:
    team: str
    match: tuple[str, ...]
    continue_matching: bool = False


@dataclass(frozen=True)
class IntakeChannelConfig:
    channel: str
    source: str | None = None


@dataclass(frozen=True)
class ConfigDoc:
    teams: tuple[TeamConfig, ...] = ()
    routes: tuple[RouteConfig, ...] = ()
    default_channel: str | None = None
    intake_channels: tuple[IntakeChannelConfig, ...] = ()
    playbooks: tuple[PlaybookConfig, ...] = ()
    admins: tuple[str, ...] = ()
    # Per-source intake options, e.g. {"typeform": {"forms": {"<form id>": {"score": "<field ref>"}}}}.
    sources: dict = field(default_factory=dict, compare=False)
    # The root causes offered when resolving; None keeps the built-in list.
    root_causes: tuple[str, ...] | None = None
    account_owners: tuple[AccountOwnerConfig, ...] = ()
    # Outgoing webhooks: URLs and events only (bot/admin/config/hooks.py says why never a secret).
    hooks: tuple[HookConfig, ...] = ()


def load_config(path: str | Path) -> ConfigDoc:
    """Read and validate a config file; every problem is reported with where it is."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    return parse_config(data, source=str(path))


def parse_config(data: object, *, source: str = "config") -> ConfigDoc:
    """Validate a config mapping; raises ConfigError listing every problem found."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping with teams, routes and default_channel")
    known = (
        "default_channel",
        "teams",
        "routes",
        "playbooks",
        "intake_channels",
        "admins",
        "sources",
        "root_causes",
        "account_owners",
        "hooks",
    )
    unknown = set(data) - set(known)
    if unknown:
        problems.append(f"unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    teams = [_team(item, f"teams[{i}]", problems) for i, item in enumerate(_list(data, "teams", problems))]
    names = [t.name for t in teams if t]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"teams: {name!r} is defined more than once")
    routes = [
        _route(item, f"routes[{i}]", set(names), problems) for i, item in enumerate(_list(data, "routes", problems))
    ]
    default = data.get("default_channel")
    if default is not None and (not isinstance(default, str) or not CHANNEL_ID.match(default)):
        problems.append(f"default_channel: {default!r} is not a channel ID like C0123ABCD")
    intake = [
        _intake(item, f"intake_channels[{i}]", problems)
        for i, item in enumerate(_list(data, "intake_channels", problems))
    ]
    sources = _sources(data.get("sources"), problems)
    playbooks = [
        _playbook(item, f"playbooks[{i}]", problems) for i, item in enumerate(_list(data, "playbooks", problems))
    ]
    admins = _list(data, "admins", problems)
    if not all(isinstance(u, str) and USER_ID.match(u) for u in admins):
        problems.append("admins: must be a list of user IDs like U0123ABCD")
    causes = _root_causes(data.get("root_causes"), problems)
    owners = [
        _account_owner(item, f"account_owners[{i}]", problems)
        for i, item in enumerate(_list(data, "account_owners", problems))
    ]
    hooks = parse_hooks(data.get("hooks"), problems)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return ConfigDoc(
        tuple(t for t in teams if t),
        tuple(r for r in routes if r),
        default,
        tuple(c for c in intake if c),
        tuple(p for p in playbooks if p),
        tuple(admins),
        sources,
        causes,
        tuple(o for o in owners if o),
        hooks,
    )


def _account_owner(item: object, where: str, problems: list[str]) -> AccountOwnerConfig | None:
    keys = ("customer_id", "email", "account")
    if not isinstance(item, dict) or not any(isinstance(item.get(k), str) and item[k].strip() for k in keys):
        problems.append(f"{where}: needs the account (account, email or customer_id) and its owner (a user ID)")
        return None
    unknown = set(item) - {*keys, "owner"}
    owner = item.get("owner")
    if unknown:
        problems.append(
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(keys)}, owner"
        )
    if not isinstance(owner, str) or not USER_ID.match(owner):
        problems.append(f"{where}.owner: must be a user ID like U0123ABCD")
        return None
    if unknown:
        return None
    given = {k: str(item[k]).strip() for k in keys if isinstance(item.get(k), str) and item[k].strip()}
    return AccountOwnerConfig(
        owner, given.get("customer_id"), given.get("email", "").lower() or None, given.get("account")
    )


def _root_causes(value: object, problems: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(c, str) and 0 < len(c.strip()) <= ROOT_CAUSE_LENGTH for c in value)
    ):
        problems.append(f"root_causes: must be a non-empty list of names of 1 to {ROOT_CAUSE_LENGTH} characters")
        return None
    names = [c.strip() for c in value]
    if len({n.lower() for n in names}) != len(names):
        problems.append("root_causes: a name is listed twice")
    return tuple(names)


def _playbook(item: object, where: str, problems: list[str]) -> PlaybookConfig | None:
    if not isinstance(item, dict) or not TEAM_NAME.match(str(item.get("name", ""))):
        problems.append(f"{where}: needs a name (lowercase letters, digits, - or _)")
        return None
    before = len(problems)
    match = item.get("match") or []
    for j, text in enumerate(match if isinstance(match, list) else [match]):
        try:
            parse_matcher(str(text))
        except InvalidMatcher as exc:
            problems.append(f"{where}.match[{j}]: {exc}")
    steps = []
    for j, step in enumerate(item.get("steps") or []):
        if not isinstance(step, dict) or not str(step.get("do", "")).strip():
            problems.append(f"{where}.steps[{j}]: needs `do` (the step) and `within` (a duration)")
            continue
        try:
            within = format_duration(parse_duration(str(step.get("within", ""))))
        except InvalidDuration as exc:
            problems.append(f"{where}.steps[{j}].within: {exc}")
            continue
        steps.append((str(step["do"]).strip(), within))
    if len(problems) > before:
        return None
    return PlaybookConfig(
        str(item["name"]),
        tuple(str(m) for m in (match if isinstance(match, list) else [match])),
        tuple(steps),
        bool(item.get("final", False)),
        bool(item.get("disabled", False)),
    )


def _intake(item: object, where: str, problems: list[str]) -> IntakeChannelConfig | None:
    if not isinstance(item, dict) or not CHANNEL_ID.match(str(item.get("channel", ""))):
        problems.append(f"{where}: needs a channel ID like C0123ABCD (and optionally the source posting there)")
        return None
    source = item.get("source")
    if source is not None and not TEAM_NAME.match(str(source)):
        problems.append(f"{where}.source: {source!r} must be a short lowercase name like delighted")
        return None
    return IntakeChannelConfig(str(item["channel"]), None if source is None else str(source))


def _sources(value: object, problems: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append("sources: must be a mapping of source name to options")
        return {}
    for name, options in value.items():
        if name not in all_sources():
            problems.append(f"sources.{name}: unknown source; known: {', '.join(all_sources())}")
        elif not isinstance(options, dict):
            problems.append(f"sources.{name}: must be a mapping of options")
        elif name == "typeform":
            for form_id, mapping in (options.get("forms") or {}).items():
                bad = set(mapping or {}) - TYPEFORM_MAPPING_KEYS if isinstance(mapping, dict) else {"(not a mapping)"}
                if bad:
                    problems.append(
                        f"sources.typeform.forms.{form_id}: unknown key(s) {', '.join(sorted(bad))}; "
                        f"known: {', '.join(sorted(TYPEFORM_MAPPING_KEYS))}"
                    )
    return value


def _list(data: dict, key: str, problems: list[str]) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        problems.append(f"{key}: must be a list")
        return []
    return value


def _team(item: object, where: str, problems: list[str]) -> TeamConfig | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: must be a mapping with name and channel")
        return None
    name, channel = str(item.get("name", "")), str(item.get("channel", ""))
    leads, tz = item.get("leads") or [], str(item.get("timezone") or "UTC")
    before = len(problems)
    if not TEAM_NAME.match(name):
        problems.append(f"{where}.name: {name!r} must be lowercase letters, digits, - or _ (e.g. billing)")
    if not CHANNEL_ID.match(channel):
        problems.append(f"{where}.channel: {channel!r} is not a channel ID like C0123ABCD")
    if not isinstance(leads, list) or not all(isinstance(u, str) and USER_ID.match(u) for u in leads):
        problems.append(f"{where}.leads: must be a list of user IDs like U0123ABCD")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{where}.timezone: unknown timezone {tz!r} (e.g. Europe/Berlin)")
    hours, ack, close, digest = None, None, None, "weekly mon 09:00"
    try:
        if item.get("hours"):
            days, _, span = str(item["hours"]).partition(" ")
            hours = parse_hours(days, span.strip())
        sla = item.get("sla") or {}
        if not isinstance(sla, dict) or set(sla) - {"ack", "close"}:
            problems.append(f"{where}.sla: must be a mapping with ack and/or close durations")
        else:
            ack = _minutes(sla.get("ack"))
            close = _minutes(sla.get("close"))
        if item.get("digest"):
            digest = parse_schedule(str(item["digest"]))
    except LoopkeeperError as exc:
        problems.append(f"{where}: {exc}")
    moves = str(item.get("moves", "anyone"))
    if moves not in ("anyone", "leads"):
        problems.append(f"{where}.moves: must be anyone or leads")
    personal = item.get("personal_digests")
    if personal is not None and not isinstance(personal, bool):
        problems.append(f"{where}.personal_digests: must be true or false")
    threshold = item.get("notify_owner_above")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold < 0
    ):
        problems.append(f"{where}.notify_owner_above: must be an ARR amount like 50000 (or left out: off)")
        threshold = None
    mask = item.get("mask_emails", False)
    if not isinstance(mask, bool):
        problems.append(f"{where}.mask_emails: must be true or false")
    spikes = item.get("spikes", True)
    if not isinstance(spikes, bool):
        problems.append(f"{where}.spikes: must be true or false")
    if len(problems) > before:
        return None
    return TeamConfig(
        name,
        channel,
        tuple(leads),
        tz,
        hours,
        ack,
        close,
        digest,
        bool(item.get("thread_log", True)),
        moves == "leads",
        personal,
        Decimal(str(threshold)) if threshold is not None else None,
        mask is True,
        bool(spikes),
    )


def _minutes(value: object) -> int | None:
    if value in (None, "", "off"):
        return None
    return int(parse_duration(str(value)).total_seconds() // 60)


def _route(item: object, where: str, team_names: set[str], problems: list[str]) -> RouteConfig | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: must be a mapping with team and match")
        return None
    team, match = item.get("team"), item.get("match") or []
    before = len(problems)
    if team not in team_names:
        problems.append(f"{where}.team: {team!r} is not one of the teams defined in this file")
    if isinstance(match, str):
        match = [match]
    if not isinstance(match, list) or not match:
        problems.append(f"{where}.match: must be a non-empty list of matchers like score<=6")
        match = []
    for j, text in enumerate(match):
        try:
            parse_matcher(str(text))
        except InvalidMatcher as exc:
            problems.append(f"{where}.match[{j}]: {exc}")
    if len(problems) > before:
        return None
    return RouteConfig(str(team), tuple(str(m) for m in match), bool(item.get("continue", False)))
