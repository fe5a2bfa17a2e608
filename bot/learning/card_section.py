"""The card's "similar loops" section: added when the card is rendered for sending, from whatever the index has.

The loops package renders the card and knows nothing of the index; the composition root wraps its renderers
with ``with_similar_loops``. A card rendered before the index is built, or while it fails, simply has no section.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.ids import CardBlock
from bot.learning.history import PastLoop, SimilarHistory, similar_history
from bot.learning.similar_loops import IndexNotReady, SimilarLoops
from bot.loops.lists import card_url
from bot.loops.outcomes import CONTACT_METHODS, OUTCOMES
from bot.mrkdwn import escape, truncate
from bot.slack.limits import SECTION_TEXT
from models.feedback import get_feedback
from models.loop import Loop
from models.outbox import OutboxItem

log = logging.getLogger(__name__)
Renderer = Callable[[Session, OutboxItem, datetime], "dict | None"]


def past_loop_line(past: PastLoop, *, with_score: bool = False) -> str:
    """``Loop #12 · Customer saved / retained · call · closed in 3h · Billing error``, linked to its card."""
    name = f"Loop #{past.loop_id}"
    parts = [f"<{card_url(past.channel_id, past.card_ts)}|{name}>" if past.card_ts else name]
    if with_score:
        parts.append(f"score {past.score:.2f}")
    parts.append(escape(OUTCOMES.get(past.outcome or "", past.outcome or "no outcome recorded")))
    if past.contact_method:
        parts.append(escape(CONTACT_METHODS.get(past.contact_method, past.contact_method)).lower())
    parts.append(f"closed in {closed_in(past.time_to_close)}")
    if past.root_cause:
        parts.append(escape(past.root_cause))
    if past.recovered:
        parts.append(":chart_with_upwards_trend: recovered")
    return " · ".join(parts)


def closed_in(delta: timedelta) -> str:
    """How long a loop took, as people say it: 25 min, 3 h, 4 days."""
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} h"
    return f"{round(minutes / 1440)} days"


def similar_section(history: SimilarHistory, *, channel_id: str | None) -> dict:
    """The section block: headline, one line per loop shown, and what worked (when the history is clear)."""
    lines = [f":mag: *{history.headline}*"]
    lines += [f"• {past_loop_line(past)}" for past in history.shown]
    worked = history.what_worked(channel_id=channel_id)
    if worked:
        lines.append(f":bulb: _{worked}_")
    text = truncate("\n".join(lines), SECTION_TEXT)
    return {"type": "section", "block_id": CardBlock.SIMILAR, "text": {"type": "mrkdwn", "text": text}}


def with_similar_loops(render: Renderer, similar: SimilarLoops) -> Renderer:
    """``render``, with the similar-loops section on the cards of open loops (above their buttons)."""

    def rendered(session: Session, item: OutboxItem, now: datetime) -> dict | None:
        message = render(session, item, now)
        loop = session.get(Loop, item.loop_id) if message is not None and item.loop_id is not None else None
        if message is None or loop is None or loop.status == "resolved":
            return message
        try:
            history = similar_history(
                session, similar, loop=loop, feedback=get_feedback(session=session, feedback_id=loop.feedback_id)
            )
        except IndexNotReady:
            return message
        except (ValueError, MemoryError) as exc:  # the index refused the text: the card goes out without it
            log.warning("similar loops left off loop %s's card (%s)", loop.id, type(exc).__name__)
            return message
        if history is None:
            return message
        blocks = list(message.get("blocks", []))
        at = next((i for i, block in enumerate(blocks) if block.get("type") == "actions"), len(blocks))
        blocks.insert(at, similar_section(history, channel_id=loop.channel_id))
        return {**message, "blocks": blocks}

    return rendered
