"""Redrawing a team's cards when how they look changes (e.g. its emails masked)."""

from __future__ import annotations

from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_update
from models.loop import list_open_loops

REDRAWN_AT_MOST = 500


def redraw_open_cards(session: Session, *, workspace_id: str, team_id: int) -> int:
    """Queue an update of each posted card of the team's open loops (oldest first, at most 500); how many."""
    loops = list_open_loops(session=session, workspace_id=workspace_id, team_ids=[team_id], limit=REDRAWN_AT_MOST)
    return sum(1 for loop in loops if loop.card_ts and enqueue_card_update(session, loop=loop) is not None)
