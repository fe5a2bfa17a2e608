"""Durations as people type them (30m, 4h, 2d, 1w), and back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.durations import InvalidDuration, format_duration, parse_duration
from bot.errors import LoopkeeperError

PARSED = [
    ("30m", timedelta(minutes=30)),
    ("1m", timedelta(minutes=1)),
    ("90m", timedelta(minutes=90)),
    ("4h", timedelta(hours=4)),
    ("2d", timedelta(days=2)),
    ("1w", timedelta(weeks=1)),
    ("4H", timedelta(hours=4)),
    ("1W", timedelta(weeks=1)),
    (" 4 h ", timedelta(hours=4)),
    ("04h", timedelta(hours=4)),
    ("9999m", timedelta(minutes=9999)),
    ("9999w", timedelta(weeks=9999)),
]


@pytest.mark.parametrize("text, delta", PARSED)
def test_parse_duration(text, delta):
    assert parse_duration(text) == delta


BAD = ["", "   ", None, "0h", "00m", "5x", "h", "-1d", "10000h", "4", "4 hours", "1.5h", "4h30m", "+4h", "1y"]


@pytest.mark.parametrize("text", BAD)
def test_bad_duration_is_refused_with_an_example(text):
    with pytest.raises(InvalidDuration) as caught:
        parse_duration(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "e.g. 30m, 4h, 2d or 1w" in message


def test_invalid_duration_is_a_loopkeeper_error():
    assert issubclass(InvalidDuration, LoopkeeperError)


FORMATTED = [
    (timedelta(minutes=1), "1m"),
    (timedelta(minutes=30), "30m"),
    (timedelta(minutes=90), "90m"),
    (timedelta(hours=1), "1h"),
    (timedelta(hours=4), "4h"),
    (timedelta(hours=25), "25h"),
    (timedelta(hours=24), "1d"),
    (timedelta(hours=48), "2d"),
    (timedelta(days=6), "6d"),
    (timedelta(days=7), "1w"),
    (timedelta(days=8), "8d"),
    (timedelta(days=14), "2w"),
    (timedelta(seconds=90), "1m"),  # below a minute is dropped
    (timedelta(0), "0m"),
]


@pytest.mark.parametrize("delta, text", FORMATTED)
def test_format_duration(delta, text):
    assert format_duration(delta) == text


ROUND_TRIPS = [
    ("30m", "30m"),
    ("90m", "90m"),
    ("4h", "4h"),
    ("36h", "36h"),
    ("2d", "2d"),
    ("1w", "1w"),
    ("9999w", "9999w"),
    # Not the shortest form: normalised.
    ("60m", "1h"),
    ("1440m", "1d"),
    ("24h", "1d"),
    ("168h", "1w"),
    ("7d", "1w"),
    ("14d", "2w"),
    ("4H", "4h"),
]


@pytest.mark.parametrize("text, shortest", ROUND_TRIPS)
def test_round_trip(text, shortest):
    delta = parse_duration(text)
    assert format_duration(delta) == shortest
    assert parse_duration(format_duration(delta)) == delta
