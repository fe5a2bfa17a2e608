"""The `loopkeeper` command as a user runs it: a real process, its exit code and its output."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def loopkeeper(*args: str, cwd=None, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOOPKEEPER_", "DATABASE_URL"))}
    clean["PYTHONPATH"] = ROOT
    clean.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd or ROOT, env=clean, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["demo", "--help"], ["db", "upgrade", "--help"],
                                  ["config", "import", "--help"]])
def test_every_command_has_help(args):
    result = loopkeeper(*args)
    assert result.returncode == 0
    assert "usage: loopkeeper" in result.stdout


def test_demo_runs_the_whole_path_and_exits_0(tmp_path):
    result = loopkeeper("demo", "--db", str(tmp_path / "demo.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("202 ") == 5 and "duplicate=True" in out
    assert "┌─ #billing-feedback" in out and "[ Acknowledge ]" in out and "Suggested next steps" in out
    assert "acknowledged by @priya" in out
    assert "'database': 'ok'" in out
    with sqlite3.connect(tmp_path / "demo.db") as db:
        assert db.execute("select count(*) from loop").fetchone()[0] == 6
        assert db.execute("select count(*) from loop_event where kind='acknowledged'").fetchone()[0] == 1


def test_db_upgrade_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = loopkeeper("db", "upgrade", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "fresh.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
    assert {"feedback", "loop", "loop_event", "outbox", "team", "route", "processed_slack_event"} <= tables


def test_run_without_secrets_is_a_clear_error_not_a_traceback(tmp_path):
    result = loopkeeper("run", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-your-bot-token"})
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is missing or still a placeholder" in result.stderr
    assert "SLACK_SIGNING_SECRET" in result.stderr and "LOOPKEEPER_WEBHOOK_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_unreachable_slack_is_a_clear_error(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdef", "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6a7b8c9d0",
           "LOOPKEEPER_WEBHOOK_SECRET": "f0e9d8c7b6a5f4e3", "SLACK_API_URL": "http://127.0.0.1:9/api/",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'lk.db'}"}
    result = loopkeeper("run", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "cannot reach Slack's Web API" in result.stderr and "Traceback" not in result.stderr
    assert "xoxb-1234-5678-abcdef" not in result.stderr


def test_config_import_dry_run_validates_without_touching_anything(tmp_path):
    path = tmp_path / "lk.yaml"
    path.write_text("teams:\n  - name: billing\n    channel: C0BILLING\nroutes:\n  - team: billing\n"
                    "    match: [touchpoint=billing]\n")
    result = loopkeeper("config", "import", str(path), "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 team(s), 1 route(s)" in result.stdout


def test_config_import_reports_problems(tmp_path):
    path = tmp_path / "lk.yaml"
    path.write_text("routes:\n  - team: ghost\n    match: [mood=sad]\n")
    result = loopkeeper("config", "import", str(path), "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert "routes[0].team" in result.stderr and "Traceback" not in result.stderr


def test_run_serves_webhooks_and_slack_until_terminated(tmp_path, standin, database_url):
    import json
    import signal
    import socket
    import time

    import httpx

    from bot.intake.signatures import sign_generic

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"SLACK_BOT_TOKEN": standin.bot_token, "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6a7b8c9d0",
           "LOOPKEEPER_WEBHOOK_SECRET": "f0e9d8c7b6a5f4e3", "SLACK_API_URL": standin.url,
           "DATABASE_URL": database_url, "LOOPKEEPER_PORT": str(port), "LOOPKEEPER_DEFAULT_CHANNEL": "C0GENERAL"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOOPKEEPER_", "DATABASE_URL"))}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path,
                               env={**clean, **env, "PYTHONPATH": ROOT}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "run did not come up"
            time.sleep(0.1)
        body = json.dumps({"id": "run-1", "score": 4, "comment": "meh"}).encode()
        ts = str(int(time.time()))
        response = httpx.post(base + "/webhooks/generic", content=body, headers={
            "X-Loopkeeper-Timestamp": ts, "X-Loopkeeper-Signature": sign_generic(env["LOOPKEEPER_WEBHOOK_SECRET"],
                                                                                ts, body)})
        assert response.status_code == 202
        standin.wait_for(lambda: standin.messages("C0GENERAL"), timeout=15)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    for secret in (env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["LOOPKEEPER_WEBHOOK_SECRET"]):
        assert secret not in output
    assert "meh" not in output  # customer text stays out of the logs
