"""Stripe webhooks: a malformed event is refused with the path of the field at fault."""

from __future__ import annotations

import pytest

from bot.accounts.stripe import parse
from bot.errors import InvalidFeedback
from tests.bot.accounts.stripe_fixtures import fixture


def broken(name, change):
    event = fixture(name)
    change(event)
    return event


MALFORMED = [
    ("subscription_created", lambda e: e["data"].pop("object"), "data.object"),
    ("subscription_created", lambda e: e.update(data=[]), "data"),
    ("customer_created", lambda e: e["data"].update(object="cus_AcmeLogistic01"), "data.object"),
    ("customer_created", lambda e: e["data"]["object"].update(object="subscription"), "data.object.object"),
    ("customer_created", lambda e: e.update(created="2026-09-01"), "created"),
    ("customer_created", lambda e: e.update(livemode="yes"), "livemode"),
    ("customer_created", lambda e: e.pop("id"), "id"),
    (
        "customer_updated",
        lambda e: e["data"]["object"]["metadata"].update(account_owner_email=7),
        "data.object.metadata.account_owner_email",
    ),
    ("subscription_created", lambda e: e["data"]["object"].pop("customer"), "data.object.customer"),
    ("subscription_created", lambda e: e["data"]["object"]["items"].update(data={}), "data.object.items.data"),
    (
        "subscription_created",
        lambda e: e["data"]["object"]["items"]["data"][0].update(quantity="10"),
        "data.object.items.data[0].quantity",
    ),
    (
        "subscription_created",
        lambda e: e["data"]["object"]["items"]["data"][0].update(quantity=True),
        "data.object.items.data[0].quantity",
    ),
    (
        "subscription_created",
        lambda e: e["data"]["object"]["items"]["data"][0]["price"].update(currency=["eur"]),
        "data.object.items.data[0].price.currency",
    ),
    (
        "subscription_created",
        lambda e: e["data"]["object"]["items"]["data"][0]["price"]["recurring"].update(interval_count=0),
        "data.object.items.data[0].price.recurring.interval_count",
    ),
    (
        "subscription_created",
        lambda e: e["data"]["object"]["items"]["data"][0]["price"].update(unit_amount_decimal="forty"),
        "data.object.items.data[0].price.unit_amount_decimal",
    ),
    ("subscription_created", lambda e: e["data"]["object"].update(cancel_at="soon"), "data.object.cancel_at"),
    (
        "subscription_created",
        lambda e: e["data"]["object"]["items"]["data"][0]["price"].update(unit_amount_decimal=None, unit_amount="4000"),
        "data.object.items.data[0].price.unit_amount",
    ),
    (
        "subscription_created",
        lambda e: e["data"]["object"]["items"]["data"][0]["price"].update(unit_amount_decimal="1e-20"),
        "data.object.items.data[0].price.unit_amount_decimal",
    ),
    (
        "subscription_updated_period_roll",
        lambda e: e["data"]["previous_attributes"]["items"]["data"][0].update(quantity=-1),
        "data.previous_attributes.items.data[0].quantity",
    ),
    (
        "subscription_updated_period_roll",
        lambda e: e["data"].update(previous_attributes=[]),
        "data.previous_attributes",
    ),
    (
        "invoice_paid_subscription_cycle",
        lambda e: e["data"]["object"].update(amount_paid=-400),
        "data.object.amount_paid",
    ),
    (
        "invoice_paid_subscription_cycle",
        lambda e: e["data"]["object"].update(amount_paid=10**400),
        "data.object.amount_paid",
    ),
    (
        "invoice_paid_subscription_cycle",
        lambda e: e["data"]["object"]["lines"]["data"][0]["period"].update(end="x"),
        "data.object.lines.data[0].period.end",
    ),
]


@pytest.mark.parametrize("name, change, where", MALFORMED, ids=[m[2] for m in MALFORMED])
def test_malformed_events_name_the_field(name, change, where):
    with pytest.raises(InvalidFeedback) as caught:
        parse(broken(name, change))
    assert caught.value.where == where


def test_an_event_that_is_not_an_object():
    with pytest.raises(InvalidFeedback, match="event: must be a JSON object"):
        parse([])
