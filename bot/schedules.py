"""Business hours and digest schedules as admins type them."""

from __future__ import annotations

import re

from apscheduler.triggers.cron import CronTrigger

from bot.errors import CommandError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = r"([01]\d|2[0-3]):([0-5]\d)"
_HOURS = re.compile(rf"^{_TIME}-{_TIME}$")
_WEEKLY = re.compile(rf"^weekly\s+({'|'.join(DAYS)})\w*\s+{_TIME}$", re.IGNORECASE)
_DAILY = re.compile(rf"^daily\s+{_TIME}$", re.IGNORECASE)
SCHEDULE_EXAMPLES = '"weekly mon 09:00", "daily 08:30" or a cron expression like "0 9 * * mon-fri"'


def parse_days(text: str) -> list[str]:
    """``mon-fri`` or ``mon,wed,fri`` → the day names, in week order."""
    text = text.lower()
    if "-" in text:
        first, _, last = text.partition("-")
        if first[:3] in DAYS and last[:3] in DAYS:
            start, end = DAYS.index(first[:3]), DAYS.index(last[:3])
            return list(DAYS[start : end + 1]) if start <= end else list(DAYS[start:] + DAYS[: end + 1])
    days = [d.strip()[:3] for d in text.split(",")]
    if days and all(d in DAYS for d in days):
        return [d for d in DAYS if d in days]
    raise CommandError(
        f"`{text}` is not a set of days; use mon-fri or mon,wed,fri",
        example="/loops team set billing hours mon-fri 09:00-17:00",
    )


def parse_hours(days: str, span: str) -> dict:
    """Business hours: ``mon-fri`` ``09:00-17:00`` → {"days": [...], "start": "09:00", "end": "17:00"}."""
    match = _HOURS.match(span)
    if not match or span[:5] >= span[6:]:
        raise CommandError(
            f"`{span}` is not a span of the day like 09:00-17:00 (start before end)",
            example="/loops team set billing hours mon-fri 09:00-17:00",
        )
    return {"days": parse_days(days), "start": span[:5], "end": span[6:]}


def format_hours(hours: dict | None) -> str:
    if not hours:
        return "around the clock"
    days = hours["days"]
    run = ",".join(days)
    if days == list(DAYS[DAYS.index(days[0]) : DAYS.index(days[0]) + len(days)]) and len(days) > 2:
        run = f"{days[0]}-{days[-1]}"
    return f"{run} {hours['start']}-{hours['end']}"


def parse_schedule(text: str) -> str:
    """Validate a digest schedule and return it normalised (lowercase, single spaces)."""
    normal = " ".join(text.split()).lower()
    if _WEEKLY.match(normal) or _DAILY.match(normal):
        return normal
    fields = normal.split()
    if len(fields) == 5:
        if any(part.isdigit() and "," not in part for part in fields[4:]) or re.search(r"\d", fields[4]):
            raise CommandError(
                "write the day of week in a cron expression with names (mon-fri), not numbers: "
                "numbering differs between tools",
                example='/loops team set billing digest "0 9 * * mon"',
            )
        try:
            CronTrigger.from_crontab(normal)
        except ValueError as exc:
            raise CommandError(
                f"`{text}` is not a valid cron expression ({exc})",
                example='/loops team set billing digest "0 9 * * mon"',
            ) from None
        return normal
    raise CommandError(
        f"`{text}` is not a schedule; use {SCHEDULE_EXAMPLES}",
        example='/loops team set billing digest "weekly mon 09:00"',
    )
