"""Memory: peak RSS of `loopkeeper run` idle and after a flood of alerts (the goal's size: 100,000).

    .venv/bin/python -m bench.memory [--alerts N] [--concurrency K]

The real CLI runs as a subprocess on a temporary SQLite file against a Slack stand-in in this process;
alerts are signed generic webhooks sent by concurrent clients, in five rounds so growth shows as it happens.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Self

import httpx

from bench.common import (
    DEFAULT_CHANNEL,
    count_rows,
    offset_by,
    ratio_line,
    run_load,
    signed_webhook,
    wait_until,
)
from bot.demo.standin import SlackStandIn
from models.db import make_engine
from models.feedback import Feedback

ACCEPTED = 202
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ ")  # a log line's timestamp
ROUNDS = 5
LOOPKEEPER = Path(sys.executable).with_name("loopkeeper")
CHECKOUT = Path(__file__).resolve().parent.parent


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of ``pid`` in MiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settle(pid: int, *, timeout: float = 20.0) -> dict[str, float]:
    """Wait until RSS changes by under 1% across 2 s (or ``timeout``); the last reading."""
    readings = [memory_mib(pid)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.5)
        readings.append(memory_mib(pid))
        window = [r["VmRSS"] for r in readings[-5:]]
        if len(window) == 5 and max(window) - min(window) < 0.01 * max(window):
            break
    return readings[-1]


class LoopkeeperProcess:
    """`loopkeeper db upgrade`, then `loopkeeper run` with settings in its environment; stopped on exit."""

    def __init__(
        self,
        workdir: Path,
        standin: SlackStandIn,
        *,
        database_url: str | None = None,
        webhook_secret: str | None = None,
        name: str = "loopkeeper",
    ):
        self.port = free_port()
        self.webhook_secret = webhook_secret or secrets.token_hex(16)
        self.database_url = database_url or f"sqlite:///{workdir / 'loopkeeper.db'}"
        self.log_path = workdir / f"{name}.log"
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": secrets.token_hex(16),
            "LOOPKEEPER_WEBHOOK_SECRET": self.webhook_secret,
            "SLACK_API_URL": standin.url,
            "DATABASE_URL": self.database_url,
            "LOOPKEEPER_HOST": "127.0.0.1",
            "LOOPKEEPER_PORT": str(self.port),
            "LOOPKEEPER_DEFAULT_CHANNEL": DEFAULT_CHANNEL,
            "SLACK_APP_TOKEN": "",
            # this checkout's code, whichever checkout the shared virtualenv's `loopkeeper` was installed from
            "PYTHONPATH": os.pathsep.join(p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH", "")) if p),
        }  # HTTP only, whatever the caller's environment says
        self.workdir = workdir  # its cwd, so no developer's .env is read
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        subprocess.run(
            [LOOPKEEPER, "db", "upgrade"], env=self.env, cwd=self.workdir, check=True, stdout=subprocess.DEVNULL
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [LOOPKEEPER, "run"], env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            if not wait_until(self._healthy, timeout=30):
                raise RuntimeError(f"loopkeeper run did not become healthy:\n{self.log_path.read_text()[-2000:]}")
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"loopkeeper run exited ({self.process.returncode}):\n{self.log_path.read_text()}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def health(self) -> dict:
        return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=10).json()

    def stop(self) -> None:
        """SIGTERM (a graceful stop), then SIGKILL if it takes over 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_problems(self) -> Counter:
        """Warnings, errors and exceptions in its log, counted by message (timestamps left out)."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return Counter(
            TIMESTAMP.sub("", line)
            for line in lines
            if re.search(r"\b(WARNING|ERROR)\b|^\w+(\.\w+)*(Error|Exception): ", line)
        )


def flood(bot: LoopkeeperProcess, alerts: int, concurrency: int) -> tuple[int, Counter, float]:
    """Send ``alerts`` signed webhooks in ROUNDS rounds; (accepted, other answers by status, seconds sending)."""
    build = functools.partial(signed_webhook, secret=bot.webhook_secret, run=secrets.token_hex(3))
    sent, accepted, others, elapsed = 0, 0, Counter(), 0.0
    for round_no in range(1, ROUNDS + 1):
        count = alerts * round_no // ROUNDS - sent
        result = run_load(
            "127.0.0.1",
            bot.port,
            functools.partial(offset_by, build=build, offset=sent),
            count,
            concurrency,
            expect=ACCEPTED,
        )
        sent += count
        elapsed += result.elapsed
        accepted += result.statuses.pop(ACCEPTED, 0)
        others.update(result.statuses)
        now = memory_mib(bot.pid)
        failures = f"; NOT 202: {dict(result.statuses)} e.g. {result.samples[0][:200]}" if result.statuses else ""
        print(
            f"  {sent:>7} alerts: {count / result.elapsed:,.0f}/s this round, RSS {now['VmRSS']:.1f} MiB, "
            f"peak {now['VmHWM']:.1f} MiB{failures}",
            flush=True,
        )
    return accepted, others, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--alerts",
        type=int,
        default=2000,
        help="alerts to send (default 2000; `python -m bench memory-100k` sends 100000)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--idle-seconds", type=float, default=3.0, help="idle time before the idle reading")
    args = parser.parse_args(argv)

    standin = SlackStandIn().start()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="loopkeeper-bench-memory-") as workdir,
            LoopkeeperProcess(Path(workdir), standin) as bot,
        ):
            time.sleep(args.idle_seconds)
            idle = settle(bot.pid)
            print(f"idle: RSS {idle['VmRSS']:.1f} MiB, peak so far {idle['VmHWM']:.1f} MiB (pid {bot.pid})")
            accepted, others, elapsed = flood(bot, args.alerts, args.concurrency)
            after = settle(bot.pid)
            pending = bot.health().get("outbox", {}).get("pending")
            bot.stop()
            problems = bot.log_problems()
            engine = make_engine(bot.database_url)
            stored = count_rows(engine, Feedback)
            engine.dispose()
    finally:
        standin.stop()
    print(
        f"after {args.alerts:,} alerts in {elapsed:.0f} s of sending ({args.alerts / elapsed:,.0f}/s overall): "
        f"RSS {after['VmRSS']:.1f} MiB, peak {after['VmHWM']:.1f} MiB; {accepted} answered 202, {stored} stored, "
        f"{pending} outbox items pending"
    )
    for problem, times in problems.most_common(5):
        print(f"  log ({times}x): {problem[:240]}")
    ok = stored == accepted == args.alerts
    if not ok:
        print(
            f"memory: {args.alerts} alerts sent, {accepted} answered 202 (others: {dict(others)}), {stored} stored",
            file=sys.stderr,
        )
    ratio = after["VmHWM"] / idle["VmRSS"]
    print(
        ratio_line(
            "memory",
            ratio,
            f"peak {after['VmHWM']:.0f} MiB after {args.alerts:,} alerts vs "
            f"{idle['VmRSS']:.0f} MiB idle RSS; `loopkeeper run` on SQLite"
            + ("" if ok else f"; {args.alerts - accepted} alerts NOT accepted"),
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
