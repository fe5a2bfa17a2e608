"""`loopkeeper themes`: the themes by ARR affected, or one theme in full, as plain text."""

from __future__ import annotations

import sys

from bot.cli.config import open_engine, pick_workspace
from bot.demo.render import plain
from bot.errors import ConfigError
from bot.themes.changes import STATUS_LABELS
from bot.themes.lists import theme_text, themes_text
from models.base import utcnow
from models.db import new_session
from models.team import get_team_by_name


def themes_command(*, team: str | None, status: str | None, show: int | None, workspace: str | None) -> int:
    engine = open_engine()
    try:
        with new_session(engine, read_only=True) as session:
            workspace_id = pick_workspace(session, workspace)
            now = utcnow()
            if show is not None:
                text = theme_text(session, workspace_id=workspace_id, theme_id=show, now=now)
                if text is None:
                    raise ConfigError(f"there is no theme #{show}")
            else:
                owner = get_team_by_name(session=session, workspace_id=workspace_id, name=team) if team else None
                if team and owner is None:
                    raise ConfigError(f"no team called {team!r}")
                text = themes_text(session, workspace_id=workspace_id, now=now, owner=owner, statuses=_statuses(status))
            sys.stdout.write(plain(text) + "\n")
    finally:
        engine.dispose()
    return 0


def _statuses(word: str | None) -> tuple[str, ...] | None:
    if word is None:
        return None
    if word == "open":
        return ("new", "accepted", "fix_planned")
    key = word.replace("-", "_")
    if key not in STATUS_LABELS:
        raise ConfigError(f"--status {word!r}: choose open or one of {', '.join(STATUS_LABELS)}")
    return (key,)
