"""POST /webhooks/stripe end to end: Stripe-shaped events (tests/fixtures/webhooks/stripe), signed as Stripe signs,
into account outcomes joined to loops, with what they mean said in the loops' threads and cards."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.ids import CardAction
from models import Account, AccountEvent, BillingReceipt, LoopEvent
from tests.bot.accounts.stripe_fixtures import FIXTURES, fixture
from tests.factories import feedback_payload
from tests.harness import Harness

ACME = "cus_AcmeLogistic01"
LIFECYCLE = [
    "customer_created",
    "customer_updated",
    "subscription_created",
    "invoice_paid_subscription_create",
    "subscription_updated_period_roll",
    "invoice_paid_subscription_cycle",
    "subscription_updated_quantity_increase",
    "subscription_updated_cheaper_price",
    "subscription_updated_cancel_at_period_end",
    "subscription_deleted",
]


def raw(name: str) -> bytes:
    """A fixture's bytes exactly as stored (what Stripe signed)."""
    return (FIXTURES / f"{name}.json").read_bytes()


def body(event: dict) -> bytes:
    return json.dumps(event, indent=2).encode()


def acme_detractor(harness, **customer) -> dict:
    """A billing detractor from Acme Logistics; its card."""
    person = {"id": ACME, "email": "dana@acme-logistics.example.com", "name": "Dana Ruiz", "account": "Acme Logistics"}
    person.update(customer)
    harness.post_webhook(feedback_payload(customer={k: v for k, v in person.items() if v is not None}))
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card


def events(harness) -> list[AccountEvent]:
    with harness.session() as session:
        return list(session.exec(select(AccountEvent).order_by(AccountEvent.effective_at, AccountEvent.id)))


def account(harness, customer_id: str = ACME) -> Account:
    with harness.session() as session:
        return session.exec(select(Account).where(Account.customer_id == customer_id)).one()


def test_a_subscriptions_life_becomes_its_outcomes(harness):
    for name in LIFECYCLE:
        response = harness.post_stripe(raw(name))
        assert response.status_code == 200, (name, response.text)
        assert response.json()["outcome"] in ("recorded", "ignored"), (name, response.json())
    kinds = [(e.kind, e.arr_before, e.arr_after) for e in events(harness)]
    assert kinds == [
        ("renewed", Decimal("4800.00"), Decimal("4800.00")),  # the October cycle's invoice; the first one is not
        ("expanded", Decimal("4800.00"), Decimal("7200.00")),  # 10 → 15 seats
        ("contracted", Decimal("7200.00"), Decimal("4500.00")),  # Team → Starter
        ("cancellation_scheduled", Decimal("4500.00"), Decimal("4500.00")),
        ("churned", Decimal("4500.00"), Decimal("0")),
    ]
    scheduled = events(harness)[3]
    assert scheduled.details["feedback"] == "too_expensive"
    assert scheduled.details["cancel_at"].startswith("2026-11-01T10:05:02")
    acme = account(harness)
    assert (acme.status, acme.arr, acme.email, acme.name) == (
        "churned",
        Decimal("0.00"),
        "dana@acme-logistics.example.com",  # customer.updated changed it
        "Acme Logistics",
    )
    assert acme.churned_at is not None and acme.churned_at.isoformat().startswith("2026-11-01")


def test_the_first_invoice_and_a_period_roll_are_no_outcome(harness):
    for name in ("subscription_created", "invoice_paid_subscription_create", "subscription_updated_period_roll"):
        assert harness.post_stripe(raw(name)).status_code == 200
    assert events(harness) == []
    acme = account(harness)
    assert (acme.status, acme.arr) == ("active", Decimal("4800.00"))
    assert acme.renews_at is not None and acme.renews_at.isoformat().startswith("2026-11-01")  # the rolled period


def test_a_repeat_is_answered_as_one_and_changes_nothing(harness):
    first = harness.post_stripe(raw("subscription_updated_quantity_increase"))
    again = harness.post_stripe(raw("subscription_updated_quantity_increase"))
    assert first.json()["events"] == ["expanded"] and first.json()["duplicate"] is False
    assert again.status_code == 200 and again.json() == {"outcome": "duplicate", "duplicate": True}
    assert len(events(harness)) == 1


