"""What the delivery worker renders when it sends: cards, cards left behind, Home tabs.

The composition root hands ``RENDERERS`` to the worker, so delivery never imports this
package; each renderer reads the state of the moment of sending.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.delivery.outbox import CARD, CARD_UPDATE, HOME, MOVED_CARD
from bot.loops.cards import render_card
from bot.loops.home import render_home
from models.feedback import count_feedback_in_loop, get_feedback
from models.loop import Loop
from models.outbox import OutboxItem


def card_message(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """A card's post or update as the loop stands now; None when there is no card to show or change."""
    loop = session.get(Loop, item.loop_id) if item.loop_id is not None else None
    if loop is None:
        return None
    feedback = get_feedback(session=session, feedback_id=loop.feedback_id)
    if item.kind == MOVED_CARD:
        return render_card(loop, feedback, moved_to=item.payload.get("moved_to"))
    attached = max(0, count_feedback_in_loop(session=session, loop_id=loop.id) - 1)
    message = render_card(loop, feedback, attached=attached, now=now)
    if item.kind == CARD:
        return message
    if not loop.card_ts:
        return None  # its post was cancelled (the loop moved before it went out); the new post shows it
    return {"channel": loop.channel_id, "ts": loop.card_ts, **message}


def home_tab(session: Session, item: OutboxItem, now: datetime) -> dict:
    """A person's App Home tab as it is now."""
    return {"view": render_home(session, workspace_id=item.workspace_id, user_id=item.payload["user_id"], now=now)}


RENDERERS = {CARD: card_message, CARD_UPDATE: card_message, MOVED_CARD: card_message, HOME: home_tab}
