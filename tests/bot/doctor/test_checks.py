"""Judging gathered facts and rendering the lines: pure, so each rule is a row of a table."""

from __future__ import annotations

import pytest

from bot.delivery.slack_directory import ChannelStatus, TokenGrant
from bot.doctor.checks import (
    Check,
    channels_check,
    judge,
    leader_check,
    outbox_check,
    render,
    schema_check,
    scopes_check,
    secrets_check,
    summary,
    token_check,
)
from bot.doctor.facts import ChannelUse, Configuration, Install, Leader, Outbox, Schema, Scopes, Secret

TOKEN = TokenGrant(team_id="T0X", team="Acme", user="loopkeeper", scopes=frozenset({"chat:write", "commands"}))
SCOPES = Scopes(required=frozenset({"chat:write", "commands"}))
BILLING = ChannelUse("C0BILLING", "team billing")


def install(**changes) -> Install:
    facts = {
        "token": TOKEN,
        "scopes": SCOPES,
        "configuration": Configuration(team_channels=(BILLING,)),
        "channels": {"C0BILLING": ChannelStatus("C0BILLING", name="billing", is_member=True)},
        "secrets": (Secret("generic", "LOOPKEEPER_WEBHOOK_SECRET", "always", given=True, usable=True),),
        "schema": Schema(latest="0009"),
        "outbox": Outbox(),
        "leader": Leader("postgresql", lock_held=True),
    }
    return Install(**{**facts, **changes})


def test_render_one_line_per_check_with_the_fix_only_when_failing():
    checks = [Check("outbox", True, "nothing parked"), Check("scheduler", False, "no leader", "start it")]
    assert render(checks) == ["✅ outbox: nothing parked", "❌ scheduler: no leader — fix: start it"]
    assert summary(checks) == "1 of 2 checks fail"
    assert summary(checks[:1]) == "the check passes" and summary(checks[1:]) == "the check fails"
    assert summary(checks[:1] * 3) == "all 3 checks pass"


def test_a_healthy_install_passes_in_the_order_a_person_fixes_things():
    checks = judge(install())
    assert checks[2].detail == "the bot is in #billing (C0BILLING, team billing)"
    assert [c.name for c in checks] == [
        "Slack token",
        "Slack scopes",
        "team channels",
        "intake channels",
        "webhook secrets",
        "database schema",
        "scheduler",
        "outbox",
    ]
    assert all(c.ok for c in checks), checks


