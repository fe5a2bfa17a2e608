"""/loops forget and `loopkeeper forget`, end to end: a customer's data spread over cards, notes, a digest and
billing, erased from every table and every Slack message, the figures unchanged, a second run a no-op."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.privacy.slack_messages import REMOVED_NOTE
from models import AuditEntry, Feedback, OutboxItem
from tests.bot.cli.test_cli import loopkeeper
from tests.handlers.forgetting import (
    ADMIN,
    BOB,
    BOBS,
    DANA,
    FIRST,
    MEMBER,
    SECOND,
    dana_loop,
    database_text,
    feedback_from,
    figures,
    needles,
    say,
    slack_text,
    spread_dana,
)


def test_forget_erases_the_customer_everywhere_and_keeps_the_figures(harness):
    loop_id = spread_dana(harness)
    dana, bob = needles(DANA, FIRST, SECOND), needles(BOB, BOBS)
    assert dana.found_in(database_text(harness)) and dana.found_in(slack_text(harness))  # the scans see her
    digest = [m for m in harness.standin.messages("C0BILLING") if "digest" in m["text"].lower()]
    assert digest and DANA["name"] in json.dumps(digest)  # the digest named her
    now = harness.clock()
    before = figures(harness, now)

    preview = say(harness, "forget dana@acme.io")
    assert preview.startswith("*Forget the customer with email `dana@acme.io`?*")
    assert f"2 feedback, 1 loop, 1 billing account (#{loop_id})" in preview
    assert preview.endswith("To go ahead: `/loops forget dana@acme.io confirm`")
    assert dana.found_in(database_text(harness))  # the preview changed nothing

    answer = say(harness, "forget dana@acme.io confirm")
    assert answer.startswith(":wastebasket: Forgot 1 customer: 2 feedback, 1 loop, 1 billing account.")
    harness.wait_until_delivered()

    assert dana.found_in(database_text(harness)) == []
    assert dana.found_in(slack_text(harness)) == []
    assert figures(harness, now) == before
    card = harness.card("C0BILLING", dana_loop(harness).card_ts)
    assert "removed at the customer's request" in card["blocks"][0]["text"]["text"]
    replies = harness.standin.replies("C0BILLING", card["ts"])
    assert len(replies) >= 4 and {r["text"] for r in replies} == {REMOVED_NOTE}
    # Bob is untouched.
    assert len(bob.found_in(database_text(harness))) == len(bob.needles)
    assert BOB["name"] in json.dumps(harness.standin.messages("C0BILLING"))
    with harness.session() as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "customer.forget")).all()
    assert (entry.actor, entry.via, entry.target) == (ADMIN, "slash_command", "1 customer, by email")
    assert entry.after["customers"] == 1 and entry.after["feedback"] == 2 and entry.after["loops"] == 1


def test_forgetting_again_changes_nothing_and_a_redelivery_stays_out(harness):
    spread_dana(harness)
    say(harness, "forget dana@acme.io confirm")
    harness.wait_until_delivered()
    rows, messages = database_text(harness), slack_text(harness)
    with harness.session() as session:
        outbox = len(session.exec(select(OutboxItem)).all())

    assert say(harness, "forget dana@acme.io confirm").startswith("Nothing to forget: no feedback or billing account")
    assert say(harness, f"forget id:{DANA['id']} confirm").startswith("Nothing to forget")
    assert say(harness, "forget Dana@ACME.io").startswith("Nothing to forget")  # any case, previewed
    assert "has customer id or account name `Initech`" in say(harness, "forget Initech")
    response = harness.post_webhook(feedback_from(DANA, FIRST, id="dana-1"))  # the source sends it again
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    harness.wait_until_delivered()
    assert database_text(harness) == rows and slack_text(harness) == messages
    with harness.session() as session:
        assert len(session.exec(select(OutboxItem)).all()) == outbox


def test_forget_by_account_reaches_every_feedback_of_the_account(harness):
    spread_dana(harness)
    now = harness.clock()
    before = figures(harness, now)
    assert "Forget the customer with account `Acme`?" in say(harness, "forget Acme")
    assert "2 feedback, 1 loop, 1 billing account" in say(harness, 'forget "Acme" confirm')
    harness.wait_until_delivered()
    assert needles(DANA, FIRST, SECOND).found_in(database_text(harness) + slack_text(harness)) == []
    assert figures(harness, now) == before
    with harness.session() as session:
        assert [f.account for f in session.exec(select(Feedback)) if f.account == "Acme"] == []


def test_only_admins_may_forget(harness):
    spread_dana(harness)
    text = say(harness, "forget dana@acme.io confirm", user=MEMBER)
    assert text.startswith(":lock: Sorry, only Loopkeeper admins can run `/loops forget`")
    assert needles(DANA, FIRST).found_in(database_text(harness))


@pytest.mark.parametrize(
    ("command", "problem", "example"),
    [
        ("forget", "missing whose data to forget", "/loops forget dana@acme.io"),
        ("forget dana@", "`dana@` is not an email address", "/loops forget dana@acme.io"),
        ("forget email:nobody", "`nobody` is not an email address", "/loops forget dana@acme.io"),
        ("forget dana@acme.io yes", "add only `confirm` after the customer", "/loops forget dana@acme.io confirm"),
        ("forget dana@acme.io confirm now", "takes 2 words after it", "/loops forget dana@acme.io"),
    ],
)
def test_bad_input_is_an_ephemeral_error_with_an_example(harness, command, problem, example):
    text = say(harness, command)
    assert problem in text and f"`{example}`" in text


def test_the_cli_forgets_by_customer_id_and_the_running_bot_updates_slack(harness):
    spread_dana(harness)
    now = harness.clock()
    before = figures(harness, now)
    env = {"DATABASE_URL": harness.settings.database_url}
    dry = loopkeeper("forget", "--customer-id", DANA["id"], "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would forget 1 customer: 2 feedback, 1 loop, 1 billing account")
    done = loopkeeper("forget", "--customer-id", DANA["id"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("forgot 1 customer: 2 feedback, 1 loop, 1 billing account\n")
    assert "1 card, " in done.stdout and 'queued to say "removed at the customer\'s request"' in done.stdout
    harness.standin.wait_for(lambda: not needles(DANA, FIRST, SECOND).found_in(slack_text(harness)), timeout=15)
    harness.wait_until_delivered()
    assert needles(DANA, FIRST, SECOND).found_in(database_text(harness)) == []
    assert figures(harness, now) == before
    again = loopkeeper("forget", "--customer-id", DANA["id"], env=env)
    assert again.returncode == 0 and again.stdout.startswith("nothing to forget")
    both = loopkeeper("forget", "--email", "a@b.io", "--account", "Acme", env=env)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


@pytest.mark.parametrize("what", ["note", "card"])
def test_what_is_on_its_way_to_slack_during_the_forget_is_edited_when_it_lands(harness, what):
    """A thread note (later feedback joining the open loop) or a card (a new loop) still being posted when the
    customer is forgotten: it went out with the old text, so it is edited as soon as it lands."""
    if what == "note":
        assert harness.post_webhook(feedback_from(DANA, FIRST, id="dana-1")).status_code == 202
        harness.cards("C0BILLING")
        harness.wait_until_delivered()
    posts = len(harness.standin.calls_to("chat.postMessage"))
    harness.standin.method_delays["chat.postMessage"] = 1.5  # Slack holds the answer back
    assert harness.post_webhook(feedback_from(DANA, SECOND, id="dana-2")).status_code == 202
    harness.standin.wait_for(lambda: len(harness.standin.calls_to("chat.postMessage")) > posts)
    assert "Forgot 1 customer" in say(harness, "forget dana@acme.io confirm")  # while it is in flight
    harness.standin.method_delays.clear()
    harness.wait_until_delivered()
    [card] = harness.cards("C0BILLING")
    assert "removed at the customer's request" in card["blocks"][0]["text"]["text"]
    assert len(harness.standin.replies("C0BILLING", card["ts"])) == (1 if what == "note" else 0)
    assert needles(DANA, FIRST, SECOND).found_in(slack_text(harness) + database_text(harness)) == []
