"""Hooks across a kill -9: a real `loopkeeper run` killed while it POSTs loop events to a slow receiver, then
restarted. Every loop's event must reach the receiver (at least once, same event id when repeated), signed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from models.db import make_engine
from tests.factories import feedback_payload
from tests.hook_receiver import HookReceiver
from tests.processes import AppProcess, post_alert, wait_all_delivered

ALERTS = 60  # within one hook's burst allowance, so the test waits on the kill, not on the rate limit
CHANNELS = 6


def configure(database_url: str, workspace_id: str, hook_url: str) -> str:
    """Teams, routes and one hook for loop.opened; returns the hook's secret (shown once by the import)."""
    doc = {
        "default_channel": "C0DEFAULT",
        "teams": [{"name": f"team{n}", "channel": f"C0TEAM{n:02d}"} for n in range(CHANNELS)],
        "routes": [{"team": f"team{n}", "match": [f"product=p{n}"]} for n in range(CHANNELS)],
        "hooks": [{"url": hook_url, "events": ["loop.opened"]}],
    }
    engine = make_engine(database_url)
    try:
        [(_, secret)] = import_config(engine, workspace_id=workspace_id, doc=parse_config(doc)).new_hook_secrets
    finally:
        engine.dispose()
    return secret


def alert(n: int) -> dict:
    return feedback_payload(
        id=f"hooked-{n}",
        product=f"p{n % CHANNELS}",
        touchpoint="checkout",
        customer={"id": f"cus_{n}", "email": f"c{n}@x.io", "name": f"C {n}"},
    )


def send_all(url: str, accepted: set[int], stop_after: float = 120) -> None:
    """Post every alert, re-sending until it is answered 200/202 (as vendors do), the app killed or not."""
    deadline = time.monotonic() + stop_after
    lock = threading.Lock()

    def send(n: int) -> None:
        with httpx.Client(timeout=10) as client:
            while time.monotonic() < deadline:
                if post_alert(client, url, alert(n)) in (200, 202):
                    with lock:
                        accepted.add(n)
                    return
                time.sleep(0.2)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, range(ALERTS)))


def test_kill_9_while_posting_to_a_hook_loses_no_event(database_url, standin, tmp_path):
    receiver = HookReceiver().start()
    receiver.then, receiver.slow_seconds = "slow", 0.1  # each answer takes a while: deliveries are in flight
    receiver.secret = configure(database_url, standin.team_id, receiver.url)
    app = AppProcess(
        database_url=database_url, slack_api_url=standin.url, bot_token=standin.bot_token, log_path=tmp_path / "app.log"
    ).start()
    accepted: set[int] = set()
    sender = threading.Thread(target=send_all, args=(app.url, accepted))
    try:
        sender.start()
        receiver.wait_for(lambda got: len(got) >= 10, timeout=60)
        app.kill()  # mid-way: webhooks in flight, hook POSTs leased and unanswered
        delivered_at_kill = len(receiver.events)
        assert delivered_at_kill < ALERTS, "the kill did not land while events were still going out"
        app.start()
        sender.join(150)
        assert len(accepted) == ALERTS
        parked = wait_all_delivered(database_url, standin.team_id, loops=ALERTS)
    finally:
        app.stop()
        receiver.stop()
    assert parked == [] and receiver.refused == []
    assert receiver.secret not in (tmp_path / "app.log").read_text()  # never logged, even across a crash
    opened = [e for e in receiver.events if e["type"] == "loop.opened"]
    loop_ids = {e["data"]["loop"]["id"] for e in opened}
    assert len(loop_ids) == ALERTS and len(opened) == ALERTS  # every loop's event, each id once
