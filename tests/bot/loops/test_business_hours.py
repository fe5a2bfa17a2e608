"""SLA clocks across business-hour boundaries, weekends and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.loops.business_hours import add_business_time, next_opening

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}


def local(tz, *args):
    return datetime(*args, tzinfo=tz)


CASES = [
    # (start local, duration, tz, hours, expected local)
    (
        "friday 16:30 + 2h → monday 10:30",
        local(BERLIN, 2026, 11, 20, 16, 30),
        timedelta(hours=2),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 23, 10, 30),
    ),
    (
        "inside one day",
        local(BERLIN, 2026, 11, 23, 9, 0),
        timedelta(hours=3),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 23, 12, 0),
    ),
    (
        "before opening starts at opening",
        local(BERLIN, 2026, 11, 23, 6, 0),
        timedelta(minutes=30),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 23, 9, 30),
    ),
    (
        "after closing rolls to next day",
        local(BERLIN, 2026, 11, 23, 18, 0),
        timedelta(hours=1),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 24, 10, 0),
    ),
    (
        "saturday counts from monday",
        local(BERLIN, 2026, 11, 21, 12, 0),
        timedelta(hours=1),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 23, 10, 0),
    ),
    (
        "two days of SLA = two business days",
        local(BERLIN, 2026, 11, 23, 9, 0),
        timedelta(days=2),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 24, 17, 0),
    ),
    (
        "a day of SLA from friday afternoon",
        local(BERLIN, 2026, 11, 20, 15, 0),
        timedelta(days=1),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 23, 15, 0),
    ),
    (
        "end exactly at closing",
        local(BERLIN, 2026, 11, 23, 16, 0),
        timedelta(hours=1),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 11, 23, 17, 0),
    ),
    (
        "DST spring forward (Berlin, 29 Mar 2026)",
        local(BERLIN, 2026, 3, 27, 16, 0),
        timedelta(hours=2),
        BERLIN,
        OFFICE,
        local(BERLIN, 2026, 3, 30, 10, 0),
    ),
    (
        "DST fall back (New York, 1 Nov 2026)",
        local(NEW_YORK, 2026, 10, 30, 16, 0),
        timedelta(hours=2),
        NEW_YORK,
        OFFICE,
        local(NEW_YORK, 2026, 11, 2, 10, 0),
    ),
    (
        "no business hours: wall clock",
        local(BERLIN, 2026, 11, 20, 16, 30),
        timedelta(hours=2),
        BERLIN,
        None,
        local(BERLIN, 2026, 11, 20, 18, 30),
    ),
    (
        "24h wall clock across DST keeps elapsed time",
        local(BERLIN, 2026, 3, 28, 12, 0),
        timedelta(hours=24),
        BERLIN,
        None,
        local(BERLIN, 2026, 3, 29, 13, 0),
    ),
]


@pytest.mark.parametrize("name,start,duration,tz,hours,expected", CASES, ids=[c[0] for c in CASES])
def test_business_time(name, start, duration, tz, hours, expected):
    due = add_business_time(start.astimezone(UTC), duration, tz_name=str(tz), hours=hours)
    assert due == expected.astimezone(UTC)
    assert due.astimezone(tz).replace(tzinfo=None) == expected.replace(tzinfo=None)


def test_the_utc_offset_changes_across_dst_but_the_local_window_does_not():
    friday = add_business_time(
        local(BERLIN, 2026, 3, 27, 16, 0).astimezone(UTC), timedelta(minutes=30), tz_name="Europe/Berlin", hours=OFFICE
    )
    monday = add_business_time(
        local(BERLIN, 2026, 3, 27, 16, 0).astimezone(UTC), timedelta(hours=2), tz_name="Europe/Berlin", hours=OFFICE
    )
    assert friday.utcoffset() == monday.utcoffset() == timedelta(0)
    assert (friday.hour, monday.hour) == (15, 8)  # 16:30 CET = 15:30 UTC; 10:00 CEST = 08:00 UTC


@pytest.mark.parametrize(
    "after,expected",
    [
        (local(BERLIN, 2026, 11, 23, 14, 0), local(BERLIN, 2026, 11, 24, 9, 0)),  # monday → tuesday
        (local(BERLIN, 2026, 11, 27, 14, 0), local(BERLIN, 2026, 11, 30, 9, 0)),  # friday → monday
    ],
)
def test_snooze_until_the_next_business_morning(after, expected):
    assert next_opening(after.astimezone(UTC), tz_name="Europe/Berlin", hours=OFFICE) == expected.astimezone(UTC)


def test_hours_that_never_open_are_an_error():
    with pytest.raises(ValueError, match="never open"):
        add_business_time(
            datetime(2026, 1, 1, tzinfo=UTC),
            timedelta(hours=1),
            tz_name="UTC",
            hours={"days": [], "start": "09:00", "end": "17:00"},
        )
