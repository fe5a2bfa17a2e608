"""Parked Slack writes: admins are told once, see them with /loops deliveries, and press Retry."""

from __future__ import annotations

import re

from bot.demo import slack_requests
from bot.ids import DeliveryAction
from tests.factories import feedback_payload


def click_retry(harness, reply: dict, value: str, *, user_id: str = "U0ADMIN"):
    """Press a Retry button on the ephemeral /loops deliveries answer, as Slack sends it."""
    payload = slack_requests.block_actions(
        team_id=harness.workspace_id,
        user_id=user_id,
        channel_id="C0BILLING",
        message={"ts": "1700000000.000100", "blocks": reply["blocks"]},
        action_id=DeliveryAction.RETRY,
        value=value,
        response_url=harness.standin.response_url_base + "deliveries",
        label="Retry",
    )
    payload["container"]["is_ephemeral"] = True
    payload.pop("message")  # Slack sends no message for a click on an ephemeral one
    return harness.post_slack(
        slack_requests.interactivity_body(payload), content_type="application/x-www-form-urlencoded"
    )


def retry_values(reply: dict) -> list[str]:
    return [
        element["value"]
        for block in reply["blocks"]
        for element in [block.get("accessory") or {}, *block.get("elements", [])]
        if element.get("action_id") == DeliveryAction.RETRY
    ]


def test_archived_channel_parks_tells_admins_once_and_retry_delivers(harness):
    channel = harness.standin.add_channel("C0BILLING", "billing-feedback", is_archived=True)
    harness.post_webhook(feedback_payload(id="a", customer={"name": "Ana", "email": "ana@a.io"}))
    harness.post_webhook(feedback_payload(id="b", customer={"name": "Bo", "email": "bo@b.io"}))
    harness.standin.wait_for(lambda: harness.standin.direct_messages("U0ADMIN"))
    harness.wait_until_delivered()
    [notice] = harness.standin.direct_messages("U0ADMIN")  # two parked posts, one problem: one notice
    assert "`is_archived`" in notice["text"] and "<#C0BILLING>" in notice["text"]

    reply = harness.slash("deliveries", user_id="U0ADMIN").json()
    assert reply["text"].startswith("*Deliveries*: 0 pending, 2 parked.")
    assert re.search(r"#\d+ card to <#C0BILLING> — `is_archived`", reply["text"])
    first, second, everything = retry_values(reply)
    assert everything == "all"
    assert harness.slash("deliveries", user_id="U0DANA").json()["text"].startswith(":lock:")

    channel.is_archived = False  # someone unarchived it
    assert click_retry(harness, reply, first).status_code == 200
    answer = harness.standin.wait_for(
        lambda: [c for c in harness.standin.calls_to("response_url") if c.args["path"].endswith("deliveries")]
    )
    assert "1 parked delivery queued again" in answer[-1].args["text"]
    harness.standin.wait_for(lambda: len(harness.standin.messages("C0BILLING")) == 1)
    click_retry(harness, reply, "all")
    harness.standin.wait_for(lambda: len(harness.standin.messages("C0BILLING")) == 2)
    harness.wait_until_delivered()
    assert (
        harness.slash("deliveries", user_id="U0ADMIN").json()["text"].startswith("*Deliveries*: 0 pending, 0 parked.")
    )
    audit = harness.slash("audit 5", user_id="U0ADMIN").json()["text"]
    assert "deliveries.retry" in audit


def test_retry_by_a_member_is_refused(harness):
    harness.standin.add_channel("C0BILLING", "billing-feedback", is_archived=True)
    harness.post_webhook(feedback_payload(id="a"))
    harness.standin.wait_for(lambda: harness.standin.direct_messages("U0ADMIN"))
    reply = harness.slash("deliveries", user_id="U0ADMIN").json()
    click_retry(harness, reply, "all", user_id="U0DANA")
    answer = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert answer[-1].args["text"].startswith(":lock:")


def test_retry_of_nothing_says_so(harness):
    text = harness.slash("deliveries retry 999", user_id="U0ADMIN").json()["text"]
    assert "no parked delivery #999" in text and "/loops deliveries retry 42" in text
    text = harness.slash("deliveries retry soon", user_id="U0ADMIN").json()["text"]
    assert "its number, or all" in text


def test_metrics_count_alerts_deliveries_and_latency(harness):
    harness.post_webhook(feedback_payload(id="a"))
    harness.post_webhook(feedback_payload(id="a"))  # a duplicate
    harness.post_webhook(b"not json", raw=b"not json")
    harness.cards("C0BILLING", count=1)
    harness.wait_until_delivered()
    harness.slash("mine", user_id="U0DANA")
    response = harness.http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'loopkeeper_alerts_received_total{source="generic",result="created"} 1' in text
    assert 'loopkeeper_alerts_received_total{source="generic",result="duplicate"} 1' in text
    assert 'loopkeeper_alerts_received_total{source="generic",result="rejected"} 1' in text
    assert 'loopkeeper_deliveries_total{method="chat.postMessage",result="sent"} 1' in text
    assert 'loopkeeper_outbox_items{state="sent"} 1' in text
    assert "loopkeeper_outbox_oldest_pending_seconds 0" in text
    assert 'loopkeeper_slack_ack_seconds_count{kind="slash_command"} 1' in text
    assert 'loopkeeper_slack_ack_seconds_bucket{kind="slash_command",le="+Inf"} 1' in text
    assert harness.settings.slack_bot_token not in text and harness.settings.webhook_secret not in text
