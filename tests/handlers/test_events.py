"""Events API: signed JSON envelopes; retries deduplicated by event_id in the database."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from models import ProcessedSlackEvent


def home_opened(user: str = "U0PRIYA") -> dict:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }


def test_opening_app_home_publishes_the_home_tab_with_open_counts(harness):
    harness.post_webhook({"id": "a", "score": 2, "touchpoint": "billing"})
    harness.cards("C0BILLING")

    response = harness.event(home_opened(), event_id="Ev0001")

    assert response.status_code == 200
    [publish] = harness.standin.wait_for(lambda: harness.standin.calls_to("views.publish"))
    assert publish.args["user_id"] == "U0PRIYA"
    view = publish.args["view"]
    assert view["type"] == "home"
    assert "*1* open" in json.dumps(view) and "Unowned loops (1)" in json.dumps(view)


def test_a_retried_event_is_processed_once(harness):
    harness.event(home_opened(), event_id="Ev0002")
    harness.standin.wait_for(lambda: harness.standin.calls_to("views.publish"))

    retry = harness.event(home_opened(), event_id="Ev0002", retry_num=1)

    assert retry.status_code == 200
    harness.wait_until_delivered()
    time.sleep(0.2)
    assert len(harness.standin.calls_to("views.publish")) == 1
    with harness.session() as session:
        assert [e.event_id for e in session.exec(select(ProcessedSlackEvent))] == ["Ev0002"]


def test_url_verification_challenge_is_answered(harness):
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = harness.post_slack(body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_the_bots_own_messages_are_ignored(harness):
    event = {
        "type": "message",
        "user": "U0LOOPBOT",
        "bot_id": "B0LOOPBOT",
        "text": "a card",
        "channel": "C0BILLING",
        "ts": "1.1",
        "event_ts": "1.1",
        "channel_type": "channel",
    }
    response = harness.event(event, event_id="Ev0003")
    assert response.status_code == 200
    time.sleep(0.2)
    assert harness.standin.calls_to("chat.postMessage") == []


def test_oversized_body_is_refused(harness):
    body = json.dumps({"type": "event_callback", "padding": "x" * (1024 * 1024 + 1)})
    response = harness.post_slack(body, content_type="application/json")
    assert response.status_code == 413