def test_out_of_order_events_never_roll_the_account_back(harness):
    card = acme_detractor(harness)
    for name in ("subscription_created", "subscription_deleted", "subscription_updated_cancel_at_period_end"):
        assert harness.post_stripe(raw(name)).status_code == 200
    # Both outcomes are kept, in billing time; the state is the newest: churned, not "cancellation scheduled".
    assert [e.kind for e in events(harness)] == ["cancellation_scheduled", "churned"]
    assert account(harness).status == "churned"
    harness.wait_until_delivered()
    # A scheduled cancellation that is already a churn is no urgent save: no note says so.
    assert not [r for r in harness.standin.replies("C0BILLING", card["ts"]) if "Cancellation scheduled" in r["text"]]
    assert "Churned on 1 Nov" in json.dumps(harness.card("C0BILLING", card["ts"])["blocks"])


def test_a_scheduled_cancellation_pings_the_loop_owner_and_marks_the_card(harness):
    card = acme_detractor(harness)
    harness.click(card, CardAction.TAKE_OWNERSHIP, user_id="U0DANA")
    harness.wait_until_delivered()
    for name in ("subscription_created", "subscription_updated_cancel_at_period_end"):
        response = harness.post_stripe(raw(name))
    assert response.json()["loops_told"] == [1]
    harness.wait_until_delivered()
    [note] = [r for r in harness.standin.replies("C0BILLING", card["ts"]) if "Cancellation scheduled" in r["text"]]
    assert note["text"].startswith(
        ":rotating_light: *Cancellation scheduled on 1 Nov* — billing says Acme Logistics is"
    )
    assert "$4,500 ARR · reason: too expensive" in note["text"]
    assert "the most urgent save there is: <@U0DANA>." in note["text"]
    assert "consolidating tools after budget cuts" in note["text"]  # the customer's own words, quoted
    blocks = json.dumps(harness.card("C0BILLING", card["ts"])["blocks"], ensure_ascii=False)
    assert "*Cancellation scheduled for 1 Nov* (billing) · $4,500 ARR at stake" in blocks
    assert "ARR $48,000" not in blocks  # what billing says replaces the survey's figure
    # It tops the team's open list, flagged.
    harness.post_webhook(feedback_payload(customer={"id": "cus_other", "name": "Ann Lee", "account": "Other"}))
    listing = harness.slash("open billing").json()["text"]
    head, first, *_ = listing.splitlines()
    assert head.endswith("1 cancelling)")
    assert first.startswith("• *#1*") and ":rotating_light: cancellation scheduled" in first
    with harness.session() as session:
        [event] = session.exec(select(LoopEvent).where(LoopEvent.kind == "billing")).all()
        assert (event.via, event.details["outcome"]) == ("billing", "cancellation_scheduled")


def test_without_an_owner_the_leads_are_pinged(harness):
    card = acme_detractor(harness)
    harness.post_stripe(raw("subscription_created"))
    harness.post_stripe(raw("subscription_updated_cancel_at_period_end"))
    harness.wait_until_delivered()
    [note] = harness.standin.replies("C0BILLING", card["ts"])
    assert "the most urgent save there is: <@U0BILLLEAD>." in note["text"]


def test_matched_by_email_once_stripe_says_whose_it_is(harness):
    """The feedback has no Stripe id: only the customer's email joins it, once customer.updated gives it."""
    card = acme_detractor(harness, id=None, email="dana@acme-logistics.example.com", account=None)
    harness.post_stripe(raw("subscription_created"))
    harness.post_stripe(raw("subscription_updated_cancel_at_period_end"))
    harness.wait_until_delivered()
    assert harness.standin.replies("C0BILLING", card["ts"]) == []  # Stripe has not said whose it is yet
    harness.post_stripe(raw("customer_created"))  # ops@…: still not her
    harness.post_stripe(raw("customer_updated"))  # dana@…
    later = harness.post_stripe(body(_retimed("subscription_updated_cancel_at_period_end", "evt_again")))
    assert later.json()["loops_told"] == [1]
    harness.wait_until_delivered()
    assert "Cancellation scheduled" in harness.standin.replies("C0BILLING", card["ts"])[0]["text"]


