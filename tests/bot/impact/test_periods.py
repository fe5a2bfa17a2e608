"""The impact report's periods: the default, the digest's names, calendar months and quarters, a number of days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import CommandError
from bot.impact.periods import is_period, window

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # a Wednesday in the year's fourth quarter
D = lambda *args: datetime(*args, tzinfo=UTC)  # noqa: E731


@pytest.mark.parametrize(
    ("word", "start", "end", "label"),
    [
        (None, D(2026, 8, 20, 15, 30), NOW, "last 90 days"),
        ("last-30-days", D(2026, 10, 19, 15, 30), NOW, "last 30 days"),
        ("60d", D(2026, 9, 19, 15, 30), NOW, "last 60 days"),
        ("last-month", D(2026, 10, 1), D(2026, 11, 1), "last month"),
        ("this-month", D(2026, 11, 1), NOW, "this month so far"),
        ("last-quarter", D(2026, 7, 1), D(2026, 10, 1), "last quarter"),
        ("this-quarter", D(2026, 10, 1), NOW, "this quarter so far"),
        ("last-week", D(2026, 11, 9), D(2026, 11, 16), "last week"),
        ("this-week", D(2026, 11, 16), NOW, "this week so far"),
        ("last-day", D(2026, 11, 17), D(2026, 11, 18), "yesterday"),
        ("LAST-QUARTER", D(2026, 7, 1), D(2026, 10, 1), "last quarter"),
    ],
)
def test_periods(word, start, end, label):
    chosen = window(word, now=NOW)
    assert (chosen.start, chosen.end, chosen.label) == (start, end, label)


def test_calendar_periods_start_at_the_teams_midnight_and_years_turn():
    january = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    assert window("last-month", now=january).start == D(2026, 12, 1)
    assert window("last-quarter", now=january).start == D(2026, 10, 1)
    berlin = window("this-month", now=NOW, tz_name="Europe/Berlin")
    assert berlin.start == D(2026, 10, 31, 23, 0)  # midnight in Berlin, UTC+1 in November


@pytest.mark.parametrize("word", ["soon", "0d", "731d", "last-fortnight"])
def test_what_is_not_a_period_says_so_with_an_example(word):
    with pytest.raises(CommandError) as raised:
        window(word, now=NOW)
    assert raised.value.example == "/loops impact billing last-quarter"


def test_is_period():
    assert [is_period(w) for w in ("last-90-days", "90d", "billing", "chart")] == [True, True, False, False]
