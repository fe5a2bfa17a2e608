"""Stripe webhooks: each documented event read into an account fact, ARR worked out from its items."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from bot.accounts.stripe import CustomerFact, InvoicePaidFact, SubscriptionFact, parse
from tests.bot.accounts.stripe_fixtures import FIXTURES, at, fixture

# --- parse: the fixtures --------------------------------------------------------------------------------------

ACME = {"customer_id": "cus_AcmeLogistic01", "livemode": True}
SUBSCRIPTION = {
    "subscription_id": "sub_1SxAcmeLogisticsFleet001",
    "customer_id": "cus_AcmeLogistic01",
    "status": "active",
    "currency": "usd",
    "cancel_at_period_end": False,
    "cancel_at": None,
    "canceled_at": None,
    "ended_at": None,
    "cancellation_reason": None,
    "cancellation_feedback": None,
    "cancellation_comment": None,
    "current_period_end": at("2026-11-01T10:05:02"),
    "deleted": False,
    "livemode": True,
}
CANCELLATION = {
    "cancel_at_period_end": True,
    "cancel_at": at("2026-11-01T10:05:02"),
    "canceled_at": at("2026-10-25T16:42:10"),
    "cancellation_reason": "cancellation_requested",
    "cancellation_feedback": "too_expensive",
    "cancellation_comment": "We're consolidating tools after budget cuts. Route planning was great, but 15 seats "
    "is more than we can justify this year.",
}
# ARR = unit amount (cents) × seats × 12 months ÷ 100.
TEAM_10_SEATS = Decimal("4800.00")  # 4000 × 10 × 12 = 480000 cents
TEAM_15_SEATS = Decimal("7200.00")  # 4000 × 15 × 12 = 720000 cents
STARTER_15_SEATS = Decimal("4500.00")  # 2500 × 15 × 12 = 450000 cents

EXPECTED = {
    "customer_created": CustomerFact(
        email="ops@acme-logistics.example.com",
        name="Acme Logistics",
        owner_email=None,
        event_id="evt_1SxAcmeCustomerCreated01",
        created=at("2026-09-01T09:58:12"),
        **ACME,
    ),
    "customer_updated": CustomerFact(
        email="dana@acme-logistics.example.com",
        name="Acme Logistics",
        owner_email="sam.okafor@example.com",
        event_id="evt_1SxAcmeCustomerUpdated01",
        created=at("2026-09-03T14:20:05"),
        **ACME,
    ),
    "customer_created_test_mode": CustomerFact(
        customer_id="cus_NorthwindTrd02",
        email="it@northwind-traders.example.com",
        name="Northwind Traders",
        owner_email="sam.okafor@example.com",
        event_id="evt_1SxNorthwindTestCreate01",
        created=at("2026-09-15T08:30:41"),
        livemode=False,
    ),
    "subscription_created": SubscriptionFact(
        **{**SUBSCRIPTION, "current_period_end": at("2026-10-01T10:05:02")},
        arr=TEAM_10_SEATS,
        event_id="evt_1SxAcmeSubscriptionCreat",
        created=at("2026-09-01T10:05:05"),
    ),
    "subscription_updated_period_roll": SubscriptionFact(
        **SUBSCRIPTION,
        arr=TEAM_10_SEATS,
        previous_arr=TEAM_10_SEATS,
        changed=frozenset({"items", "latest_invoice"}),
        event_id="evt_1SxAcmePeriodRollOctober",
        created=at("2026-10-01T10:05:16"),
    ),
    "subscription_updated_quantity_increase": SubscriptionFact(
        **SUBSCRIPTION,
        arr=TEAM_15_SEATS,
        previous_arr=TEAM_10_SEATS,
        changed=frozenset({"items"}),
        event_id="evt_1SxAcmeSeatsTenToFifteen",
        created=at("2026-10-14T09:12:44"),
    ),
    "subscription_updated_cheaper_price": SubscriptionFact(
        **SUBSCRIPTION,
        arr=STARTER_15_SEATS,
        previous_arr=TEAM_15_SEATS,
        changed=frozenset({"items"}),
        event_id="evt_1SxAcmeTeamToStarter0001",
        created=at("2026-10-20T15:03:27"),
    ),
    "subscription_updated_cancel_at_period_end": SubscriptionFact(
        **{**SUBSCRIPTION, **CANCELLATION},
        arr=STARTER_15_SEATS,
        previous_arr=STARTER_15_SEATS,
        changed=frozenset({"cancel_at", "cancel_at_period_end", "canceled_at", "cancellation_details"}),
        event_id="evt_1SxAcmeCancelAtPeriodEnd",
        created=at("2026-10-25T16:42:11"),
    ),
    "subscription_deleted": SubscriptionFact(
        **{
            **SUBSCRIPTION,
            **CANCELLATION,
            "status": "canceled",
            "ended_at": at("2026-11-01T10:05:02"),
            "deleted": True,
        },
        arr=STARTER_15_SEATS,
        event_id="evt_1SxAcmeSubscriptionDelet",
        created=at("2026-11-01T10:05:04"),
    ),
    # A first invoice: paid for September; invoice.period_end is its creation time, the line says when it runs to.
    "invoice_paid_subscription_create": InvoicePaidFact(
        invoice_id="in_1SxAcmeFirstInvoice00001",
        subscription_id="sub_1SxAcmeLogisticsFleet001",
        billing_reason="subscription_create",
        amount_paid=Decimal("400.00"),
        currency="usd",
        period_end=at("2026-10-01T10:05:02"),
        event_id="evt_1SxAcmeFirstInvoicePaid1",
        created=at("2026-09-01T10:05:06"),
        **ACME,
    ),
    "invoice_paid_subscription_cycle": InvoicePaidFact(
        invoice_id="in_1SxAcmeOctoberRenewal001",
        subscription_id="sub_1SxAcmeLogisticsFleet001",
        billing_reason="subscription_cycle",
        amount_paid=Decimal("400.00"),
        currency="usd",
        period_end=at("2026-11-01T10:05:02"),
        event_id="evt_1SxAcmeOctRenewalPaid001",
        created=at("2026-10-01T11:05:12"),
        **ACME,
    ),
}


def test_every_fixture_has_an_expected_fact():
    assert sorted(EXPECTED) == sorted(path.stem for path in FIXTURES.glob("*.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_its_fact(name):
    assert parse(fixture(name)) == EXPECTED[name]


def test_period_roll_alone_keeps_arr():
    rolled = parse(fixture("subscription_updated_period_roll"))
    assert rolled.arr == rolled.previous_arr == parse(fixture("subscription_created")).arr
    assert rolled.current_period_end == at("2026-11-01T10:05:02")


def test_arr_moves_up_on_expansion_and_down_on_contraction():
    expansion = parse(fixture("subscription_updated_quantity_increase"))
    contraction = parse(fixture("subscription_updated_cheaper_price"))
    assert expansion.arr > expansion.previous_arr and contraction.arr < contraction.previous_arr


def test_only_a_cycle_invoice_is_a_renewal():
    assert parse(fixture("invoice_paid_subscription_cycle")).renewal
    assert not parse(fixture("invoice_paid_subscription_create")).renewal


def test_livemode_is_carried():
    modes = {name: parse(fixture(name)).livemode for name in EXPECTED}
    assert [name for name, live in modes.items() if not live] == ["customer_created_test_mode"]


@pytest.mark.parametrize(
    "kind",
    [
        "charge.succeeded",
        "invoice.payment_failed",
        "customer.deleted",
        "customer.subscription.paused",
        "v1.billing.meter.error_report_triggered",
    ],
)
def test_event_types_we_do_not_use(kind):
    assert parse({**fixture("subscription_created"), "type": kind}) is None


def test_before_basil_the_period_and_the_invoice_subscription_sat_at_the_top():
    # API versions before 2025-03-31.basil: current_period_* on the subscription, invoice.subscription.
    event = fixture("subscription_created")
    subscription = event["data"]["object"]
    for item in subscription["items"]["data"]:
        subscription["current_period_start"] = item.pop("current_period_start")
        subscription["current_period_end"] = item.pop("current_period_end")
    assert parse(event).current_period_end == at("2026-10-01T10:05:02")
    invoice_event = fixture("invoice_paid_subscription_cycle")
    invoice = invoice_event["data"]["object"]
    invoice["parent"], invoice["subscription"] = None, "sub_1SxAcmeLogisticsFleet001"
    for line in invoice["lines"]["data"]:
        line["parent"], line["type"] = None, "subscription"
    assert parse(invoice_event) == EXPECTED["invoice_paid_subscription_cycle"]


# --- parse: ARR arithmetic ------------------------------------------------------------------------------------


def subscription_with(*prices_and_quantities, currency="usd", has_more=False) -> dict:
    """The subscription_created event with its items replaced: (price fields to change, quantity) per item."""
    event = fixture("subscription_created")
    subscription = event["data"]["object"]
    template = subscription["items"]["data"][0]
    items = []
    for changes, quantity in prices_and_quantities:
        item = copy.deepcopy(template)
        item["quantity"] = quantity
        item["price"] = {**item["price"], "currency": currency, **changes}
        item["plan"]["currency"] = currency
        items.append(item)
    subscription.update(currency=currency, items={**subscription["items"], "data": items, "has_more": has_more})
    return event


def monthly(cents, count=1, interval="month"):
    return {
        "unit_amount": cents,
        "unit_amount_decimal": str(cents),
        "recurring": {"interval": interval, "interval_count": count, "usage_type": "licensed"},
    }


@pytest.mark.parametrize(
    "items, currency, arr",
    [
        ([(monthly(120_000, interval="year"), 3)], "jpy", Decimal("360000")),  # ¥120000 × 3, zero-decimal: no ÷ 100
        ([(monthly(30_000, count=3), 1)], "usd", Decimal("1200.00")),  # 30000 × 12 ÷ 3 months = 120000 cents
        ([(monthly(1_000, interval="week"), 2)], "eur", Decimal("1040.00")),  # 1000 × 2 × 52 weeks = 104000 cents
        ([(monthly(100, interval="day"), 1)], "usd", Decimal("365.00")),  # 100 × 365 days = 36500 cents
        ([(monthly(999, count=2, interval="week"), 1)], "usd", Decimal("259.74")),  # 999 × 52 ÷ 2 = 25974 cents
        ([(monthly(5_125), 1)], "kwd", Decimal("61.500")),  # 5125 fils × 12 = 61500, three-decimal: ÷ 1000
        ([(monthly(4000), 10), (monthly(1500), 2)], "usd", Decimal("5160.00")),  # (40000 + 3000) × 12 = 516000 cents
        (
            [({**monthly(0), "unit_amount": None, "unit_amount_decimal": "0.35"}, 1000)],
            "usd",
            Decimal("42.00"),
        ),  # 0.35 cent × 1000 × 12 = 4200 cents
        (
            [({**monthly(1000), "transform_quantity": {"divide_by": 5, "round": "up"}}, 11)],
            "usd",
            Decimal("360.00"),
        ),  # 11 seats in packs of 5, rounded up = 3 packs × 1000 × 12 = 36000 cents
        (
            [({**monthly(1000), "transform_quantity": {"divide_by": 5, "round": "down"}}, 11)],
            "usd",
            Decimal("240.00"),
        ),  # rounded down = 2 packs × 1000 × 12 = 24000 cents
        (
            [({**monthly(4000), "currency": "usd", "currency_options": {"eur": {"unit_amount": 3700}}}, 1)],
            "eur",
            Decimal("444.00"),
        ),  # a multi-currency price, its EUR option: 3700 × 12 = 44400 cents
        ([], "usd", Decimal("0.00")),
    ],
)
def test_arr_arithmetic(items, currency, arr):
    fact = parse(subscription_with(*items, currency=currency))
    assert (fact.arr, fact.arr_notes) == (arr, ())


TIERED = {"billing_scheme": "tiered", "unit_amount": None, "unit_amount_decimal": None, "tiers_mode": "graduated"}
METERED = {
    **monthly(0),
    "unit_amount": 3,
    "unit_amount_decimal": "3",
    "recurring": {"interval": "month", "interval_count": 1, "usage_type": "metered"},
}


@pytest.mark.parametrize(
    "items, has_more, note",
    [
        ([(monthly(4000), 10), (TIERED, 1)], False, "tiered; events do not carry the tiers"),
        ([(METERED, None)], False, "metered; its amount depends on usage"),
        ([({"recurring": None}, 1)], False, "not a recurring price"),
        ([({**monthly(1000), "unit_amount": None, "unit_amount_decimal": None}, 1)], False, "no unit amount"),
        ([(monthly(1000, interval="fortnight"), 1)], False, "no fixed count per year"),
        ([({**monthly(1000), "currency": "usd"}, 1)], False, "priced in usd; events leave out its eur amount"),
        ([(monthly(4000), 10)], True, "cut short (has_more)"),
    ],
)
def test_arr_unknown_says_why(items, has_more, note):
    fact = parse(subscription_with(*items, currency="eur", has_more=has_more))
    assert fact.arr is None and any(note in line for line in fact.arr_notes), fact.arr_notes


def test_items_with_only_a_plan_from_before_prices():
    event = fixture("subscription_created")
    for item in event["data"]["object"]["items"]["data"]:
        del item["price"]
    assert parse(event).arr == TEAM_10_SEATS
