"""Judging the gathered facts, one check each, and rendering them as lines: pure functions of their input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.delivery.slack_directory import ChannelStatus, TokenGrant
from bot.doctor.facts import ChannelUse, Configuration, Install, Leader, Outbox, Schema, Scopes, Secret

SHOWN = 5  # channels named in a line before "…and N more"
INVITE = "type `/invite @Loopkeeper` in each channel named"
TEAM_ELSEWHERE = "give the team another channel with `/loops team add`"
STOP_READING = "stop reading it with `/loops intake remove #channel`"
SECRET_HELP = "README: Connecting your survey and support tools"


@dataclass(frozen=True)
class Check:
    """One thing the doctor looked at: whether it is right, what it found, and what to do when it is not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def judge(install: Install) -> list[Check]:
    """Every check, in the order a person would fix them."""
    return [
        token_check(install.token),
        scopes_check(install.scopes, install.token),
        channels_check("team channels", install.configuration.team_channels, install, otherwise=TEAM_ELSEWHERE),
        channels_check("intake channels", install.configuration.intake_channels, install, otherwise=STOP_READING),
        secrets_check(install.secrets),
        schema_check(install.schema),
        leader_check(install.leader),
        outbox_check(install.outbox),
    ]


def render(checks: list[Check]) -> list[str]:
    """One line per check: ``✅ name: detail`` or ``❌ name: detail — fix: what to do``."""
    return [f"✅ {c.name}: {c.detail}" if c.ok else f"❌ {c.name}: {c.detail} — fix: {c.fix}" for c in checks]


def summary(checks: list[Check]) -> str:
    """``all 8 checks pass`` or ``2 of 8 checks fail``."""
    failing = sum(not c.ok for c in checks)
    if len(checks) == 1:
        return "the check fails" if failing else "the check passes"
    return f"{failing} of {len(checks)} checks fail" if failing else f"all {len(checks)} checks pass"


def token_check(token: TokenGrant) -> Check:
    name = "Slack token"
    if token.error == "no_answer":
        return Check(
            name, False, "Slack's Web API did not answer auth.test", "check SLACK_API_URL and the network, then retry"
        )
    if token.error:
        return Check(
            name,
            False,
            f"Slack refused SLACK_BOT_TOKEN ({token.error})",
            "copy the Bot User OAuth Token (`xoxb-…`, under OAuth & Permissions) into SLACK_BOT_TOKEN; "
            "reinstall the app if it was removed from the workspace",
        )
    return Check(name, True, f"works for {token.team or 'the workspace'} ({token.team_id}) as @{token.user}")


def scopes_check(scopes: Scopes, token: TokenGrant) -> Check:
    name = "Slack scopes"
    if scopes.problem:
        return Check(name, False, scopes.problem, "see the detail")
    if token.error:
        return Check(name, False, "not checked: the token does not work", "fix the Slack token first")
    if token.scopes is None:
        return Check(
            name,
            False,
            "Slack's answer to auth.test did not list the token's scopes (no x-oauth-scopes header)",
            "check that SLACK_API_URL is Slack's Web API",
        )
    missing = sorted(scopes.required - token.scopes)
    if missing:
        return Check(
            name,
            False,
            f"the token lacks {', '.join(missing)} (slack/manifest.yml asks for {len(scopes.required)})",
            f"add {'it' if len(missing) == 1 else 'them'} under OAuth & Permissions → Bot Token Scopes (or update "
            "the app from slack/manifest.yml), then reinstall the app to the workspace",
        )
    return Check(name, True, f"all {len(scopes.required)} scopes slack/manifest.yml asks for are granted")


def channels_check(name: str, uses: tuple[ChannelUse, ...], install: Install, *, otherwise: str) -> Check:
    """The bot must be in each channel: to post cards there, or to read the alerts posted there.

    ``otherwise``: the fix when a channel cannot be used; a team needs a channel, an intake channel does not.
    """
    configuration: Configuration = install.configuration
    if install.token.error:
        return Check(name, False, "not checked: the token does not work", "fix the Slack token first")
    if configuration.problem:
        return Check(name, False, f"not checked: {configuration.problem}", "fix the database first")
    if not uses:
        if otherwise == TEAM_ELSEWHERE:
            return Check(
                name,
                False,
                "no team and no default channel: feedback has nowhere to go",
                "add a team with `/loops team add <name> #channel` (or `loopkeeper config import FILE`)",
            )
        return Check(name, True, "none configured")
    problems, fixes = [], []
    for use in uses:
        status = install.channels.get(use.channel_id, ChannelStatus(use.channel_id, error="not_asked"))
        problem, fix = _channel_problem(status, otherwise)
        if problem:
            problems.append(f"{_label(status, use)} {problem}")
            fixes.append(fix)
    if problems:
        shown = "; ".join(problems[:SHOWN]) + (f"; …and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")
        return Check(name, False, shown, "; ".join(dict.fromkeys(fixes)))
    labels = [_label(install.channels[use.channel_id], use) for use in uses]
    if len(labels) == 1:
        return Check(name, True, f"the bot is in {labels[0]}")
    more = f", …and {len(labels) - SHOWN} more" if len(labels) > SHOWN else ""
    return Check(name, True, f"the bot is in all {len(uses)}: {', '.join(labels[:SHOWN])}{more}")


