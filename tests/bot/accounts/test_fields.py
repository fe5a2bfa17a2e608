"""Billing event field readers: a wrong or missing value is refused with its full path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.accounts.fields import flag, mapping, object_id, text, unix_time, whole
from bot.errors import InvalidFeedback

EVENT = {"id": "evt_1", "count": 3, "live": True, "data": {"a": 1}, "customer": {"id": "cus_1"}, "created": 0}


@pytest.mark.parametrize(
    "reader, key, value",
    [
        (text, "id", "evt_1"),
        (whole, "count", 3),
        (flag, "live", True),
        (mapping, "data", {"a": 1}),
        (object_id, "customer", "cus_1"),
        (unix_time, "created", datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_each_reader_returns_its_value_and_none_when_absent(reader, key, value):
    assert reader(EVENT, key, "data.object") == reader(EVENT, key, "data.object", required=True) == value
    assert reader(EVENT, "absent", "data.object") is None


@pytest.mark.parametrize("reader", [text, whole, flag, mapping, object_id, unix_time])
def test_a_required_field_that_is_missing_or_null_names_its_path(reader):
    with pytest.raises(InvalidFeedback, match="is required") as caught:
        reader({"gone": None}, "gone", "data.object", required=True)
    assert caught.value.where == "data.object.gone"


@pytest.mark.parametrize(
    "reader, value, says, where",
    [
        (text, 7, "a string", "field"),
        (whole, True, "a whole number", "field"),  # a bool is an int in Python, never a number here
        (whole, "3", "a whole number", "field"),
        (flag, 1, "true or false", "field"),
        (mapping, [], "an object", "field"),
        (object_id, {"id": 7}, "a string", "field.id"),  # an expanded object: its id is read
        (unix_time, 10**20, "a unix time", "field"),
    ],
)
def test_a_value_of_the_wrong_type_names_its_path(reader, value, says, where):
    with pytest.raises(InvalidFeedback, match=says) as caught:
        reader({"field": value}, "field", "")
    assert caught.value.where == where
