"""/loops impact's words, parsed purely: a team, a period and `chart`, in any order, each at most once."""

from __future__ import annotations

import pytest

from bot.admin.impact import ImpactWords, parse_words
from bot.errors import CommandError


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ImpactWords()),
        (("billing",), ImpactWords(team="billing")),
        (("Billing", "Last-Quarter"), ImpactWords(team="billing", period="last-quarter")),
        (("chart", "30d"), ImpactWords(period="30d", chart=True)),
        (("last-week", "chart", "support"), ImpactWords(team="support", period="last-week", chart=True)),
    ],
)
def test_words(args, expected):
    assert parse_words(args) == expected


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("billing", "support"), "`support` after the team `billing`"),
        (("last-week", "90d"), "two periods, `last-week` and `90d`"),
        (("chart", "CHART"), "`chart` is said twice"),
    ],
)
def test_words_said_twice_are_refused_with_an_example(args, problem):
    with pytest.raises(CommandError) as raised:
        parse_words(args)
    assert problem in str(raised.value) and raised.value.example == "/loops impact billing last-quarter"
