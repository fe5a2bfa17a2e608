"""Real `loopkeeper run` processes: killed with SIGKILL mid-burst, and two replicas on one PostgreSQL.

Every alert the webhook accepted must end up as exactly one card in Slack.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from models.db import make_engine
from tests.conftest import PG_URL
from tests.factories import feedback_payload
from tests.processes import AppProcess, post_alert, wait_all_delivered

ALERTS = 500
CHANNELS = 50  # Slack allows about one post a second per channel: spread the burst like a real workspace


def configure(database_url: str, workspace_id: str) -> None:
    doc = {
        "default_channel": "C0DEFAULT",
        "teams": [{"name": f"team{n}", "channel": f"C0TEAM{n:02d}"} for n in range(CHANNELS)],
        "routes": [{"team": f"team{n}", "match": [f"product=p{n}"]} for n in range(CHANNELS)],
    }
    engine = make_engine(database_url)
    import_config(engine, workspace_id=workspace_id, doc=parse_config(doc))
    engine.dispose()


def alert(n: int) -> dict:
    return feedback_payload(
        id=f"burst-{n}",
        product=f"p{n % CHANNELS}",
        touchpoint="checkout",
        customer={"id": f"cus_{n}", "email": f"c{n}@x.io", "name": f"C {n}"},
    )


def send_burst(urls: list[str], *, accepted: Counter, stop_after: float = 120) -> None:
    """Post every alert, round-robin over ``urls``, re-sending until one is answered 200/202 (as vendors do)."""
    deadline = time.monotonic() + stop_after
    lock = threading.Lock()

    def send(n: int) -> None:
        with httpx.Client(timeout=10) as client:
            attempt = 0
            while time.monotonic() < deadline:
                status = post_alert(client, urls[(n + attempt) % len(urls)], alert(n))
                if status in (200, 202):
                    with lock:
                        accepted[status] += 1
                    return
                attempt += 1
                time.sleep(0.2)
        raise AssertionError(f"alert {n} was never accepted")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(ALERTS)))


def cards_by_loop(standin) -> Counter:
    posted = Counter()
    for n in range(CHANNELS):
        for message in standin.messages(f"C0TEAM{n:02d}"):
            posted[((message.get("metadata") or {}).get("event_payload") or {}).get("loop_id")] += 1
    return posted


def test_kill_9_mid_burst_then_restart_every_card_exactly_once(database_url, standin, tmp_path):
    configure(database_url, standin.team_id)
    app = AppProcess(
        database_url=database_url, slack_api_url=standin.url, bot_token=standin.bot_token, log_path=tmp_path / "app.log"
    ).start()
    accepted: Counter = Counter()
    sender = threading.Thread(target=send_burst, args=([app.url],), kwargs={"accepted": accepted})
    try:
        sender.start()
        standin.wait_for(lambda: len(standin.calls_to("chat.postMessage")) >= 100, timeout=60)
        app.kill()  # mid-burst: webhooks in flight, cards being posted, items leased
        killed_at = sum(accepted.values())
        assert 0 < killed_at < ALERTS, "the kill did not land during the burst"
        app.start()
        sender.join(180)
        assert sum(accepted.values()) == ALERTS
        wait_all_delivered(database_url, standin.team_id, loops=ALERTS)
    finally:
        app.stop()
    posted = cards_by_loop(standin)
    assert len(posted) == ALERTS and set(posted.values()) == {1}, (
        f"duplicates: {[k for k, v in posted.items() if v > 1][:10]}"
    )


if PG_URL:  # several replicas are a PostgreSQL deployment; on SQLite Loopkeeper is one process

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_two_replicas_on_postgresql_post_every_card_exactly_once(database_url, standin, tmp_path):
        configure(database_url, standin.team_id)
        apps = [
            AppProcess(
                database_url=database_url,
                slack_api_url=standin.url,
                bot_token=standin.bot_token,
                log_path=tmp_path / f"app{n}.log",
            ).start()
            for n in range(2)
        ]
        try:
            accepted: Counter = Counter()
            send_burst([a.url for a in apps], accepted=accepted)
            assert sum(accepted.values()) == ALERTS
            wait_all_delivered(database_url, standin.team_id, loops=ALERTS)
            metrics = [httpx.get(a.url + "/metrics").text for a in apps]
        finally:
            for app in apps:
                app.stop()
        posted = cards_by_loop(standin)
        assert len(posted) == ALERTS and set(posted.values()) == {1}
        # both replicas took part in delivering
        for text in metrics:
            assert 'loopkeeper_deliveries_total{method="chat.postMessage",result="sent"}' in text
