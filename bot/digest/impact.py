"""The monthly impact section of a team's digest, and its chart, uploaded once per digest in the digest's thread.

The first digest of each month carries it (the one whose period crosses into the month, in the team's timezone),
for the 90 days up to the digest's end. A workspace with no billing data, or a team with no detractor loop in
those days, gets no section rather than zeros.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import DividerBlock, MarkdownTextObject, SectionBlock
from sqlmodel import Session

from bot.digest.content import Period
from bot.impact.chart_upload import queue_chart
from bot.impact.figures import Report, build_report
from bot.impact.periods import last_days
from bot.impact.text import report_sections
from models.outbox import OutboxItem
from models.team import Team

DAYS = 90
IN_THREAD = "_The chart is in this digest's thread._"


def impact_due(period: Period, tz_name: str) -> bool:
    """Whether this digest is the first of a month: its period crosses into a new month."""
    tz = ZoneInfo(tz_name)
    start, end = period.start.astimezone(tz), period.end.astimezone(tz)
    return (start.year, start.month) != (end.year, end.month)


def impact_report(
    session: Session, *, workspace_id: str, team: Team | None, period: Period, now: datetime
) -> Report | None:
    """The report for a digest that carries one; None for the others, without billing data, or with no loops."""
    tz_name = team.timezone if team else "UTC"
    if not impact_due(period, tz_name):
        return None
    report = build_report(
        session, workspace_id=workspace_id, team=team, window=last_days(DAYS, end=period.end), now=now, tz_name=tz_name
    )
    return report if report is not None and report.counted else None


def impact_sections(
    session: Session, *, workspace_id: str, team: Team | None, period: Period, now: datetime
) -> list[str]:
    """The section as text, for previews ([] when the digest carries none)."""
    report = impact_report(session, workspace_id=workspace_id, team=team, period=period, now=now)
    return report_sections(report, hints=False) if report is not None else []


def with_impact(message: dict, report: Report) -> dict:
    """The digest's message with the impact section before its closing line."""
    blocks = list(message["blocks"])
    added = []
    for text in [*report_sections(report, hints=False), IN_THREAD]:
        added += [SectionBlock(text=MarkdownTextObject(text=text)).to_dict()]
    return {**message, "blocks": [*blocks[:-1], *added, DividerBlock().to_dict(), blocks[-1]]}


def queue_impact_chart(session: Session, *, team: Team, digest: OutboxItem, report: Report) -> OutboxItem:
    """The chart, uploaded in the digest's thread once the digest is posted (same ordering key: after it)."""
    return queue_chart(
        session,
        workspace_id=team.workspace_id,
        channel_id=team.channel_id,
        team=team,
        window=report.window,
        ordering_key=digest.ordering_key,
        comment=f"Impact, {report.window.label}: monthly closure rate and churn by how loops were closed; "
        "touchpoints by churned ARR.",
        thread_of=digest,
    )
