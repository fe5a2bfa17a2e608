"""Memory: peak RSS of `loopkeeper run` idle and after a flood of alerts (the goal's size: 100,000).

    .venv/bin/python -m bench.memory [--alerts N] [--concurrency K]

The real CLI runs as a subprocess on a temporary SQLite file against a Slack stand-in in this process;
alerts are signed generic webhooks sent by concurrent clients, in five rounds so growth shows as it happens.
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
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
ROUNDS = 5
LOOPKEEPER = Path(sys.executable).with_name("loopkeeper")


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

    def __init__(self, workdir: Path, standin: SlackStandIn):
        self.port = free_port()
        self.webhook_secret = secrets.token_hex(16)
        self.database_url = f"sqlite:///{workdir / 'loopkeeper.db'}"
        self.log_path = workdir / "loopkeeper.log"
        self.env = {**os.environ, "SLACK_BOT_TOKEN": standin.bot_token, "SLACK_SIGNING_SECRET": secrets.token_hex(16),
                    "LOOPKEEPER_WEBHOOK_SECRET": self.webhook_secret, "SLACK_API_URL": standin.url,
                    "DATABASE_URL": self.database_url, "LOOPKEEPER_PORT": str(self.port),
                    "LOOPKEEPER_DEFAULT_CHANNEL": DEFAULT_CHANNEL}
        self.workdir = workdir  # its cwd, so no developer's .env is read
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        subprocess.run([LOOPKEEPER, "db", "upgrade"], env=self.env, cwd=self.workdir, check=True,
                       stdout=subprocess.DEVNULL)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([LOOPKEEPER, "run"], env=self.env, cwd=self.workdir,
                                            stdout=log, stderr=subprocess.STDOUT)
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

    def log_problems(self) -> list[str]:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if " WARNING " in line or " ERROR " in line or "Traceback" in line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000,
                        help="alerts to send (default 2000, ~25 s here; the goal's 100000 takes ~20-30 min)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--idle-seconds", type=float, default=3.0, help="idle time before the idle reading")
    args = parser.parse_args(argv)

    standin = SlackStandIn().start()
    workdir = Path(tempfile.mkdtemp(prefix="loopkeeper-bench-memory-"))
    try:
        with LoopkeeperProcess(workdir, standin) as bot:
            time.sleep(args.idle_seconds)
            idle = settle(bot.pid)
            print(f"idle: RSS {idle['VmRSS']:.1f} MiB, peak so far {idle['VmHWM']:.1f} MiB (pid {bot.pid})")
            build = functools.partial(signed_webhook, secret=bot.webhook_secret, run=secrets.token_hex(3))
            sent, elapsed = 0, 0.0
            for round_no in range(1, ROUNDS + 1):
                count = args.alerts * round_no // ROUNDS - sent
                result = run_load("127.0.0.1", bot.port, functools.partial(offset_by, build=build, offset=sent),
                                  count, args.concurrency, expect=ACCEPTED)
                sent += count
                elapsed += result.elapsed
                if result.statuses[ACCEPTED] != count:
                    print(f"memory: expected {count} × 202, got {dict(result.statuses)}: {result.samples}",
                          file=sys.stderr)
                    return 1
                now = memory_mib(bot.pid)
                print(f"  {sent:>7} alerts: {result.rate:,.0f}/s this round, RSS {now['VmRSS']:.1f} MiB, "
                      f"peak {now['VmHWM']:.1f} MiB")
            after = settle(bot.pid)
            pending = bot.health().get("outbox", {}).get("pending")
            problems = bot.log_problems()
        engine = make_engine(bot.database_url)
        stored = count_rows(engine, Feedback)
        engine.dispose()
    finally:
        standin.stop()
    print(f"after {sent} alerts in {elapsed:.1f}s ({sent / elapsed:,.0f}/s; 100,000 would take ~"
          f"{100_000 / (sent / elapsed) / 60:.0f} min at this rate): RSS {after['VmRSS']:.1f} MiB, "
          f"peak {after['VmHWM']:.1f} MiB; {stored}/{sent} stored, {pending} outbox items pending")
    for line in problems[:5]:
        print(f"  log: {line[:300]}")
    if len(problems) > 5:
        print(f"  log: … {len(problems) - 5} more warnings/errors in {bot.log_path}")
    if stored != sent:
        print(f"memory: {sent} alerts answered 202 but {stored} stored", file=sys.stderr)
        return 1
    ratio = after["VmHWM"] / idle["VmRSS"]
    print(ratio_line("memory", ratio, f"peak {after['VmHWM']:.0f} MiB after {sent:,} alerts vs {idle['VmRSS']:.0f} "
                                      f"MiB idle RSS; `loopkeeper run` on SQLite"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
