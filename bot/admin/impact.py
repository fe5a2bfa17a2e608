"""/loops impact [team] [period] [chart] and /loops impact unmatched: whether closing loops moved the business.

The report is computed before the runner's transaction opens (``prepare``, read-only), so the write
transaction that may queue the chart stays short. The chart goes to the asker's DM: the answer itself is only
theirs to see, and Slack cannot attach a file to an ephemeral message.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.admin.registry import Invocation, Preparation, Subcommand
from bot.errors import CommandError
from bot.impact.chart_upload import queue_chart
from bot.impact.figures import Report, build_report
from bot.impact.periods import EXAMPLE, NAMES, Window, is_period, window
from bot.impact.text import NO_BILLING, report_text
from bot.impact.unmatched import unmatched_text
from models.db import new_session
from models.team import Team, get_team_by_name, list_teams

CHART = "chart"


@dataclass(frozen=True)
class ImpactWords:
    """What `/loops impact …` was asked: a team (None: all), a period (None: the default), the chart or not."""

    team: str | None = None
    period: str | None = None
    chart: bool = False


@dataclass(frozen=True)
class Asked:
    words: ImpactWords
    team: Team | None
    window: Window
    report: Report | None  # None: billing has told us nothing yet


def parse_words(args: tuple[str, ...]) -> ImpactWords:
    """Team, period and ``chart`` in any order, each at most once; pure."""
    team = period = None
    chart = False
    for word in args:
        lowered = word.lower()
        if lowered == CHART:
            if chart:
                raise CommandError("`chart` is said twice", example=EXAMPLE)
            chart = True
        elif is_period(lowered):
            if period is not None:
                raise CommandError(f"two periods, `{period}` and `{word}`: give one", example=EXAMPLE)
            period = lowered
        elif team is None:
            team = lowered
        else:
            raise CommandError(
                f"`{word}` after the team `{team}`: give one team, or none for all teams", example=EXAMPLE
            )
    return ImpactWords(team=team, period=period, chart=chart)


def prepare(prep: Preparation) -> Asked:
    """The report, computed in a read-only session of its own."""
    words = parse_words(prep.args)
    with new_session(prep.engine, read_only=True) as session:
        team = None
        if words.team:
            team = get_team_by_name(session=session, workspace_id=prep.workspace_id, name=words.team)
            if team is None:
                teams = ", ".join(t.name for t in list_teams(session=session, workspace_id=prep.workspace_id))
                raise CommandError(
                    f"`{words.team}` is neither a team ({teams or 'none yet'}) nor a period ({', '.join(NAMES)})",
                    example=EXAMPLE,
                )
        tz_name = team.timezone if team else "UTC"
        chosen = window(words.period, now=prep.now, tz_name=tz_name)
        report = build_report(
            session, workspace_id=prep.workspace_id, team=team, window=chosen, now=prep.now, tz_name=tz_name
        )
    return Asked(words=words, team=team, window=chosen, report=report)


def impact(inv: Invocation) -> str:
    asked: Asked = inv.prepared
    if asked.report is None:
        return NO_BILLING
    text = report_text(asked.report)
    if asked.words.chart and asked.report.counted:
        queue_chart(
            inv.session,
            workspace_id=inv.workspace_id,
            channel_id=inv.user_id,
            team=asked.team,
            window=asked.window,
            ordering_key=f"impact:{inv.user_id}",
            comment=f"Your impact chart — {asked.report.scope}, {asked.window.label} (`/loops impact`).",
        )
        text += "\n\n:bar_chart: The chart is on its way to your DMs with me."
    return text


def unmatched(inv: Invocation) -> str:
    return unmatched_text(inv.session, workspace_id=inv.workspace_id, now=inv.now)


SUBCOMMANDS = [
    Subcommand(
        ("impact",),
        "/loops impact [team] [period] [chart]",
        "Whether closing loops paid off: churn within 90 days and ARR lost for loops closed within SLA, late and "
        "never (95 % intervals, Fisher's test), recovery, revenue measured by billing, weakest links in dollars. "
        f"Periods: {', '.join(NAMES)} or `60d` (default last-90-days); `chart` sends the chart to your DMs",
        EXAMPLE,
        impact,
        topic="impact",
        writes=True,  # only to queue the chart; the figures are read in ``prepare``
        prepare=prepare,
    ),
    Subcommand(
        ("impact", "unmatched"),
        "/loops impact unmatched",
        "Billing's account events that no feedback joins yet (account, kind, date, ARR)",
        "/loops impact unmatched",
        unmatched,
        topic="impact",
    ),
]
