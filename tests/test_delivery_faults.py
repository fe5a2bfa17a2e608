"""Everything accepted reaches Slack once, while Slack rate-limits, fails and answers too slowly."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from models.outbox import PENDING, SENT, list_outbox_items
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload
from tests.harness import Harness

ALERTS = 60


@pytest.fixture
def faulty_slack(standin):
    standin.post_limit = (4.0, 2)  # Slack: 4 posts a second per channel, bursts of 2 — tighter than ours
    standin.method_limits = {"chat.update": (5.0, 3)}
    standin.server_error_fraction = 0.1
    standin.slow_fraction, standin.slow_seconds = 0.05, 2.5  # carried out, answered after our 2 s timeout
    return standin


@pytest.fixture
def app(settings, faulty_slack):
    harness = Harness(dataclasses.replace(settings, post_per_second=5.0, post_burst=3), faulty_slack)
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    harness.start()
    yield harness
    harness.stop()


def alert(n: int) -> dict:
    # three channels: billing, support (CSAT) and the default channel
    shape = [
        {"touchpoint": "billing"},
        {"scale": "csat", "score": 2, "touchpoint": "support"},
        {"touchpoint": "website"},
    ][n % 3]
    return feedback_payload(
        id=f"fault-{n}", customer={"id": f"cus_{n}", "email": f"c{n}@x.io", "name": f"C {n}", "arr": 1000}, **shape
    )


def test_every_accepted_alert_is_posted_once_despite_429s_5xx_and_timeouts(app, faulty_slack):
    loop_ids = []
    for n in range(ALERTS):
        response = app.post_webhook(alert(n))
        assert response.status_code == 202, response.text
        loop_ids.append(response.json()["loop_id"])
    app.wait_until_delivered(timeout=120)

    posted = Counter()
    for channel in ("C0BILLING", "C0SUPPORT", "C0DEFAULT"):
        for message in faulty_slack.messages(channel):
            posted[(message["metadata"] or {}).get("event_payload", {}).get("loop_id")] += 1
    assert sorted(posted) == sorted(loop_ids) and set(posted.values()) == {1}
    with app.session() as session:
        assert {i.state for i in list_outbox_items(session=session)} == {SENT}
        assert not list_outbox_items(session=session, states=(PENDING,))
    # the faults really happened, and no call was made before Slack's Retry-After had passed
    assert faulty_slack.limited_calls, "the stand-in never rate-limited: the test exercised nothing"
    assert faulty_slack.early_calls == []
    metrics = app.http.get("/metrics").text
    assert "loopkeeper_slack_429_total" in metrics and "loopkeeper_delivery_retries_total" in metrics