@pytest.mark.parametrize(
    ("token", "ok", "says"),
    [
        (TOKEN, True, "works for Acme (T0X) as @loopkeeper"),
        (TokenGrant(error="invalid_auth"), False, "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
        (TokenGrant(error="no_answer"), False, "Slack's Web API did not answer auth.test"),
    ],
)
def test_token(token, ok, says):
    check = token_check(token)
    assert (check.ok, check.detail) == (ok, says)


@pytest.mark.parametrize(
    ("scopes", "token", "ok", "says"),
    [
        (SCOPES, TOKEN, True, "all 2 scopes slack/manifest.yml asks for are granted"),
        (
            Scopes(required=frozenset({"chat:write", "im:write", "users:read"})),
            TOKEN,
            False,
            "lacks im:write, users:read",
        ),
        (SCOPES, TokenGrant(error="invalid_auth"), False, "not checked: the token does not work"),
        (SCOPES, TokenGrant(team_id="T0X"), False, "did not list the token's scopes (no x-oauth-scopes header)"),
        (Scopes(problem="the Slack app manifest is not at /x"), TOKEN, False, "the Slack app manifest is not at /x"),
    ],
)
def test_scopes(scopes, token, ok, says):
    check = scopes_check(scopes, token)
    assert check.ok is ok and says in check.detail


def test_granted_scopes_beyond_the_manifest_are_fine():
    token = TokenGrant(team_id="T0X", scopes=frozenset({"chat:write", "commands", "reactions:write"}))
    assert scopes_check(SCOPES, token).ok


@pytest.mark.parametrize(
    ("status", "says", "fix"),
    [
        (
            ChannelStatus("C0BILLING", name="billing", is_member=False),
            "#billing (C0BILLING, team billing) does not have the bot in it",
            "`/invite @Loopkeeper`",
        ),
        (
            ChannelStatus("C0BILLING", error="channel_not_found"),
            "(C0BILLING, team billing) does not exist, or is private",
            "`/loops team add`",
        ),
        (ChannelStatus("C0BILLING", name="billing", is_member=True, is_archived=True), "is archived", "unarchive it"),
        (
            ChannelStatus("C0BILLING", error="ratelimited"),
            "could not be checked (Slack: ratelimited)",
            "again in a minute",
        ),
    ],
)
def test_a_team_channel_the_bot_cannot_use(status, says, fix):
    [check] = [c for c in judge(install(channels={"C0BILLING": status})) if c.name == "team channels"]
    assert not check.ok and says in check.detail and fix in check.fix
    assert check.detail.startswith(("#billing (C0BILLING, team billing) ", "(C0BILLING, team billing) "))


def test_many_channels_are_named_up_to_five():
    uses = tuple(ChannelUse(f"C0T{i}", f"team t{i}") for i in range(8))
    channels = {u.channel_id: ChannelStatus(u.channel_id, name=f"t{i}") for i, u in enumerate(uses)}
    facts = install(configuration=Configuration(team_channels=uses), channels=channels)
    check = channels_check("team channels", uses, facts, otherwise="x")
    assert check.detail.count("does not have the bot in it") == 5 and check.detail.endswith("…and 3 more")
    assert check.fix == "type `/invite @Loopkeeper` in each channel named"  # the same fix once


def test_no_team_channel_at_all_fails_but_no_intake_channel_is_fine():
    checks = {c.name: c for c in judge(install(configuration=Configuration()))}
    assert not checks["team channels"].ok and "feedback has nowhere to go" in checks["team channels"].detail
    assert checks["intake channels"].ok and checks["intake channels"].detail == "none configured"


def test_channels_are_not_checked_with_a_token_that_does_not_work_or_an_unreadable_configuration():
    unknown = Configuration(problem="not read: which workspace this is follows from the token")
    checks = {c.name: c for c in judge(install(token=TokenGrant(error="invalid_auth"), configuration=unknown))}
    assert checks["team channels"].detail == "not checked: the token does not work"
    assert checks["intake channels"].fix == "fix the Slack token first"
    broken = Configuration(problem="cannot use the database sqlite:///x.db: no such table: team")
    checks = {c.name: c for c in judge(install(configuration=broken))}
    assert checks["team channels"].detail == "not checked: cannot use the database sqlite:///x.db: no such table: team"


@pytest.mark.parametrize(
    ("secrets", "ok", "says"),
    [
        (
            (
                Secret("generic", "LOOPKEEPER_WEBHOOK_SECRET", "always", given=True, usable=True),
                Secret("zendesk", "LOOPKEEPER_WEBHOOK_SECRET_ZENDESK", None, given=False, usable=False),
            ),
            True,
            "set for generic; not in use: zendesk",
        ),
        (
            (
                Secret(
                    "delighted", "LOOPKEEPER_WEBHOOK_SECRET_DELIGHTED", "its setting is given", given=True, usable=False
                ),
            ),
            False,
            "LOOPKEEPER_WEBHOOK_SECRET_DELIGHTED is still a placeholder",
        ),
        (
            (
                Secret(
                    "typeform", "LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM", "typeform has options", given=False, usable=False
                ),
            ),
            False,
            "LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM is not set (typeform has options)",
        ),
    ],
)
def test_secrets(secrets, ok, says):
    check = secrets_check(secrets)
    assert (check.ok, check.detail) == (ok, says)


@pytest.mark.parametrize(
    ("schema", "ok", "says"),
    [
        (Schema(latest="0009"), True, "at the latest migration (0009)"),
        (
            Schema(pending=("0009", "0008"), latest="0009"),
            False,
            "2 migrations not applied (0008, 0009); the code expects 0009",
        ),
        (Schema(problem="cannot use the database sqlite:///x.db: unable to open"), False, "cannot use the database"),
    ],
)
def test_schema(schema, ok, says):
    check = schema_check(schema)
    assert check.ok is ok and check.detail.startswith(says)


@pytest.mark.parametrize(
    ("leader", "ok", "says"),
    [
        (Leader("postgresql", lock_held=True), True, "a `loopkeeper run` process holds the leader lock"),
        (Leader("postgresql", lock_held=False), False, "no process holds the leader lock"),
        (Leader("postgresql", problem="cannot use the database"), False, "could not ask the database"),
        (Leader("sqlite", scheduler="running", asked="this process"), True, "this process runs it"),
        (
            Leader("sqlite", scheduler=None, asked="the `loopkeeper run` at http://127.0.0.1:3000"),
            False,
            "no answer from the `loopkeeper run` at http://127.0.0.1:3000",
        ),
        (
            Leader("sqlite", scheduler="stopped", asked="this process"),
            False,
            "this process says its scheduler is stopped",
        ),
    ],
)
def test_leader(leader, ok, says):
    check = leader_check(leader)
    assert check.ok is ok and check.detail.startswith(says)


def test_outbox():
    assert outbox_check(Outbox(pending=2)).detail == "nothing parked (2 pending)"
    parked = outbox_check(Outbox(parked={"is_archived": 1, "channel_not_found": 3}))
    assert not parked.ok and parked.detail == "4 parked deliveries (`channel_not_found` ×3, `is_archived`)"
    assert "`/loops deliveries retry all`" in parked.fix
