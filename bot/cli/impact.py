"""`loopkeeper impact`: the impact report as plain text, billing's unmatched events, the chart as a PNG file."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.cli.config import open_engine, pick_workspace
from bot.demo.render import plain
from bot.errors import CommandError, ConfigError
from bot.impact.chart import draw
from bot.impact.figures import build_report
from bot.impact.periods import window
from bot.impact.text import NO_BILLING, report_text
from bot.impact.unmatched import unmatched_text
from models.base import utcnow
from models.db import new_session
from models.team import get_team_by_name


def impact_command(
    *, team: str | None, period: str | None, unmatched: bool, chart: str | None, workspace: str | None
) -> int:
    engine = open_engine()
    try:
        with new_session(engine, read_only=True) as session:
            workspace_id = pick_workspace(session, workspace)
            now = utcnow()
            if unmatched:
                sys.stdout.write(plain(unmatched_text(session, workspace_id=workspace_id, now=now)) + "\n")
                return 0
            chosen_team = get_team_by_name(session=session, workspace_id=workspace_id, name=team) if team else None
            if team and chosen_team is None:
                raise ConfigError(f"no team called {team!r}")
            tz_name = chosen_team.timezone if chosen_team else "UTC"
            try:
                chosen = window(period, now=now, tz_name=tz_name)
            except CommandError as exc:
                raise ConfigError(f"--period: {exc}") from None
            report = build_report(
                session, workspace_id=workspace_id, team=chosen_team, window=chosen, now=now, tz_name=tz_name
            )
            if report is None:
                sys.stdout.write(plain(NO_BILLING) + "\n")
                return 0
            sys.stdout.write(plain(report_text(report, hints=False)) + "\n")
            if chart:
                Path(chart).write_bytes(draw(report))
                sys.stdout.write(f"\nChart written to {chart}\n")
    finally:
        engine.dispose()
    return 0
