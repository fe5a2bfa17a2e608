"""When each team's digest is due: its stored schedule, evaluated in its timezone, every minute.

Only the latest scheduled time is considered, so after downtime a missed digest is
sent once (marked late), not once per missed tick; the (team, period) key in
``digest_run`` makes every period go out once however many processes check.
Schedules are read from the database on each check, so changes apply without a restart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from bot.digest.content import Period
from bot.digest.sending import send_digest
from models.db import new_session, transaction
from models.team import list_all_teams

LATE_AFTER = timedelta(minutes=10)
LOOKBACK = timedelta(days=35)
MAX_STEPS = 50_000


def trigger(schedule: str, tz_name: str) -> CronTrigger:
    """``weekly mon 09:00``, ``daily 08:30`` or a 5-field cron (day names) as an APScheduler trigger."""
    tz = ZoneInfo(tz_name)
    words = schedule.split()
    if words[0] == "weekly":
        hour, minute = words[2].split(":")
        return CronTrigger(day_of_week=words[1][:3], hour=int(hour), minute=int(minute), timezone=tz)
    if words[0] == "daily":
        hour, minute = words[1].split(":")
        return CronTrigger(hour=int(hour), minute=int(minute), timezone=tz)
    return CronTrigger.from_crontab(schedule, timezone=tz)


def last_two_occurrences(schedule: str, tz_name: str, now: datetime) -> tuple[datetime, datetime] | None:
    """The latest scheduled time at or before ``now`` and the one before it (None if there are not two)."""
    cron = trigger(schedule, tz_name)
    previous, current = None, None
    fire = cron.get_next_fire_time(None, now - LOOKBACK)
    for _ in range(MAX_STEPS):
        if fire is None or fire > now:
            break
        previous, current = current, fire
        fire = cron.get_next_fire_time(fire, fire + timedelta(seconds=1))
    if previous is None or current is None:
        return None
    return previous.astimezone(UTC), current.astimezone(UTC)


def period_label(schedule: str) -> str:
    return {"weekly": "last week", "daily": "yesterday"}.get(schedule.split(maxsplit=1)[0], "since the last digest")


def send_due_digests(engine: Engine, *, now: datetime) -> int:
    """Send every team's digest whose scheduled time has come and whose period was not sent yet.

    Each team's digest is its own short transaction, so one team's failure never holds back the rest.
    """
    sent = 0
    with new_session(engine, read_only=True) as reader:  # no write lock while only reading
        teams = list_all_teams(session=reader)
    for team in teams:
        occurrences = last_two_occurrences(team.digest_schedule, team.timezone, now)
        if occurrences is None:
            continue
        start, end = occurrences
        if end < team.created_at:
            continue  # the team did not exist yet at that time
        period = Period(start, end, period_label(team.digest_schedule))
        with transaction(engine) as session:
            if send_digest(
                session, team=team, period=period, now=now, sent_by="scheduler", late=now - end > LATE_AFTER
            ):
                sent += 1
    return sent
