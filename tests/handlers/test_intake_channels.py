"""Alerts other apps post in intake channels become loops, once, and never our own messages."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from models import Feedback, Loop


def alert(ts: str = "1763900000.000100", channel: str = "C0INTAKE", **overrides) -> dict:
    """A survey tool's Slack app posting an NPS alert with attachment fields, as Slack delivers it."""
    event = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B0DELIGHTED",
        "username": "Delighted",
        "text": "",
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
        "attachments": [
            {
                "fallback": "New NPS response from dana@acme.io: 2",
                "color": "d9534f",
                "title": "New NPS response",
                "fields": [
                    {"title": "Score", "value": "2/10", "short": True},
                    {"title": "Email", "value": "<mailto:dana@acme.io|dana@acme.io>", "short": True},
                    {"title": "Company", "value": "Acme Logistics", "short": True},
                    {"title": "Comment", "value": "Billing charged us twice &amp; nobody replied", "short": False},
                ],
            }
        ],
    }
    event.update(overrides)
    return event


def rows(harness, model):
    with harness.session() as session:
        return list(session.exec(select(model)))


def test_an_alert_from_another_app_becomes_one_loop_with_a_card(harness):
    response = harness.event(alert(), event_id="Ev1")
    assert response.status_code == 200
    [card] = harness.cards("C0DEFAULT")
    assert "NPS 2/10" in card["blocks"][0]["text"]["text"]
    assert "Billing charged us twice &amp; nobody replied" in json.dumps(card["blocks"])
    [row] = rows(harness, Feedback)
    assert (row.source, row.external_id, row.customer_email, row.account, row.unparsed) == (
        "slack-delighted",
        "C0INTAKE:1763900000.000100",
        "dana@acme.io",
        "Acme Logistics",
        False,
    )


def test_a_retried_event_id_does_nothing(harness):
    harness.event(alert(), event_id="Ev2")
    harness.cards("C0DEFAULT")
    retry = harness.event(alert(), event_id="Ev2", retry_num=1)
    assert retry.status_code == 200
    harness.wait_until_delivered()
    time.sleep(0.2)
    assert len(rows(harness, Feedback)) == 1 and len(harness.standin.calls_to("chat.postMessage")) == 1


def test_a_redelivery_under_a_new_event_id_is_still_one_loop(harness):
    harness.event(alert(), event_id="Ev3")
    harness.cards("C0DEFAULT")
    harness.event(alert(), event_id="Ev3-redelivered")
    harness.wait_until_delivered()
    assert len(rows(harness, Loop)) == 1 and len(harness.standin.calls_to("chat.postMessage")) == 1


def test_an_unparseable_alert_still_becomes_a_loop_flagged_unparsed(harness):
    event = alert(attachments=[], text="Heads up: a customer left feedback about the mobile app")
    harness.event(event, event_id="Ev4")
    [card] = harness.cards("C0DEFAULT")
    assert "Unscored alert" in card["blocks"][0]["text"]["text"]
    assert "Unparsed" in json.dumps(card["blocks"]) and "mobile app" in json.dumps(card["blocks"])
    [row] = rows(harness, Feedback)
    assert row.unparsed and row.score is None and row.category == "unscored"


def test_an_edited_alert_updates_its_card(harness):
    harness.event(alert(), event_id="Ev5")
    [card] = harness.cards("C0DEFAULT")
    harness.wait_until_delivered()
    edited = dict(alert())
    edited["attachments"][0]["fields"][0]["value"] = "1/10"
    event = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C0INTAKE",
        "hidden": True,
        "ts": "1763900050.000200",
        "event_ts": "1763900050.000200",
        "message": edited,
        "previous_message": alert(),
    }
    harness.event(event, event_id="Ev6")
    [reply] = harness.standin.wait_for(lambda: harness.standin.replies("C0DEFAULT", card["ts"]))
    assert "score 2 → 1" in reply["text"]
    assert len(rows(harness, Feedback)) == 1


def test_our_own_messages_thread_replies_and_other_channels_are_ignored(harness):
    own = alert(bot_id="B0LOOPBOT", user="U0LOOPBOT")
    reply = alert(ts="1763900001.000100", thread_ts="1763900000.000100")
    elsewhere = alert(channel="C0RANDOM")
    joined = {
        "type": "message",
        "subtype": "channel_join",
        "user": "U0NEW",
        "text": "<@U0NEW> has joined",
        "channel": "C0INTAKE",
        "ts": "1763900002.000100",
        "event_ts": "1763900002.000100",
    }
    for number, event in enumerate([own, reply, elsewhere, joined]):
        assert harness.event(event, event_id=f"EvIgnored{number}").status_code == 200
    time.sleep(0.3)
    assert rows(harness, Feedback) == [] and harness.standin.calls_to("chat.postMessage") == []


def test_plain_user_messages_in_an_intake_channel_are_read_too(harness):
    event = {
        "type": "message",
        "user": "U0AGENT",
        "text": 'Customer jo@x.io rated us 1 out of 5 — "rude agent"',
        "channel": "C0ALERTS",
        "ts": "1763900100.000100",
        "event_ts": "1763900100.000100",
        "channel_type": "channel",
    }
    harness.event(event, event_id="Ev7")
    [card] = harness.cards("C0SUPPORT")  # scale csat → support
    [row] = rows(harness, Feedback)
    assert (row.source, row.score, row.scale, row.comment) == ("slack", 1, "csat", "rude agent")
