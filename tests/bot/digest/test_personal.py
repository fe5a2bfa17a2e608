"""Personal digests: each owner's open loops of the team, by DM, with the team's digest and only then."""

from __future__ import annotations

from bot.ids import CardAction
from tests.factories import feedback_payload


def owned_loops(harness):
    """Ana's and Bo's loops owned by Priya, Cy's by Sam, Di's unowned — all in billing."""
    for key, name in (("a", "Ana Ortiz"), ("b", "Bo Chen"), ("c", "Cy Diaz"), ("d", "Di Ek")):
        harness.post_webhook(feedback_payload(id=key, customer={"name": name, "email": f"{key}@x.io"}))
    cards = harness.cards("C0BILLING", count=4)
    harness.click(cards[0], CardAction.TAKE_OWNERSHIP, user_id="U0PRIYA")
    harness.click(cards[1], CardAction.TAKE_OWNERSHIP, user_id="U0PRIYA")
    harness.click(cards[2], CardAction.TAKE_OWNERSHIP, user_id="U0SAM")
    harness.wait_until_delivered()


def dm_texts(harness, user_id):
    return [str(m["blocks"]) for m in harness.standin.direct_messages(user_id)]


def test_each_owner_gets_their_own_loops_oldest_first(harness):
    owned_loops(harness)
    assert "on its way" in harness.slash("digest send billing", user_id="U0BILLLEAD").json()["text"]
    harness.wait_until_delivered()
    [priya_dm] = harness.standin.direct_messages("U0PRIYA")
    priya = str(priya_dm["blocks"])
    # what she owns now, not what came in last week; the period only says which digest it came with
    assert priya_dm["text"] == "Your loops open now in billing: 2"
    assert priya_dm["blocks"][0]["text"]["text"].splitlines()[0] == "*Your loops open now in billing: 2*"
    assert priya_dm["blocks"][1]["elements"][0]["text"] == (
        "Oldest first · sent with billing's digest for last week · `/loops mine` lists them any time."
    )
    assert priya.index("Ana Ortiz") < priya.index("Bo Chen") and "Cy Diaz" not in priya and "Di Ek" not in priya
    [sam] = dm_texts(harness, "U0SAM")
    assert "Cy Diaz" in sam and "Ana Ortiz" not in sam
    assert dm_texts(harness, "U0BILLLEAD") == []  # leads own nothing here: no empty DM
    # sending again in the same period is refused, and nobody gets a second DM
    assert "was already sent" in harness.slash("digest send billing", user_id="U0ADMIN").json()["text"]
    harness.wait_until_delivered()
    assert len(dm_texts(harness, "U0PRIYA")) == 1


def test_a_team_can_turn_personal_digests_off(harness):
    owned_loops(harness)
    reply = harness.slash("team set billing personal-digests off", user_id="U0ADMIN").json()["text"]
    assert "personal digests off" in reply
    harness.slash("digest send billing", user_id="U0ADMIN")
    harness.wait_until_delivered()
    assert len(harness.standin.messages("C0BILLING")) == 5  # 4 cards and the team digest
    assert dm_texts(harness, "U0PRIYA") == []


def test_default_is_on_for_weekly_and_off_for_daily(harness):
    owned_loops(harness)
    reply = harness.slash('team set billing digest "daily 08:00"', user_id="U0ADMIN").json()["text"]
    assert "personal digests off" in reply
    harness.slash("digest send billing", user_id="U0ADMIN")
    harness.wait_until_delivered()
    assert dm_texts(harness, "U0PRIYA") == []
    reply = harness.slash("team set billing personal-digests on", user_id="U0ADMIN").json()["text"]
    assert "personal digests on" in reply


def test_bad_setting_value_says_what_is_accepted(harness):
    reply = harness.slash("team set billing personal-digests maybe", user_id="U0ADMIN").json()["text"]
    assert "say on, off or default" in reply and "/loops team set billing personal-digests off" in reply
