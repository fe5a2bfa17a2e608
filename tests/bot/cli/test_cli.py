"""The `loopkeeper` command as a user runs it: a real process, its exit code and its output."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[3])


def loopkeeper(*args: str, cwd=None, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOOPKEEPER_", "DATABASE_URL"))}
    clean["PYTHONPATH"] = ROOT
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *args],
        cwd=cwd or ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["demo", "--help"],
        ["db", "upgrade", "--help"],
        ["config", "import", "--help"],
        ["doctor", "--help"],
    ],
)
def test_every_command_has_help(args):
    result = loopkeeper(*args)
    assert result.returncode == 0
    assert "usage: loopkeeper" in result.stdout


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket-mode"])
def test_demo_runs_the_whole_path_and_exits_0(tmp_path, socket_mode):
    result = loopkeeper(
        "demo", "--db", str(tmp_path / "demo.db"), *(["--socket-mode"] if socket_mode else []), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    if socket_mode:  # every click, submission and command over the link; Slack moving the link lost nothing
        assert "clicks [ Acknowledge ] on loop #2 (block_actions envelope over the Socket Mode link)" in out
        assert "the app acked the envelope on Socket Mode link 1" in out and "the app opened link 2" in out
        assert "'socket_mode': 'connected'" in out and "Traceback" not in result.stderr
    else:
        assert "(signed block_actions to /slack/events)" in out and "Slack got HTTP 200 back" in out
    assert out.count("202 ") == 5 and "duplicate=True" in out
    assert "┌─ #billing-feedback" in out and "[ Acknowledge ]" in out and "Suggested next steps" in out
    assert "acknowledged by @priya" in out
    assert "outcome: Customer saved / retained" in out and "[ Reopen ]" in out
    assert "⏰ @cx-lead loop #1 should have been acknowledged" in out and "🚨 Overdue" in out
    assert "'database': 'ok'" in out
    assert "📤 billing's digest for this week so far is on its way" in out and "Loopkeeper digest" in out
    assert "Open loops now: " in out and "Closed this period: " in out
    assert "'events': ['cancellation_scheduled'], 'loops_told': [1, 2]" in out  # Stripe, verified and recorded
    assert "↳ thread: 🚨 Cancellation scheduled on " in out and "$148,000 ARR at stake" in out
    assert "Acme Logistics · no account owner" in out and "• billing (<#C0BILLING>): #2 NPS 3/10" in out
    with sqlite3.connect(tmp_path / "demo.db") as db:
        assert db.execute("select count(*) from loop").fetchone()[0] == 6
        assert db.execute("select count(*) from loop_event where kind='acknowledged'").fetchone()[0] == 1
        assert db.execute("select outcome, contact_method from loop where status='resolved'").fetchall() == [
            ("saved", "call")
        ]
        assert db.execute("select kind, step from reminder").fetchall() == [("ack", 1)]
        assert db.execute("select customer_id, status from account").fetchall() == [
            ("cus_8812", "cancellation_scheduled")
        ]


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


@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"], ["config", "export"]])
def test_a_database_in_a_missing_directory_is_one_clear_line(tmp_path, command):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'loopkeeper.db'}",
        "SLACK_BOT_TOKEN": "xoxb-1234567890-abcdefghij",
        "SLACK_SIGNING_SECRET": "signing-secret-0123456789",
        "LOOPKEEPER_WEBHOOK_SECRET": "webhook-secret-0123456789",
    }
    result = loopkeeper(*command, cwd=tmp_path, env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("loopkeeper: cannot use the database sqlite:///") and "does its directory exist" in line


def test_run_with_unreachable_slack_is_a_clear_error(tmp_path):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdef",
        "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6a7b8c9d0",
        "LOOPKEEPER_WEBHOOK_SECRET": "f0e9d8c7b6a5f4e3",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lk.db'}",
    }
    result = loopkeeper("run", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "cannot reach Slack's Web API" in result.stderr and "Traceback" not in result.stderr
    assert "xoxb-1234-5678-abcdef" not in result.stderr


CONFIG = """\
default_channel: C0GENERAL
teams:
  - name: billing
    channel: C0BILLING
    leads: [U0LEAD]
    timezone: Europe/Berlin
    hours: mon-fri 09:00-17:00
    sla: {ack: 2h, close: 2d}
    digest: daily 08:30
    personal_digests: true
  - name: support
    channel: C0SUPPORT
routes:
  - team: billing
    match: [touchpoint=billing, score<=6]
  - team: support
    match: [scale=csat]
    continue: true
playbooks:
  - name: refunds
    match: ['comment=~refund']
    steps: [{do: Check the refund went through, within: 4h}]
  - name: nps-promoter
    disabled: true
intake_channels:
  - channel: C0NPSALERTS
    source: delighted
