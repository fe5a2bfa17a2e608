"""Digests go out once per team and period even when separate processes send at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from models import Team, Workspace
from models.db import new_session
from models.digest_run import DigestRun
from models.outbox import OutboxItem

ROOT = Path(__file__).resolve().parents[3]
TEAMS = 12


def seed_teams(engine) -> None:
    with new_session(engine) as session:
        session.add(Workspace(id="T1"))
        session.flush()
        for n in range(TEAMS):
            session.add(
                Team(
                    workspace_id="T1",
                    name=f"team{n}",
                    channel_id=f"C0TEAM{n}",
                    digest_schedule="weekly mon 09:00" if n % 2 else "daily 08:30",
                    timezone="Europe/Berlin" if n % 3 else "America/New_York",
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        session.commit()


def send_due_in_processes(database_url: str, at: str, processes: int) -> list[subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOOPKEEPER_", "DATABASE_URL"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url)
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", "digest", "send-due", "--at", at],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for process in started:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def test_two_processes_send_each_digest_once(database_url, engine):
    seed_teams(engine)
    # Tuesday 24 Nov, 10:00 UTC: every team's latest scheduled time has passed.
    for attempt in range(3):  # the same moment again, as after a restart: nothing new
        results = send_due_in_processes(database_url, "2026-11-24T10:00:00+00:00", processes=2)
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
        queued = sum(int(r.stdout.split()[0]) for r in results)
        assert queued == (TEAMS if attempt == 0 else 0)
    with new_session(engine, read_only=True) as session:
        runs = session.exec(select(DigestRun)).all()
        posts = session.exec(select(OutboxItem).where(OutboxItem.kind == "digest")).all()
    assert len(runs) == TEAMS and len({r.team_id for r in runs}) == TEAMS
    assert sorted(p.payload["channel"] for p in posts) == sorted(f"C0TEAM{n}" for n in range(TEAMS))
    # the next day only the daily teams are due again
    results = send_due_in_processes(database_url, "2026-11-25T10:00:00+00:00", processes=2)
    assert sum(int(r.stdout.split()[0]) for r in results) == TEAMS // 2


def test_send_due_rejects_a_bad_time(database_url):
    [result] = send_due_in_processes(database_url, "next tuesday", processes=1)
    assert result.returncode == 2 and "is not an ISO date-time" in result.stderr
