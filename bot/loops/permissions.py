"""Who may do what to a loop: the one rule that restricts moving and reopening to a team's leads."""

from __future__ import annotations

from bot.errors import NotAuthorized
from bot.mrkdwn import mention_user
from models.team import Team


def check_lead_rule(team: Team | None, *, user_id: str, verb: str) -> None:
    """Refuse ``verb`` (move, reopen) when ``team`` lets only its leads do it and ``user_id`` is not one."""
    if team is None or not team.leads_only_moves or user_id in team.leads:
        return
    leads = " ".join(mention_user(u) for u in team.leads) or "the team's leads (none are set)"
    raise NotAuthorized(f"only {team.name}'s leads may {verb} its loops; ask {leads}")
