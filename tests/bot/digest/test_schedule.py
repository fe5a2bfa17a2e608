"""Scheduled digests with a controllable clock: on time, once, late after downtime, in each team's timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.digest.schedule import last_two_occurrences, send_due_digests
from models import DigestRun, OutboxItem, Team, Workspace

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def at(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(
    "schedule,tz,now,expected",
    [
        (
            "weekly mon 09:00",
            "Europe/Berlin",
            at(BERLIN, 2026, 11, 23, 9, 5),
            (at(BERLIN, 2026, 11, 16, 9), at(BERLIN, 2026, 11, 23, 9)),
        ),
        (
            "weekly mon 09:00",
            "Europe/Berlin",
            at(BERLIN, 2026, 11, 23, 8, 59),
            (at(BERLIN, 2026, 11, 9, 9), at(BERLIN, 2026, 11, 16, 9)),
        ),
        (
            "daily 08:30",
            "America/New_York",
            at(NEW_YORK, 2026, 11, 2, 9),  # the day after New York's DST change
            (at(NEW_YORK, 2026, 11, 1, 8, 30), at(NEW_YORK, 2026, 11, 2, 8, 30)),
        ),
        (
            "weekly mon 09:00",
            "Europe/Berlin",
            at(BERLIN, 2026, 3, 30, 10),  # the week of Berlin's DST change
            (at(BERLIN, 2026, 3, 23, 9), at(BERLIN, 2026, 3, 30, 9)),
        ),
        (
            "0 9 * * mon-fri",
            "UTC",
            datetime(2026, 11, 23, 10, tzinfo=UTC),
            (datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 23, 9, tzinfo=UTC)),
        ),
    ],
)
def test_occurrences_in_the_teams_timezone(schedule, tz, now, expected):
    assert last_two_occurrences(schedule, tz, now) == expected


def seed(session, schedule="weekly mon 09:00", tz="Europe/Berlin") -> Team:
    session.add(Workspace(id="T1"))
    session.flush()
    team = Team(
        workspace_id="T1",
        name="billing",
        channel_id="C0BILLING",
        timezone=tz,
        digest_schedule=schedule,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(team)
    session.commit()
    return team


def runs(session) -> list[tuple[datetime, bool]]:
    session.expire_all()
    return [(r.period_end, r.late) for r in session.exec(select(DigestRun).order_by(DigestRun.id))]


def posts(session) -> int:
    return len(session.exec(select(OutboxItem).where(OutboxItem.kind == "digest")).all())


def test_sent_on_time_once_then_again_next_week(session, engine):
    seed(session)
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 23, 8, 59)) == 1  # catches up last week's, late
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 23, 9, 0, 30)) == 1
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 23, 9, 1, 30)) == 0
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 24, 9)) == 0
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 30, 9, 0, 10)) == 1
    assert runs(session) == [
        (at(BERLIN, 2026, 11, 16, 9), True),
        (at(BERLIN, 2026, 11, 23, 9), False),
        (at(BERLIN, 2026, 11, 30, 9), False),
    ]
    assert posts(session) == 3


def test_missed_while_down_is_sent_once_and_marked_late(session, engine):
    seed(session, schedule="daily 08:30", tz="America/New_York")
    # down from Friday to Monday noon: three daily digests missed, one is sent
    assert send_due_digests(engine, now=at(NEW_YORK, 2026, 11, 23, 12)) == 1
    assert send_due_digests(engine, now=at(NEW_YORK, 2026, 11, 23, 12, 1)) == 0
    assert runs(session) == [(at(NEW_YORK, 2026, 11, 23, 8, 30), True)]


def test_a_new_team_does_not_get_a_digest_for_before_it_existed(session, engine):
    team = seed(session)
    team.created_at = at(BERLIN, 2026, 11, 24, 10)
    session.add(team)
    session.commit()
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 25, 9)) == 0
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 30, 9, 0, 5)) == 1


def test_a_changed_schedule_applies_at_the_next_check(session, engine):
    team = seed(session)
    send_due_digests(engine, now=at(BERLIN, 2026, 11, 23, 9, 1))
    before = posts(session)
    team.digest_schedule = "daily 08:30"
    session.add(team)
    session.commit()
    assert send_due_digests(engine, now=at(BERLIN, 2026, 11, 24, 8, 31)) == 1
    assert posts(session) == before + 1
