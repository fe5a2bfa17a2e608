"""What the delivery worker renders for theme cards when it sends them, and where their posts landed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.delivery.outbox import THEME_CARD, THEME_NOTE, THEME_UPDATE
from bot.themes.card import render_theme_card
from bot.themes.figures import theme_figures, verification
from models.outbox import OutboxItem
from models.theme import Theme


def _theme(session: Session, item: OutboxItem) -> Theme | None:
    theme_id = item.payload.get("_theme_id")
    return session.get(Theme, theme_id) if isinstance(theme_id, int) else None


def theme_message(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """A theme card's post or update as the theme stands now; None when there is no card to show or change."""
    theme = _theme(session, item)
    if theme is None:
        return None
    figures = theme_figures(session, theme=theme, now=now)
    merged_into = session.get(Theme, theme.merged_into_id) if theme.merged_into_id else None
    message = render_theme_card(
        theme,
        figures,
        verification=verification(session, theme=theme, figures=figures, now=now),
        merged_into=merged_into,
    )
    if item.kind == THEME_CARD:
        return message
    if not theme.card_ts:
        return None  # the post has not gone out; it will show this state
    return {"channel": theme.channel_id, "ts": theme.card_ts, **message}


def theme_note(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """A note in the theme card's thread: the card's ts, known once the card is posted."""
    theme = _theme(session, item)
    if theme is None or not theme.card_ts:
        return None
    return {"channel": theme.channel_id, "thread_ts": theme.card_ts}


def record_theme_card(session: Session, item: OutboxItem, ts: str) -> None:
    """A theme card's first post landed: later updates and notes go there."""
    theme = _theme(session, item)
    if theme is not None:
        theme.card_ts = ts
        session.add(theme)


RENDERERS = {THEME_CARD: theme_message, THEME_UPDATE: theme_message, THEME_NOTE: theme_note}
ON_POSTED = {THEME_CARD: record_theme_card}