admins: [U0ADMIN]
root_causes: [Product bug, Billing error, Data migration]
"""


def test_config_import_dry_run_shows_the_diff_and_changes_nothing(tmp_path):
    path = tmp_path / "lk.yaml"
    path.write_text(CONFIG)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'lk.db'}"}
    result = loopkeeper("config", "import", str(path), "--dry-run", "--workspace", "T0X", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "+- name: billing" in result.stdout and "valid; nothing changed (dry run)" in result.stdout
    exported = loopkeeper("config", "export", "--workspace", "T0X", cwd=tmp_path, env=env)
    assert "name: billing" not in exported.stdout


def test_config_export_import_export_is_identical(tmp_path):
    path = tmp_path / "lk.yaml"
    path.write_text(CONFIG)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'lk.db'}"}
    applied = loopkeeper("config", "import", str(path), "--workspace", "T0X", cwd=tmp_path, env=env)
    assert applied.returncode == 0, applied.stderr
    first = loopkeeper("config", "export", cwd=tmp_path, env=env).stdout
    (tmp_path / "exported.yaml").write_text(first)
    again = loopkeeper("config", "import", str(tmp_path / "exported.yaml"), cwd=tmp_path, env=env)
    assert "no changes" in again.stdout
    assert loopkeeper("config", "export", cwd=tmp_path, env=env).stdout == first
    for expected in (
        "hours: mon-fri 09:00-17:00",
        "ack: 2h",
        "close: 2d",
        "digest: daily 08:30",
        "continue: true",
        "disabled: true",
        "source: delighted",
        "- U0ADMIN",
        "personal_digests: true",
        "- Data migration",
    ):
        assert expected in first


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
    env = {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6a7b8c9d0",
        "LOOPKEEPER_WEBHOOK_SECRET": "f0e9d8c7b6a5f4e3",
        "SLACK_API_URL": standin.url,
        "DATABASE_URL": database_url,
        "LOOPKEEPER_PORT": str(port),
        "LOOPKEEPER_DEFAULT_CHANNEL": "C0GENERAL",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOOPKEEPER_", "DATABASE_URL"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "run"],
        cwd=tmp_path,
        env={**clean, **env, "PYTHONPATH": ROOT},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
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
        response = httpx.post(
            base + "/webhooks/generic",
            content=body,
            headers={
                "X-Loopkeeper-Timestamp": ts,
                "X-Loopkeeper-Signature": sign_generic(env["LOOPKEEPER_WEBHOOK_SECRET"], ts, body),
            },
        )
        assert response.status_code == 202
        standin.wait_for(lambda: standin.messages("C0GENERAL"), timeout=15)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    for secret in (env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["LOOPKEEPER_WEBHOOK_SECRET"]):
        assert secret not in output
    assert "meh" not in output  # customer text stays out of the logs


def test_import_of_100000_rows_shows_progress_and_a_correct_summary(tmp_path, database_url):
    import csv
    import re

    path = tmp_path / "backfill.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Response", "Score", "Comment", "Email", "Submitted"])
        for i in range(100_000):
            score = "11" if i % 1000 == 7 else str(i % 11)  # 100 rows out of range
            response = f"r{i - 1}" if i % 200 == 199 else f"r{i}"  # 500 rows repeat the row before
            writer.writerow(
                [
                    response,
                    score,
                    "Checkout was slow" if i % 3 else "",
                    f"u{i % 5000}@co.example",
                    "2026-03-01T10:00:00Z",
                ]
            )
    result = loopkeeper(
        "import",
        str(path),
        "--source",
        "legacy",
        "--workspace",
        "T0IMPORT",
        "--map",
        "id=Response",
        "--map",
        "score=Score",
        "--map",
        "comment=Comment",
        "--map",
        "email=Email",
        "--map",
        "created_at=Submitted",
        env={
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-1-2-import",
            "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6",
            "LOOPKEEPER_WEBHOOK_SECRET": "f6e5d4c3b2a1",
        },
        timeout=300,
    )
    assert result.returncode == 1, result.stderr  # 1: some rows were rejected
    assert "100,000/100,000 rows (100%)" in result.stderr
    assert "imported: 99,400  duplicates: 500  rejected: 100" in result.stdout
    assert re.search(r"100,000 rows in [\d.]+s \([\d,]+ rows/s\)", result.stdout)
    assert "line 9: score: must be between 0 and 10" in result.stdout  # data row 7 is on line 9
    rejects = list(csv.reader((tmp_path / "backfill.csv.rejected.csv").open()))
    assert len(rejects) == 101 and rejects[1][:3] == [
        "9",
        "score: must be between 0 and 10 for scale nps (got 11)",
        "r7",
    ]
    from sqlalchemy import func, select

    from models import Feedback, Loop
    from models.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Feedback)).scalar() == 99_400
        assert connection.execute(select(func.count()).select_from(Loop)).scalar() == 0  # history: no cards
    engine.dispose()
    print(result.stdout)


def test_digest_preview_prints_the_digest(tmp_path):
    path = tmp_path / "lk.yaml"
    path.write_text(CONFIG)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'lk.db'}"}
    assert loopkeeper("config", "import", str(path), "--workspace", "T0X", cwd=tmp_path, env=env).returncode == 0
    result = loopkeeper("digest", "preview", "--team", "billing", "--period", "last-day", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("billing — yesterday") and "All clear" in result.stdout
    missing = loopkeeper("digest", "preview", "--team", "ghost", cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "no team called 'ghost'" in missing.stderr
