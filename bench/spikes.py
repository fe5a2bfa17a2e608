"""Spike check: every team's touchpoints, products and themes, the last 24 h against the 28 days before, over
1,000,000 generated feedback rows (one loop each) of 100 teams and 8 weeks. Goal: under 2 s.

    .venv/bin/python -m bench.spikes [--rows N] [--teams N]

The data is bench.digest's generator's (the schema from the migrations), plus 200 themes linking every 20th
loop. The floor is the least any check must do: one bare ``SELECT count(*)`` of the workspace's feedback over the
same 29 days, through the same index. One spike is planted (20 detractors at a new touchpoint of one team), so
the whole job is timed with the alert it queues.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.common import ratio_line
from bench.digest_data import NOW, WORKSPACE, generate, stored_time
from bot.learning.spike_check import BASELINE_DAYS, WINDOW, check_workspace, find_spikes
from models.db import make_engine, transaction
from models.feedback import Feedback
from models.loop import Loop

GOAL_S = 2.0
THEMES = 200
RUNS = 5


def add_themes(engine: Engine, teams: int) -> None:
    """THEMES themes owned round the teams, each linking every 20th loop in turn."""
    at = stored_time(NOW - timedelta(days=60), engine.dialect.name == "sqlite")
    with engine.begin() as conn:
        for k in range(THEMES):
            conn.execute(
                text(
                    "INSERT INTO theme (id, workspace_id, name, owner_team_id, status, channel_id, created_by, "
                    "created_at, version) VALUES (:id, :w, :name, :team, 'accepted', :channel, 'U0BENCH', :at, 1)"
                ),
                {
                    "id": k + 1,
                    "w": WORKSPACE,
                    "name": f"Theme {k + 1}",
                    "team": k % teams + 1,
                    "channel": f"C0TEAM{k % teams:04d}",
                    "at": at,
                },
            )
        conn.execute(
            text(
                "INSERT INTO theme_link (workspace_id, theme_id, loop_id, impact, elevated_by, elevated_at) "
                f"SELECT workspace_id, 1 + (id / 20) % {THEMES}, id, 'complaint', 'U0BENCH', :at FROM loop "
                "WHERE id % 20 = 0"
            ),
            {"at": at},
        )
        conn.exec_driver_sql("ANALYZE")


def plant_spike(engine: Engine, *, count: int = 20) -> None:
    """``count`` detractors about one new touchpoint of team 1 within the last day: one key the check must alert on."""
    with transaction(engine) as session:
        for n in range(count):
            feedback = Feedback(
                workspace_id=WORKSPACE,
                source="bench",
                external_id=f"spike-{n}",
                score=1,
                scale="nps",
                category="detractor",
                comment="Charged twice on my invoice",
                touchpoint="bench spike",
                received_at=NOW - timedelta(hours=1 + n),
            )
            session.add(feedback)
            session.flush()
            loop = Loop(workspace_id=WORKSPACE, feedback_id=feedback.id, team_id=1, channel_id="C0TEAM0000")
            session.add(loop)
            session.flush()
            feedback.loop_id = loop.id


def floor_seconds(engine: Engine) -> tuple[float, int]:
    """Median seconds of the bare count over the check's 29 days, and the count."""
    sqlite = engine.dialect.name == "sqlite"
    since = stored_time(NOW - WINDOW - timedelta(days=BASELINE_DAYS), sqlite)
    query = text(
        "SELECT count(*) FROM feedback WHERE workspace_id = :w AND received_at >= :since AND received_at < :now"
    )
    timings, count = [], 0
    with engine.connect() as conn:
        for _ in range(RUNS):
            started = time.perf_counter()
            count = conn.execute(query, {"w": WORKSPACE, "since": since, "now": stored_time(NOW, sqlite)}).scalar_one()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings), count


def main(argv: list[str] | None = None) -> int:
    """Generate, time the floor and the check; print the figures, RATIO last (the check over the floor)."""
    parser = argparse.ArgumentParser(prog="bench.spikes", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="feedback rows (default 1000000)")
    parser.add_argument("--teams", type=int, default=100, help="teams (default 100)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-spikes-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'spikes.db'}"
        started = time.perf_counter()
        generate(url, args.rows, args.teams)
        engine = make_engine(url)
        try:
            add_themes(engine, args.teams)
            plant_spike(engine)
            print(
                f"bench.spikes: {args.rows:,} feedback rows and loops, {args.teams} teams, {THEMES} themes; "
                f"generated in {time.perf_counter() - started:.0f} s"
            )
            floor_s, window_rows = floor_seconds(engine)
            timings = []
            for _ in range(RUNS):
                started = time.perf_counter()
                spikes = find_spikes(engine, workspace_id=WORKSPACE, now=NOW)
                timings.append(time.perf_counter() - started)
            check_s = statistics.median(timings)
            started = time.perf_counter()
            queued = check_workspace(engine, workspace_id=WORKSPACE, now=NOW)
            whole_s = time.perf_counter() - started
        finally:
            engine.dispose()
    print(
        f"floor:   SELECT count(*) over the 29 days ({window_rows:,} rows): {floor_s * 1000:.0f} ms (median of {RUNS})"
    )
    print(
        f"check:   2 grouped counts (touchpoints and products; themes): {check_s * 1000:.0f} ms (median of {RUNS}), "
        f"{len(spikes)} key(s) spiking; the whole job with its write transaction {whole_s * 1000:.0f} ms, "
        f"{queued} alert(s) queued (goal < {GOAL_S:.0f} s: {'met' if whole_s < GOAL_S else 'NOT met'})"
    )
    print(
        ratio_line(
            "spikes",
            check_s / floor_s,
            f"spike check {check_s * 1000:.0f} ms vs a bare count {floor_s * 1000:.0f} ms over "
            f"{window_rows:,} rows of {args.rows:,}; whole job {whole_s:.2f} s (goal < {GOAL_S:.0f} s)",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
