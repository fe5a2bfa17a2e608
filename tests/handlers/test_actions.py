"""Card buttons end to end: signed block_actions in, chat.update out, loop events recorded."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from bot.ids import CardAction
from models import Loop, LoopEvent
from tests.factories import feedback_payload


def open_card(harness, **overrides) -> tuple[dict, int]:
    loop_id = harness.post_webhook(feedback_payload(**overrides)).json()["loop_id"]
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card, loop_id


def events(harness, loop_id: int) -> list[LoopEvent]:
    with harness.session() as session:
        return list(session.exec(select(LoopEvent).where(LoopEvent.loop_id == loop_id).order_by(LoopEvent.id)))


def updated_card(harness, card: dict, updates: int = 1) -> dict:
    harness.standin.wait_for(lambda: len(harness.standin.calls_to("chat.update")) >= updates)
    harness.wait_until_delivered()
    return harness.card(card["channel"], card["ts"])


def test_acknowledge_updates_the_same_card_and_records_who_and_when(harness):
    card, loop_id = open_card(harness)

    response = harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0PRIYA")

    assert response.status_code == 200
    after = updated_card(harness, card)
    assert after["ts"] == card["ts"] and after["edited"] is not None
    status = json.dumps(after["blocks"])
    assert "Acknowledged" in status and "<@U0PRIYA>" in status
    assert harness.buttons(after) == [
        CardAction.TAKE_OWNERSHIP,
        CardAction.ASSIGN,
        CardAction.SNOOZE,
        CardAction.RESOLVE,
        CardAction.MOVE,
        CardAction.ELEVATE,
    ]
    [update] = harness.standin.calls_to("chat.update")
    assert update.args["channel"] == "C0BILLING" and update.args["ts"] == card["ts"]
    with harness.session() as session:
        loop = session.get(Loop, loop_id)
        assert loop.status == "acknowledged" and loop.acknowledged_by == "U0PRIYA"
        assert loop.acknowledged_at is not None
    [opened, acked] = events(harness, loop_id)
    assert (acked.kind, acked.actor, acked.via) == ("acknowledged", "U0PRIYA", "button")


def test_second_click_gives_one_acknowledgement_and_tells_the_late_clicker(harness):
    card, loop_id = open_card(harness)
    harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0PRIYA")
    updated_card(harness, card)

    response = harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0SAM")

    assert response.status_code == 200
    [notice] = harness.standin.wait_for(lambda: harness.standin.calls_to("chat.postEphemeral"))
    assert notice.args["user"] == "U0SAM"
    assert "already acknowledged by <@U0PRIYA>" in notice.args["text"]
    harness.wait_until_delivered()
    assert len(harness.standin.calls_to("chat.update")) == 1
    assert [e.kind for e in events(harness, loop_id)] == ["opened", "acknowledged"]


def test_twenty_simultaneous_clicks_give_exactly_one_acknowledgement(harness):
    card, loop_id = open_card(harness)
    users = [f"U0CLICK{i:02d}" for i in range(20)]

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(lambda u: harness.click(card, CardAction.ACKNOWLEDGE, user_id=u), users))

    assert [r.status_code for r in responses] == [200] * 20
    harness.standin.wait_for(lambda: len(harness.standin.calls_to("chat.postEphemeral")) == 19, timeout=20)
    harness.wait_until_delivered(timeout=20)
    acks = [e for e in events(harness, loop_id) if e.kind == "acknowledged"]
    assert len(acks) == 1
    assert len(harness.standin.calls_to("chat.update")) == 1
    with harness.session() as session:
        assert session.get(Loop, loop_id).acknowledged_by == acks[0].actor


def test_take_ownership_sets_owner_and_acknowledges(harness):
    card, loop_id = open_card(harness)
    harness.click(card, CardAction.TAKE_OWNERSHIP, user_id="U0PRIYA")
    after = updated_card(harness, card)
    assert "owner <@U0PRIYA>" in json.dumps(after["blocks"])
    assert harness.buttons(after) == [
        CardAction.ASSIGN,
        CardAction.SNOOZE,
        CardAction.RESOLVE,
        CardAction.MOVE,
        CardAction.ELEVATE,
    ]
    with harness.session() as session:
        loop = session.get(Loop, loop_id)
        assert (loop.status, loop.owner_id, loop.acknowledged_by) == ("in_progress", "U0PRIYA", "U0PRIYA")


def test_resolve_closes_the_loop_and_removes_the_buttons(harness):
    card, loop_id = open_card(harness)
    harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0SAM")
    updated_card(harness, card)
    response = harness.resolve(card, "saved", user_id="U0PRIYA")
    assert response.status_code == 200 and response.text == ""  # empty ack closes the modal
    after = updated_card(harness, card, updates=2)
    assert "Resolved" in json.dumps(after["blocks"]) and harness.buttons(after) == [
        CardAction.REOPEN,
        CardAction.ELEVATE,
    ]
    with harness.session() as session:
        loop = session.get(Loop, loop_id)
        assert (loop.status, loop.resolved_by, loop.acknowledged_by) == ("resolved", "U0PRIYA", "U0SAM")
    assert [e.kind for e in events(harness, loop_id)] == ["opened", "acknowledged", "resolved"]


def test_updates_go_out_in_order_after_the_post(harness, standin):
    # The post is rate limited once; the acknowledgement's update must wait for it.
    from bot.demo.standin import Fault

    standin.inject(Fault("chat.postMessage", retry_after=1, channel="C0BILLING"))
    loop_id = harness.post_webhook(feedback_payload()).json()["loop_id"]
    [limited] = standin.wait_for(lambda: standin.calls_to("chat.postMessage"))
    [card] = harness.cards("C0BILLING", timeout=10)
    [retry] = [c for c in standin.calls_to("chat.postMessage")][1:]
    assert retry.at - limited.at >= 1.0  # Retry-After honoured
    harness.click(card, CardAction.ACKNOWLEDGE)
    updated_card(harness, card)
    assert len(events(harness, loop_id)) == 2


def test_click_on_a_loop_that_does_not_exist_answers_clearly(harness):
    card, _ = open_card(harness)
    response = harness.click(card, CardAction.ACKNOWLEDGE, value="999999")
    assert response.status_code == 200
    [reply] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert "no longer exists" in reply.args["text"] and reply.args["response_type"] == "ephemeral"


def test_tampered_button_value_answers_clearly(harness):
    card, _ = open_card(harness)
    harness.click(card, CardAction.ACKNOWLEDGE, value="1; drop table loop")
    [reply] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert "does not point at a loop" in reply.args["text"]


@pytest.mark.parametrize("case", ["wrong secret", "stale"])
def test_unsigned_or_stale_clicks_get_401_and_change_nothing(harness, case):
    card, loop_id = open_card(harness)
    kwargs = {"wrong secret": {"secret": "not-the-signing-secret"}, "stale": {"timestamp": int(time.time()) - 301}}
    response = harness.click(card, CardAction.ACKNOWLEDGE, **kwargs[case])
    assert response.status_code == 401
    assert "signature" in response.json()["error"]
    time.sleep(0.3)
    with harness.session() as session:
        assert session.get(Loop, loop_id).status == "new"
