"""Personal digests: each owner gets a DM with just their open loops of the team, oldest first."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.digest.content import Period
from bot.loops.lists import shown_lines
from bot.loops.sla import breached
from bot.mrkdwn import truncate
from bot.slack.limits import SECTION_TEXT
from models.loop import list_open_loops
from models.team import Team

LOOPS_FETCHED = 200


def personal_digests_on(team: Team) -> bool:
    """The team's setting, or by default: on for weekly digests, off for daily and custom ones."""
    if team.personal_digests is not None:
        return team.personal_digests
    return team.digest_schedule.split()[0] == "weekly"


def personal_message(session: Session, *, team: Team, owner_id: str, period: Period, now: datetime) -> dict | None:
    """``text`` and ``blocks`` of one owner's DM, or None when they own nothing open in the team."""
    loops = list_open_loops(
        session=session, workspace_id=team.workspace_id, owner_id=owner_id, team_ids=[team.id], limit=LOOPS_FETCHED
    )
    if not loops:
        return None
    overdue = sum(1 for loop in loops if breached(loop, now))
    count = f"{len(loops)}{'+' if len(loops) == LOOPS_FETCHED else ''}"
    # Counts of now, not of the period: the period only says which digest this came with.
    head = f"*Your loops open now in {team.name}: {count}*" + (f" ({overdue} overdue)" if overdue else "")
    body = "\n".join([head, *shown_lines(session, loops, now, empty="")])
    sent_with = f"Oldest first · sent with {team.name}'s digest for {period.label} · `/loops mine` lists them any time."
    return {
        "text": f"Your loops open now in {team.name}: {count}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(body, SECTION_TEXT)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": sent_with}]},
        ],
    }
