"""Similar loops on new cards and /loops similar, end to end: seeded history, feedback over a signed webhook, the
card as the Slack stand-in received it."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Loopkeeper
from bot.ids import CardBlock
from models.db import transaction
from tests.bot.learning.seeding import resolved
from tests.factories import feedback_payload

DOUBLE_CHARGE = "Charged twice on my invoice"


def say(harness, text: str, user: str = "U0DANA") -> str:
    response = harness.slash(text, user_id=user)
    assert response.status_code == 200, response.text
    assert response.json()["response_type"] == "ephemeral"
    return response.json()["text"]


def seed_history(harness) -> dict[str, int]:
    """Two double charges saved by a call (3 h and 20 h), an invoice typo fixed by email, three onboarding loops."""
    now = harness.clock()
    ids = {}
    with transaction(harness.app.engine) as session:
        common = {"session": session, "workspace_id": harness.workspace_id}
        ids["double_a"] = resolved(
            **common,
            comment="I was charged twice for my invoice this month, please refund one",
            received=now - timedelta(days=40),
            outcome="saved",
            contact="call",
            took=timedelta(hours=3),
            root_cause="Billing error",
        ).id
        ids["double_b"] = resolved(
            **common,
            comment="Double charged again: the invoice shows the same charge twice",
            received=now - timedelta(days=20),
            outcome="saved",
            contact="call",
            took=timedelta(hours=20),
            root_cause="Billing error",
        ).id
        ids["address"] = resolved(
            **common,
            comment="The invoice PDF shows the wrong company address",
            received=now - timedelta(days=15),
            outcome="contacted_fixed",
            contact="email",
            took=timedelta(days=2),
        ).id
        for n, comment in enumerate(
            (
                "Onboarding was confusing and the setup call took weeks",
                "Nobody helped us during onboarding, the training videos are outdated",
                "The onboarding checklist never loads for new users",
            )
        ):
            ids[f"onboarding_{n}"] = resolved(
                **common,
                comment=comment,
                received=now - timedelta(days=10 + n),
                outcome="contacted_fixed",
                contact="email",
                took=timedelta(days=1),
                touchpoint="onboarding",
                root_cause="Onboarding gap",
            ).id
    harness.app.similar_loops.refresh()
    return ids


def similar_block(card: dict) -> dict | None:
    return next((b for b in card["blocks"] if b.get("block_id") == CardBlock.SIMILAR), None)


def link(loop_id: int) -> str:
    return f"https://slack.com/archives/C0BILLING/p1700000000{loop_id:06d}|Loop #{loop_id}>"


def test_a_double_charge_card_shows_the_earlier_double_charges_and_what_worked(harness):
    ids = seed_history(harness)
    assert harness.post_webhook(feedback_payload(comment=DOUBLE_CHARGE, customer={"id": "cus_new"})).status_code == 202
    [card] = harness.cards("C0BILLING")
    block = similar_block(card)
    assert block is not None
    lines = block["text"]["text"].split("\n")
    # Hand-counted: only the two double charges are alike enough (the invoice-address loop and the onboarding
    # ones fall below the minimum score); both were saved by a call, the slower one after 20 hours.
    assert lines[0] == ":mag: *2 similar loops: 2 saved by calling within a day*"
    assert lines[1] == (
        f"• <{link(ids['double_a'])} · Customer saved / retained · call · closed in 3 h · Billing error"
    )
    assert lines[2] == (
        f"• <{link(ids['double_b'])} · Customer saved / retained · call · closed in 20 h · Billing error"
    )
    assert lines[3] == ":bulb: _Similar loops were saved by calling within a day (2 of 2)_"
    assert len(lines) == 4
    assert not any(f"Loop #{ids[f'onboarding_{n}']}>" in block["text"]["text"] for n in range(3))
    # The section sits above the card's buttons.
    kinds = [b["type"] for b in card["blocks"]]
    assert kinds.index("actions") == card["blocks"].index(block) + 1


def test_an_empty_history_shows_no_section(harness):
    harness.app.similar_loops.refresh()
    assert harness.app.similar_loops.ready
    assert harness.post_webhook(feedback_payload(comment=DOUBLE_CHARGE)).status_code == 202
    [card] = harness.cards("C0BILLING")
    assert similar_block(card) is None
    assert "similar" not in card["text"].lower()


def test_a_loop_resolved_a_minute_ago_is_found_by_the_next_card(harness):
    harness.app.similar_loops.refresh()
    assert harness.post_webhook(feedback_payload(comment=DOUBLE_CHARGE, customer={"id": "cus_a"})).status_code == 202
    [first] = harness.cards("C0BILLING")
    first_loop = int(harness.button_value(first, "loop_resolve"))
    assert harness.resolve(first, outcome="saved", contact="call").status_code == 200
    # No forced refresh: the commit of the resolution wakes this process's refresher.
    harness.standin.wait_for(lambda: first_loop in harness.app.similar_loops)
    again = feedback_payload(comment="charged twice for one invoice", customer={"id": "cus_b"})
    assert harness.post_webhook(again).status_code == 202
    second = harness.cards("C0BILLING", count=2)[-1]
    block = similar_block(second)
    assert block is not None and f"|Loop #{first_loop}>" in block["text"]["text"]
    assert block["text"]["text"].startswith(":mag: *1 similar loop: 1 saved by calling within an hour*")


def test_loops_similar_shows_the_neighbours_with_their_scores(harness):
    ids = seed_history(harness)
    assert harness.post_webhook(feedback_payload(comment=DOUBLE_CHARGE, customer={"id": "cus_new"})).status_code == 202
    [card] = harness.cards("C0BILLING")
    loop_id = int(harness.button_value(card, "loop_resolve"))
    text = say(harness, f"similar {loop_id}")
    lines = text.split("\n")
    assert lines[0].startswith(f"*Resolved loops like #{loop_id}*")
    assert lines[1].startswith(f"• <{link(ids['double_a'])} · score 0.")
    assert lines[2].startswith(f"• <{link(ids['double_b'])} · score 0.")
    first, second = (float(line.split(" · score ")[1].split(" ")[0]) for line in lines[1:3])
    assert 1 >= first > second >= 0.2
    assert lines[-1] == ":bulb: Similar loops were saved by calling within a day (2 of 2)"
    # A resolved loop's neighbours include loops opened after it.
    assert f"|Loop #{ids['double_b']}>" in say(harness, f"similar {ids['double_a']}")


def test_loops_similar_refuses_what_is_not_a_loop_with_an_example(harness):
    harness.app.similar_loops.refresh()
    for typed, problem in (
        ("similar", "missing the loop number"),
        ("similar abc", "`abc` is not a loop number"),
        ("similar 999", "there is no loop #999 here"),
    ):
        text = say(harness, typed)
        assert problem in text and "/loops " in text
    assert "`/loops similar <id>`" in say(harness, "help")
    assert "*/loops similar <loop-id>*" in say(harness, "help similar")


def test_another_replica_finds_a_loop_resolved_here_on_its_next_catch_up(harness, settings):
    """Each replica keeps its own index; a second app on the same database catches up with what the first did."""
    other = Loopkeeper(settings, clock=harness.clock)  # its workers are not started: the test refreshes it
    try:
        other.similar_loops.refresh()
        assert other.similar_loops.ready and len(other.similar_loops) == 0
        assert harness.post_webhook(feedback_payload(comment=DOUBLE_CHARGE)).status_code == 202
        [card] = harness.cards("C0BILLING")
        loop_id = int(harness.button_value(card, "loop_resolve"))
        assert harness.resolve(card, outcome="saved", contact="call").status_code == 200
        harness.standin.wait_for(lambda: loop_id in harness.app.similar_loops)
        assert other.similar_loops.refresh() == 1
        assert loop_id in other.similar_loops
        # Reopened, it leaves every index at the next catch-up.
        harness.wait_until_delivered()
        assert harness.click(harness.card("C0BILLING", card["ts"]), "loop_reopen").status_code == 200
        harness.standin.wait_for(lambda: loop_id not in harness.app.similar_loops)
        assert other.similar_loops.refresh() == 1 and loop_id not in other.similar_loops
    finally:
        other.stop()
