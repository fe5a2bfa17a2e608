"""Intake on PostgreSQL: two `loopkeeper run` replicas against one, on one database, with each process's CPU.

    LOOPKEEPER_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m bench.replicas [--alerts N] [--concurrency K]

The URL names a server the benchmark may create a scratch database on (dropped afterwards); without it the
benchmark says so and measures nothing. Goal: two replicas take at least 1.6x one replica's webhooks per core
used. On a 2-core machine the replicas, PostgreSQL and the load generator share the cores, so the CPU of
each is printed to show what bounds the figure.
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import LoadResult, offset_by, ratio_line, run_load, signed_webhook
from bench.memory import LoopkeeperProcess
from bot.demo.standin import SlackStandIn

ACCEPTED = 202
URL_VARIABLE = "LOOPKEEPER_BENCH_POSTGRES_URL"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds of every process named postgres on this machine (the server and its backends)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def flood(bots: list[LoopkeeperProcess], alerts: int, concurrency: int, run: str) -> float:
    """Send ``alerts`` webhooks spread evenly over ``bots`` at once; seconds until the last is answered."""
    share, results = alerts // len(bots), [LoadResult() for _ in bots]

    def send(index: int) -> None:
        build = functools.partial(signed_webhook, secret=bots[index].webhook_secret, run=run)
        results[index] = run_load(
            "127.0.0.1",
            bots[index].port,
            functools.partial(offset_by, build=build, offset=index * share),
            share,
            max(1, concurrency // len(bots)),
            expect=ACCEPTED,
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bots))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if result.statuses[ACCEPTED] != share:
            raise SystemExit(f"replicas: expected {share} x 202, got {dict(result.statuses)}: {result.samples}")
    return max(result.elapsed for result in results)


def measure(bots: list[LoopkeeperProcess], alerts: int, concurrency: int) -> tuple[float, str, float]:
    """(webhooks/s, each process's CPU, cores used in all) for one timed flood after a warm-up."""
    flood(bots, 100 * len(bots), concurrency, f"warm-{secrets.token_hex(3)}")
    before = [cpu_seconds(bot.pid) for bot in bots], postgres_cpu(), machine_busy()
    elapsed = flood(bots, alerts, concurrency, f"run-{secrets.token_hex(3)}")
    busy, total = machine_busy()
    cpus = [(cpu_seconds(bot.pid) - start) / elapsed for bot, start in zip(bots, before[0], strict=True)]
    pg = (postgres_cpu() - before[1]) / elapsed
    cores = (busy - before[2][0]) / (total - before[2][1]) * (os.cpu_count() or 1)
    detail = ", ".join(f"replica {i + 1} {c:.0%}" for i, c in enumerate(cpus)) + f", PostgreSQL {pg:.0%}"
    return alerts / elapsed, f"{detail}, whole machine {cores:.2f} of {os.cpu_count()} cores busy", sum(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.replicas", description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000, help="webhooks per timed run (default 1000)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients in all (default 16)")
    args = parser.parse_args(argv)
    server = os.environ.get(URL_VARIABLE)
    if not server:
        print(f"RATIO replicas: n/a (set {URL_VARIABLE} to a PostgreSQL server URL to run it)")
        return 0

    name = f"loopkeeper_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    database_url = make_url(server).set(database=name).render_as_string(hide_password=False)
    standin = SlackStandIn().start()
    secret = secrets.token_hex(16)
    try:
        with tempfile.TemporaryDirectory(prefix="loopkeeper-bench-replicas-") as workdir:
            figures = {}
            for count in (1, 2):
                bots = [
                    LoopkeeperProcess(
                        Path(workdir), standin, database_url=database_url, webhook_secret=secret, name=f"r{count}{i}"
                    )
                    for i in range(count)
                ]
                for bot in bots:
                    bot.__enter__()
                try:
                    figures[count] = measure(bots, args.alerts, args.concurrency)
                finally:
                    for bot in bots:
                        bot.stop()
                        for problem, times in bot.log_problems().most_common(3):
                            print(f"  log ({times}x): {problem[:400]}")
                rate, detail, _ = figures[count]
                print(f"{count} replica(s): {rate:,.0f} webhooks/s ({detail})", flush=True)
    finally:
        standin.stop()
        time.sleep(0.5)
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    (one, _, one_cpu), (two, _, two_cpu) = figures[1], figures[2]
    per_core = (two / two_cpu) / (one / one_cpu) if one_cpu and two_cpu else float("nan")
    print(
        ratio_line(
            "replicas",
            two / one,
            f"2 replicas {two:,.0f}/s vs 1 replica {one:,.0f}/s on PostgreSQL; per replica-core {per_core:.2f}x; "
            "goal >= 1.6x per core used",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
