"""Where people see their work: /loops mine, /loops open, /loops show, and the App Home tab."""

from __future__ import annotations

import json
import time

from bot.ids import CardAction
from tests.factories import feedback_payload


def answer(harness, text, user="U0PRIYA") -> str:
    return harness.slash(text, user_id=user).json()["text"]


def two_loops(harness):
    harness.post_webhook(feedback_payload(id="a", customer={"name": "Ana Ortiz", "email": "ana@a.io"}))
    harness.post_webhook(feedback_payload(id="b", customer={"name": "Bo Chen", "email": "bo@b.io"}))
    cards = harness.cards("C0BILLING", count=2)
    harness.wait_until_delivered()
    return cards


def test_mine_open_and_show(harness):
    first, second = two_loops(harness)
    harness.click(first, CardAction.TAKE_OWNERSHIP, user_id="U0PRIYA")
    harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    harness.wait_until_delivered()

    mine = answer(harness, "mine")
    assert mine.startswith("*Your open loops* (1)") and "Ana Ortiz" in mine and "Bo Chen" not in mine
    assert "<https://slack.com/archives/C0BILLING/p" in mine
    everything = answer(harness, "open billing")
    assert everything.startswith("*Open loops of billing* (2; 1 unowned, 0 overdue)")
    assert everything.index("Ana Ortiz") < everything.index("Bo Chen")  # oldest first
    loop_id = harness.button_value(first, CardAction.TAKE_OWNERSHIP)
    shown = answer(harness, f"show #{loop_id}")
    assert (
        "*History*" in shown and "opened by Loopkeeper (webhook)" in shown and "owned by <@U0PRIYA> (button)" in shown
    )
    assert answer(harness, "mine", user="U0NOBODY").endswith("_None — nothing is waiting on you._")


def test_app_home_shows_my_loops_and_the_unowned_ones(harness):
    first, _ = two_loops(harness)
    harness.click(first, CardAction.TAKE_OWNERSHIP, user_id="U0BILLLEAD")
    # an action refreshes the actor's Home tab
    [publish] = harness.standin.wait_for(lambda: harness.standin.calls_to("views.publish"))
    home = json.dumps(publish.args["view"])
    assert publish.args["user_id"] == "U0BILLLEAD"
    assert "My open loops (1)" in home and "Ana Ortiz" in home
    assert "Unowned loops of billing (1)" in home and "Bo Chen" in home
    assert "*2* open" in home and "*0* closed this week" in home
    event = {
        "type": "app_home_opened",
        "user": "U0PRIYA",
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    harness.event(event, event_id="EvHome1")
    publishes = harness.standin.wait_for(
        lambda: len(harness.standin.calls_to("views.publish")) >= 2 and harness.standin.calls_to("views.publish")
    )
    assert "My open loops (0)" in json.dumps(publishes[-1].args["view"])
