"""A card update means "make this card current": changes that come while one is waiting fold into it."""

from __future__ import annotations

import dataclasses
import json

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.ids import CardAction
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload
from tests.harness import Harness


def open_card(harness) -> dict:
    harness.post_webhook(feedback_payload())
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card


def test_ten_changes_while_slack_is_busy_make_at_most_two_updates_and_the_card_ends_current(harness):
    card = open_card(harness)
    busy = harness.standin.hold("chat.update")  # the first update is at Slack until the changes are all in
    try:
        harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0PRIYA")
        harness.click(card, CardAction.TAKE_OWNERSHIP, user_id="U0PRIYA")
        for n in range(8):
            response = harness.select(card, CardAction.ASSIGN, user_id="U0PRIYA", selected_user=f"U0ASSIGN{n}")
            assert response.status_code == 200
    finally:
        busy.set()
    harness.wait_until_delivered(timeout=30)

    # One update was sent (or on its way) when the changes began; the other nine folded into one more.
    updates = harness.standin.calls_to("chat.update")
    assert 1 <= len(updates) <= 2, len(updates)
    final = harness.card("C0BILLING", card["ts"])
    status = next(b for b in final["blocks"] if b.get("block_id") == "loop_status")
    assert "owner <@U0ASSIGN7>" in json.dumps(status)
    notes = [r["text"] for r in harness.standin.replies("C0BILLING", card["ts"])]
    assert len(notes) == 10 and notes[-1] == "<@U0PRIYA> assigned this to <@U0ASSIGN7>"  # the history stays whole


def test_a_single_click_on_an_idle_card_is_sent_at_once(settings, standin):
    # The worker looks at the outbox on its own only every ten minutes here, so the update can only have been
    # sent because the click's commit woke it, not held back to wait for more changes.
    harness = Harness(dataclasses.replace(settings, delivery_poll_seconds=600), standin)
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    harness.start()
    try:
        card = open_card(harness)
        assert harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0PRIYA").status_code == 200
        harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    finally:
        harness.stop()
    assert "Acknowledged" in json.dumps(harness.card("C0BILLING", card["ts"])["blocks"])