def _retimed(name: str, event_id: str) -> dict:
    event = fixture(name)
    event["id"] = event_id
    event["created"] += 60
    return event


def test_a_loop_marked_saved_whose_customer_churns_is_flagged(harness):
    card = acme_detractor(harness)
    assert harness.resolve(card, "saved").status_code == 200
    harness.wait_until_delivered()
    harness.post_stripe(raw("subscription_created"))
    deleted = fixture("subscription_deleted")
    later = int((harness.clock() + timedelta(days=20)).timestamp())
    deleted["created"] = deleted["data"]["object"]["ended_at"] = deleted["data"]["object"]["canceled_at"] = later
    response = harness.post_stripe(body(deleted))
    assert response.json()["events"] == ["churned"] and response.json()["loops_told"] == [1]
    harness.wait_until_delivered()
    [flag] = [r for r in harness.standin.replies("C0BILLING", card["ts"]) if "Marked saved" in r["text"]]
    today, churned = harness.clock(), harness.clock() + timedelta(days=20)
    saved_on, churned_on = f"{today.day} {today:%b}", f"{churned.day} {churned:%b}"
    assert flag["text"].startswith(f":warning: *Marked saved on {saved_on}, churned {churned_on}* — billing says")
    with harness.session() as session:
        assert session.exec(select(LoopEvent).where(LoopEvent.kind == "saved_then_churned")).one()


def test_several_v1_while_a_secret_rolls(harness):
    ours = harness.settings.source_secrets["LOOPKEEPER_WEBHOOK_SECRET_STRIPE"]
    response = harness.post_stripe(raw("customer_created"), secret="whsec_old_secret_rolling_out", extra_secrets=[ours])
    assert response.status_code == 200 and response.json()["outcome"] == "recorded"


@pytest.mark.parametrize(
    ("how", "error"),
    [
        ({"secret": "whsec_not_ours_0123456789"}, "Stripe-Signature has no v1 signature of this body made with our"),
        ({"timestamp": int(time.time()) - 600}, "Stripe-Signature was signed more than 5 minutes from our clock"),
    ],
)
def test_a_wrong_secret_or_a_stale_signature_is_refused_and_nothing_is_kept(harness, how, error):
    response = harness.post_stripe(raw("subscription_deleted"), **how)
    assert response.status_code == 401, response.text
    assert response.json()["error"].startswith(error)
    with harness.session() as session:
        assert session.exec(select(BillingReceipt)).all() == []
        assert session.exec(select(Account)).all() == []


def test_test_mode_events_are_ignored_unless_allowed(harness, settings, standin):
    response = harness.post_stripe(raw("customer_created_test_mode"))
    assert response.status_code == 200
    assert response.json()["ignored"].startswith("a test-mode event (livemode false)")
    with harness.session() as session:
        assert session.exec(select(Account)).all() == []
    harness.stop()
    trying = Harness(dataclasses.replace(settings, stripe_test_events=True), standin)
    trying.start()
    try:
        assert trying.post_stripe(raw("customer_created_test_mode")).json()["outcome"] == "recorded"
        assert account(trying, "cus_NorthwindTrd02").email == "it@northwind-traders.example.com"
    finally:
        trying.stop()


def test_a_malformed_event_names_the_field(harness):
    event = fixture("subscription_created")
    event["data"]["object"]["items"]["data"][0]["quantity"] = "ten"
    response = harness.post_stripe(body(event))
    assert response.status_code == 422
    assert response.json()["field"] == "data.object.items.data[0].quantity"
    assert events(harness) == [] and harness.post_stripe(raw("subscription_created")).json()["outcome"] == "recorded"
