"""What `/loops forget` and `loopkeeper forget` read as the customer: a table of inputs."""

from __future__ import annotations

import pytest

from bot.errors import CommandError
from bot.privacy.keys import CustomerKey, key_from_options, read_key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("dana@acme.io", CustomerKey("email", "dana@acme.io")),
        ("Dana@ACME.io", CustomerKey("email", "dana@acme.io")),
        ("<mailto:dana@acme.io|dana@acme.io>", CustomerKey("email", "dana@acme.io")),
        ("email:dana@acme.io", CustomerKey("email", "dana@acme.io")),
        ("id:cus_123", CustomerKey("customer_id", "cus_123")),
        ("customer-id:CRM-77", CustomerKey("customer_id", "CRM-77")),
        ("account:Acme Inc", CustomerKey("account", "Acme Inc")),
        ("cus_123", CustomerKey("customer_id", "cus_123", guessed=True)),
        ("Acme", CustomerKey("customer_id", "Acme", guessed=True)),
    ],
)
def test_read_key(typed, key):
    assert read_key(typed) == key


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "say whose data to forget"),
        ("id:", "say whose data to forget"),
        ("dana@", "`dana@` is not an email address"),
        ("email:dana", "`dana` is not an email address"),
        ("x" * 400, "at most 320"),
    ],
)
def test_bad_keys_say_what_and_show_an_example(typed, problem):
    with pytest.raises(CommandError) as raised:
        read_key(typed)
    assert problem in str(raised.value) and raised.value.example == "/loops forget dana@acme.io"


def test_the_cli_takes_exactly_one_option():
    assert key_from_options(email=None, customer_id="cus_1", account=None) == CustomerKey("customer_id", "cus_1")
    assert key_from_options(email=None, customer_id=None, account="Acme") == CustomerKey("account", "Acme")
    with pytest.raises(CommandError, match="exactly one"):
        key_from_options(email="a@b.io", customer_id="cus_1", account=None)
