"""/loops doctor as Slack sends it: a healthy install passes every check, and the stand-in set up to fail
each check makes exactly that line say what is wrong and how to fix it."""

from __future__ import annotations

import dataclasses

import pytest

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.doctor.manifest import bot_scopes
from handlers.commands import WORKING
from models.db import latest_migration, transaction
from models.outbox import PARKED, OutboxItem
from tests.conftest import TEST_CONFIG
from tests.harness import Harness

ADMIN = "U0ADMIN"
CHECKS = (
    "Slack token",
    "Slack scopes",
    "team channels",
    "intake channels",
    "webhook secrets",
    "database schema",
    "scheduler",
    "outbox",
)


def doctor(harness) -> list[str]:
    """The answer's lines: in the ack, or through response_url when the checks took longer than its budget."""
    response = harness.slash("doctor", user_id=ADMIN)
    assert response.status_code == 200 and response.json()["response_type"] == "ephemeral"
    text = response.json()["text"]
    if text == WORKING:
        [answer] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"), timeout=15)
        text = answer.args["text"]
    return text.splitlines()


def check(lines: list[str], name: str) -> str:
    [line] = [line for line in lines if line[2:].startswith(name + ":")]
    return line


def only_failing(lines: list[str], name: str) -> str:
    """The one failing line, which must be ``name``'s; every other check still passes."""
    assert lines[0] == "*Install doctor*: 1 of 8 checks fail", lines
    [failing] = [line for line in lines[1:] if line.startswith("❌")]
    assert failing == check(lines, name), lines
    return failing


def test_a_healthy_install_passes_every_check(harness):
    lines = doctor(harness)
    assert lines[0] == "*Install doctor*: all 8 checks pass", lines
    assert [line[:1] for line in lines[1:]] == ["✅"] * len(CHECKS)
    assert [line[2:].split(":")[0] for line in lines[1:]] == list(CHECKS)
    assert check(lines, "Slack token") == "✅ Slack token: works for Loopkeeper Demo (T0LOOPKEEP) as @loopkeeper"
    scopes = check(lines, "Slack scopes")
    assert scopes == f"✅ Slack scopes: all {len(bot_scopes())} scopes slack/manifest.yml asks for are granted"
    team = check(lines, "team channels")
    assert team.startswith("✅ team channels: the bot is in all 4: #c0billing (C0BILLING, team billing)")
    assert "(C0DEFAULT, default channel)" in team
    assert check(lines, "intake channels") == (
        "✅ intake channels: the bot is in all 2: #c0alerts (C0ALERTS, intake), #c0intake (C0INTAKE, intake, delighted)"
    )
    secrets = check(lines, "webhook secrets")
    assert secrets == "✅ webhook secrets: set for delighted, generic, intercom, typeform, zendesk, stripe, accounts"
    assert check(lines, "database schema").startswith("✅ database schema: at the latest migration (0")
    assert check(lines, "outbox") == "✅ outbox: nothing parked"
    # It looks and changes nothing: no channel joined, no Slack write.
    assert harness.standin.calls_to("conversations.join") == []
    assert harness.standin.calls_to("chat.postMessage") == []


def test_a_missing_scope_is_named_with_how_to_grant_it(harness):
    harness.standin.granted_scopes = set(bot_scopes()) - {"channels:history", "im:write"}
    failing = only_failing(doctor(harness), "Slack scopes")
    assert failing.startswith("❌ Slack scopes: the token lacks channels:history, im:write (slack/manifest.yml asks")
    assert "— fix: add them under OAuth &amp; Permissions → Bot Token Scopes" in failing
    assert "reinstall the app" in failing


def test_the_bot_not_in_a_team_channel(harness):
    harness.standin.add_channel("C0BILLING", "billing-feedback", is_member=False)
    failing = only_failing(doctor(harness), "team channels")
    assert failing == (
        "❌ team channels: #billing-feedback (C0BILLING, team billing) does not have the bot in it"
        " — fix: type `/invite @Loopkeeper` in each channel named"
    )
    assert harness.standin.calls_to("conversations.join") == []  # reported, not joined


def test_the_bot_not_in_an_intake_channel_and_an_archived_one(harness):
    harness.standin.add_channel("C0INTAKE", "nps-alerts", is_member=False)
    harness.standin.add_channel("C0ALERTS", "old-alerts", is_archived=True)
    failing = only_failing(doctor(harness), "intake channels")
    assert failing == (
        "❌ intake channels: #old-alerts (C0ALERTS, intake) is archived; "
        "#nps-alerts (C0INTAKE, intake, delighted) does not have the bot in it — fix: unarchive it, or stop "
        "reading it with `/loops intake remove #channel`; type `/invite @Loopkeeper` in each channel named"
    )


