"""`loopkeeper run` as a real process (killable with SIGKILL), and a sender of signed webhooks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.intake.signatures import generic_webhook_headers
from models.db import make_engine, new_session
from models.loop import count_loops
from models.outbox import PARKED, PENDING, list_outbox_items

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "process-signing-secret-0123456789"
WEBHOOK_SECRET = "process-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppProcess:
    def __init__(self, *, database_url: str, slack_api_url: str, bot_token: str, log_path: Path, **env: str):
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOOPKEEPER_", "DATABASE"))}
        self.env.update(
            PYTHONPATH=str(ROOT),
            DATABASE_URL=database_url,
            SLACK_API_URL=slack_api_url,
            SLACK_BOT_TOKEN=bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            LOOPKEEPER_WEBHOOK_SECRET=WEBHOOK_SECRET,
            LOOPKEEPER_PORT=str(self.port),
            LOOPKEEPER_DEFAULT_CHANNEL="C0DEFAULT",
            LOOPKEEPER_DELIVERY_LEASE_SECONDS="5",
            LOOPKEEPER_SLACK_TIMEOUT_SECONDS="2",
            **env,
        )
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> AppProcess:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", "run"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"loopkeeper run exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("loopkeeper run did not become healthy")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, leases stay taken, in-flight requests are cut."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def post_alert(client: httpx.Client, base_url: str, payload: dict) -> int:
    """POST one signed generic webhook; returns the status (0 when the server could not be reached)."""
    body = json.dumps(payload).encode()
    try:
        return client.post(
            base_url + "/webhooks/generic", content=body, headers=generic_webhook_headers(WEBHOOK_SECRET, body)
        ).status_code
    except httpx.HTTPError:
        return 0


def wait_all_delivered(database_url: str, workspace_id: str, *, loops: int, timeout: float = 120) -> list:
    """Wait until ``loops`` loops exist and nothing is pending in the outbox; the parked items, if any."""
    engine = make_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with new_session(engine, read_only=True) as session:
                opened = count_loops(session=session, workspace_id=workspace_id)
                pending = list_outbox_items(session=session, states=(PENDING,), limit=1)
                parked = list_outbox_items(session=session, states=(PARKED,))
            if opened == loops and not pending:
                return parked
            assert time.monotonic() < deadline, f"{opened} loops, outbox still pending"
            time.sleep(0.25)
    finally:
        engine.dispose()
