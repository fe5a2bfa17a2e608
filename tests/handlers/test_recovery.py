"""Recovery on the card: a resolved detractor's card shows what the customer said next, updated when it arrives."""

from __future__ import annotations

import json

from bot.ids import CardBlock
from tests.factories import feedback_payload


def recovery_block(card: dict) -> dict | None:
    return next((b for b in card["blocks"] if b.get("block_id") == CardBlock.RECOVERY), None)


def test_the_resolved_cards_shows_the_customers_next_feedback(harness):
    harness.post_webhook(feedback_payload(score=3))
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    assert harness.resolve(card).status_code == 200
    harness.wait_until_delivered()
    assert recovery_block(harness.card("C0BILLING", card["ts"])) is None  # nothing said since
    # The same customer answers again, happier: a new loop, and the old card shows the change.
    harness.post_webhook(feedback_payload(score=9, comment="Sorted, thanks!"))
    harness.cards("C0BILLING", 2)
    harness.wait_until_delivered()
    block = recovery_block(harness.card("C0BILLING", card["ts"]))
    assert block is not None
    assert json.dumps(block, ensure_ascii=False).count("*Recovered: NPS 3 → 9* — their next feedback") == 1


def test_an_open_loop_shows_no_recovery_and_a_worse_answer_says_not_recovered(harness):
    harness.post_webhook(feedback_payload(score=2, customer={"id": "cus_9", "email": "kim@example.com"}))
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    harness.resolve(card)
    harness.wait_until_delivered()
    harness.post_webhook(feedback_payload(score=4, customer={"id": "cus_9", "email": "kim@example.com"}))
    harness.cards("C0BILLING", 2)
    harness.wait_until_delivered()
    old, new = harness.card("C0BILLING", card["ts"]), harness.cards("C0BILLING", 2)[1]
    assert "*Not recovered: NPS 2 → 4*" in json.dumps(recovery_block(old), ensure_ascii=False)
    assert recovery_block(new) is None  # the new loop is open
