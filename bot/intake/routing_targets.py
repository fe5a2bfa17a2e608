"""Where feedback goes: the workspace's routes evaluated over its fields."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.routing import Rule, route
from models.db import memoized
from models.team import Team, list_routes, list_teams
from models.workspace import get_or_create_workspace


@dataclass(frozen=True)
class Destination:
    team_id: int | None
    channel_id: str | None


def destinations(
    session: Session, *, workspace_id: str, fields: dict[str, object], default_channel: str | None
) -> list[Destination]:
    """The routed teams, in order (one per team), else the default channel."""
    rules, teams = memoized(session, ("routes", workspace_id), lambda: _routing(session, workspace_id))
    chosen: dict[int, Destination] = {}
    for rule in route(rules, fields):
        team = teams[int(rule.team)]
        chosen.setdefault(team.id, Destination(team.id, team.channel_id))
    if chosen:
        return list(chosen.values())
    workspace = get_or_create_workspace(session=session, workspace_id=workspace_id)
    return [Destination(None, workspace.default_channel_id or default_channel)]


def _routing(session: Session, workspace_id: str) -> tuple[list[Rule], dict[int, Team]]:
    """The workspace's routes, parsed, and its teams by id."""
    rows = list_routes(session=session, workspace_id=workspace_id)
    teams = {team.id: team for team in list_teams(session=session, workspace_id=workspace_id)}
    return [Rule.parse(str(r.team_id), r.matchers, r.continue_matching) for r in rows], teams