@pytest.fixture
def unset_secrets_harness(settings, standin):
    """Delighted's secret left as the example text, and Typeform configured (form mappings) with no secret."""
    secrets = {
        "LOOPKEEPER_WEBHOOK_SECRET_DELIGHTED": "changeme-delighted-key",
        "LOOPKEEPER_WEBHOOK_SECRET_STRIPE": "whsec_your-stripe-signing-secret",
    }
    harness = Harness(dataclasses.replace(settings, source_secrets=secrets), standin)
    config = {**TEST_CONFIG, "sources": {"typeform": {"forms": {"Xk3pQ9aZ": {"score": "nps_score"}}}}}
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(config))
    harness.start()
    yield harness
    harness.stop()


def test_an_unset_or_placeholder_secret_is_named_never_shown(unset_secrets_harness):
    lines = doctor(unset_secrets_harness)
    failing = only_failing(lines, "webhook secrets")
    assert failing.startswith(
        "❌ webhook secrets: LOOPKEEPER_WEBHOOK_SECRET_DELIGHTED is still a placeholder; "
        "LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM is not set (typeform has options in the configuration); "
        "LOOPKEEPER_WEBHOOK_SECRET_STRIPE is still a placeholder — fix: set LOOPKEEPER_WEBHOOK_SECRET_DELIGHTED, "
        "LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM, LOOPKEEPER_WEBHOOK_SECRET_STRIPE to the signing secret"
    )
    assert "zendesk" not in failing  # not in use: not required
    text = "\n".join(lines)
    for secret in (
        "changeme-delighted-key",
        "whsec_your-stripe-signing-secret",
        unset_secrets_harness.settings.webhook_secret,
        unset_secrets_harness.settings.slack_bot_token,
    ):
        assert secret not in text


@pytest.fixture
def old_schema_harness(settings, standin, old_schema_url):
    harness = Harness(dataclasses.replace(settings, database_url=old_schema_url), standin)
    harness.start()
    yield harness
    harness.stop()


def test_an_old_schema(old_schema_harness):
    failing = only_failing(doctor(old_schema_harness), "database schema")
    assert failing == (
        f"❌ database schema: 1 migration not applied ({latest_migration()}); the code expects {latest_migration()}"
        " — fix: run `loopkeeper db upgrade` (on SQLite, restarting `loopkeeper run` applies them too)"
    )


def test_parked_deliveries(harness):
    with transaction(harness.app.engine) as session:
        for channel in ("C0GONE", "C0GONE", "C0OLD"):
            error = "channel_not_found" if channel == "C0GONE" else "is_archived"
            payload = {"channel": channel, "text": "card"}
            session.add(
                OutboxItem(
                    workspace_id=harness.workspace_id,
                    ordering_key=f"test:{channel}",
                    kind="card",
                    method="chat.postMessage",
                    payload=payload,
                    state=PARKED,
                    last_error=error,
                )
            )
    failing = only_failing(doctor(harness), "outbox")
    assert failing == (
        "❌ outbox: 3 parked deliveries (`channel_not_found` ×2, `is_archived`) — fix: fix the cause (invite the "
        "app, unarchive the channel…), then `/loops deliveries retry all`; `/loops deliveries` lists them"
    )


def test_no_scheduler_leader(harness):
    harness.app.leadership.stop()  # the lock goes with its connection (PostgreSQL)
    harness.app.scheduler.shutdown(wait=False)
    failing = only_failing(doctor(harness), "scheduler")
    if harness.app.engine.dialect.name == "postgresql":
        assert failing.startswith("❌ scheduler: no process holds the leader lock: SLA reminders and digests")
    else:
        assert failing.startswith("❌ scheduler: this process says its scheduler is stopped")


def test_the_scheduler_leader_is_seen(harness):
    line = check(doctor(harness), "scheduler")
    if harness.app.engine.dialect.name == "postgresql":
        assert line == "✅ scheduler: a `loopkeeper run` process holds the leader lock (PostgreSQL)"
    else:
        assert line == "✅ scheduler: this process runs it (SQLite: its one process leads)"


def test_members_may_not_run_the_doctor(harness):
    text = harness.slash("doctor", user_id="U0DANA").json()["text"]
    assert text.startswith(":lock: Sorry, only Loopkeeper admins can run `/loops doctor`")
    assert harness.standin.calls_to("users.conversations") == []  # refused before anything was asked
