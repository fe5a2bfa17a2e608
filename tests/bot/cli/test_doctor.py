"""`loopkeeper doctor` as an operator runs it: a real process against the stand-in and the database, the same
lines as `/loops doctor`, exit status 0 when every check passes and 1 when any fails."""

from __future__ import annotations

import sqlite3

from bot.doctor.manifest import MANIFEST
from models.db import latest_migration
from tests.bot.cli.test_cli import loopkeeper
from tests.factories import SOURCE_SECRETS, previous_migration


def environment(standin, database_url: str, **more: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6a7b8c9d0",
        "LOOPKEEPER_WEBHOOK_SECRET": "f0e9d8c7b6a5f4e3",
        "SLACK_API_URL": standin.url,
        "DATABASE_URL": database_url,
        "LOOPKEEPER_DEFAULT_CHANNEL": "C0DEFAULT",
        **more,
    }


def test_a_healthy_install_prints_every_check_passing_and_exits_0(harness, tmp_path):
    """Next to a running app (the harness: its scheduler leads), sharing its database and Slack."""
    env = environment(
        harness.standin,
        harness.settings.database_url,
        LOOPKEEPER_PORT=str(harness.server.port),
        **SOURCE_SECRETS,
    )
    result = loopkeeper("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    *lines, last = result.stdout.strip().splitlines()
    assert last == "all 8 checks pass"
    assert [line[:1] for line in lines] == ["✅"] * 8, lines
    assert "✅ team channels: the bot is in all 4: #c0billing (C0BILLING, team billing)" in result.stdout
    if harness.app.engine.dialect.name == "sqlite":
        expected = f"✅ scheduler: the `loopkeeper run` at http://127.0.0.1:{harness.server.port} runs it"
    else:
        expected = "✅ scheduler: a `loopkeeper run` process holds the leader lock (PostgreSQL)"
    assert expected in result.stdout


def test_what_is_wrong_is_said_with_the_fix_and_exits_1(standin, old_schema_url, tmp_path):
    """An old schema, no running app, a placeholder secret, and a manifest asking for a scope not granted."""
    manifest = tmp_path / "manifest.yml"
    manifest.write_text(MANIFEST.read_text().replace("      - im:write", "      - im:write\n      - reactions:write"))
    env = environment(
        standin,
        old_schema_url,
        LOOPKEEPER_PORT="9",  # nothing listens there
        LOOPKEEPER_WEBHOOK_SECRET_ZENDESK="your-zendesk-secret",
    )
    result = loopkeeper("doctor", "--manifest", str(manifest), cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "4 of 8 checks fail"
    failing = [line for line in lines if line.startswith("❌")]
    assert failing[0].startswith("❌ Slack scopes: the token lacks reactions:write")
    assert failing[1].startswith("❌ webhook secrets: LOOPKEEPER_WEBHOOK_SECRET_ZENDESK is still a placeholder — fix")
    assert failing[2].startswith(f"❌ database schema: 1 migration not applied ({latest_migration()})")
    assert failing[2].endswith(
        "— fix: run `loopkeeper db upgrade` (on SQLite, restarting `loopkeeper run` applies them too)"
    )
    if old_schema_url.startswith("sqlite"):
        assert failing[3].startswith("❌ scheduler: no answer from the `loopkeeper run` at http://127.0.0.1:9")
        path = old_schema_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:  # the doctor reports an old schema; it never migrates it
            assert db.execute("select version_num from alembic_version").fetchall() == [(previous_migration(),)]
    else:
        assert failing[3].startswith("❌ scheduler: no process holds the leader lock")
    assert "your-zendesk-secret" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_settings_that_cannot_be_loaded_are_a_failing_check_not_a_traceback(tmp_path):
    result = loopkeeper("doctor", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-your-bot-token"})
    assert result.returncode == 1
    [line, last] = result.stdout.strip().splitlines()
    assert line.startswith("❌ settings: Loopkeeper cannot start: SLACK_BOT_TOKEN is missing or still a placeholder")
    assert line.endswith("— fix: fill in .env (or the environment) as .env.example describes")
    assert last == "the check fails"
    assert "Traceback" not in result.stderr


def test_a_missing_sqlite_file_is_one_clear_line_and_not_created(standin, tmp_path):
    path = tmp_path / "typo.db"
    result = loopkeeper("doctor", cwd=tmp_path, env=environment(standin, f"sqlite:///{path}"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"loopkeeper: there is no database at sqlite:///{path}; check DATABASE_URL (`loopkeeper db upgrade` creates it)"
    )
    assert not path.exists()