def _channel_problem(status: ChannelStatus, otherwise: str) -> tuple[str, str]:
    """What is wrong with a channel (empty when nothing is), and the fix."""
    if status.error == "channel_not_found":
        return "does not exist, or is private and the bot is not in it", f"{INVITE}, or {otherwise}"
    if status.error:
        return f"could not be checked (Slack: {status.error})", "run the doctor again in a minute"
    if status.is_archived:
        return "is archived", f"unarchive it, or {otherwise}"
    if not status.is_member:
        return "does not have the bot in it", INVITE
    return "", ""


def _label(status: ChannelStatus, use: ChannelUse) -> str:
    where = f"#{status.name} ({status.channel_id}" if status.name else f"({status.channel_id}"
    return f"{where}, {use.role})"


def secrets_check(secrets: tuple[Secret, ...]) -> Check:
    """Settings are named, never shown: a secret's value must not reach a log, a terminal or Slack."""
    name = "webhook secrets"
    used = [s for s in secrets if s.why]
    unusable = [s for s in used if not s.usable]
    if unusable:
        listed = "; ".join(
            f"{s.setting} is still a placeholder" if s.given else f"{s.setting} is not set ({s.why})" for s in unusable
        )
        return Check(
            name,
            False,
            listed,
            f"set {', '.join(s.setting for s in unusable)} to the signing secret from the tool's webhook settings "
            f"({SECRET_HELP}) and restart `loopkeeper run`",
        )
    unused = [s.source for s in secrets if not s.why]
    rest = f"; not in use: {', '.join(unused)}" if unused else ""
    return Check(name, True, f"set for {', '.join(s.source for s in used)}{rest}")


def schema_check(schema: Schema) -> Check:
    name = "database schema"
    if schema.problem:
        return Check(name, False, schema.problem, "check DATABASE_URL and that the database is running")
    if schema.pending:
        count = len(schema.pending)
        return Check(
            name,
            False,
            f"{count} migration{'' if count == 1 else 's'} not applied ({', '.join(sorted(schema.pending))}); "
            f"the code expects {schema.latest}",
            "run `loopkeeper db upgrade` (on SQLite, restarting `loopkeeper run` applies them too)",
        )
    return Check(name, True, f"at the latest migration ({schema.latest})")


def leader_check(leader: Leader) -> Check:
    """PostgreSQL shows who holds the leader lock; SQLite has no lock, so the running process is asked."""
    name = "scheduler"
    start = "start `loopkeeper run`"
    if leader.problem:
        return Check(name, False, f"could not ask the database: {leader.problem}", "check DATABASE_URL")
    if leader.backend == "postgresql":
        if leader.lock_held:
            return Check(name, True, "a `loopkeeper run` process holds the leader lock (PostgreSQL)")
        return Check(
            name,
            False,
            "no process holds the leader lock: SLA reminders and digests are not being sent",
            f"{start} (a replica takes the lead within seconds); if one runs, look for `leader election` in its log",
        )
    if leader.scheduler == "running":
        return Check(name, True, f"{leader.asked} runs it (SQLite: its one process leads)")
    if leader.scheduler is None:
        return Check(
            name,
            False,
            f"no answer from {leader.asked}: nothing sends SLA reminders and digests",
            f"{start} (on SQLite its one process schedules); if it runs elsewhere, "
            "give the doctor its LOOPKEEPER_HOST and LOOPKEEPER_PORT",
        )
    return Check(
        name,
        False,
        f"{leader.asked} says its scheduler is {leader.scheduler}",
        "restart `loopkeeper run` and look for errors in its log",
    )


def outbox_check(outbox: Outbox) -> Check:
    name = "outbox"
    if outbox.problem:
        return Check(name, False, f"could not be read: {outbox.problem}", "check DATABASE_URL")
    parked = sum(outbox.parked.values())
    pending = f" ({outbox.pending} pending)" if outbox.pending else ""
    if parked:
        return Check(
            name,
            False,
            f"{parked} parked deliver{'y' if parked == 1 else 'ies'} ({_reasons(outbox.parked)}){pending}",
            "fix the cause (invite the app, unarchive the channel…), then `/loops deliveries retry all`; "
            "`/loops deliveries` lists them",
        )
    return Check(name, True, f"nothing parked{pending}")


def _reasons(parked: Mapping[str, int]) -> str:
    return ", ".join(f"`{error}` ×{n}" if n > 1 else f"`{error}`" for error, n in sorted(parked.items()))
