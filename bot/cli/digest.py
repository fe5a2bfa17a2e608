"""`loopkeeper digest preview` (a digest as plain text) and `loopkeeper digest send-due`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from bot.cli.config import open_engine, pick_workspace
from bot.demo.render import plain
from bot.digest.content import build_digest
from bot.digest.impact import impact_sections
from bot.digest.owners import send_due_owner_digests
from bot.digest.periods import period
from bot.digest.render import sections
from bot.digest.schedule import send_due_digests
from bot.errors import ConfigError
from models.base import utcnow
from models.db import new_session
from models.team import get_team_by_name


def preview_command(*, team: str | None, period_name: str, workspace: str | None) -> int:
    engine = open_engine()
    try:
        with new_session(engine, read_only=True) as session:
            workspace_id = pick_workspace(session, workspace)
            chosen_team = get_team_by_name(session=session, workspace_id=workspace_id, name=team) if team else None
            if team and chosen_team is None:
                raise ConfigError(f"no team called {team!r}")
            now = utcnow()
            chosen = period(period_name, now=now, tz_name=chosen_team.timezone if chosen_team else "UTC")
            digest = build_digest(session, workspace_id=workspace_id, team=chosen_team, period=chosen, now=now)
            impact = impact_sections(session, workspace_id=workspace_id, team=chosen_team, period=chosen, now=now)
            sys.stdout.write("\n\n".join(plain(s) for s in [*sections(digest), *impact]) + "\n")
    finally:
        engine.dispose()
    return 0


def send_due_command(*, at: str | None) -> int:
    now = utcnow()
    if at:
        try:
            now = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"--at {at!r} is not an ISO date-time (e.g. 2026-11-23T09:05:00+00:00)") from None
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    engine = open_engine()
    try:
        sent = send_due_digests(engine, now=now) + send_due_owner_digests(engine, now=now)
    finally:
        engine.dispose()
    print(f"{sent} digest(s) queued")
    return 0
