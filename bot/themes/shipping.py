"""Telling everyone what became of a theme: each linked loop's card and owner when the fix ships, the people
who elevated it whatever happens, and recording that a customer was told."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.outbox import (
    enqueue_card_update,
    enqueue_message,
    enqueue_theme_note,
    enqueue_theme_update,
    enqueue_thread_reply,
)
from bot.errors import BadRequest, LoopNotFound
from bot.loops.cards import customer_label, score_label
from bot.loops.changes import Actor
from bot.loops.events import record_event
from bot.loops.lists import card_link
from bot.mrkdwn import escape, mention_user, truncate
from bot.slack.limits import SECTION_TEXT
from models.db import transaction
from models.feedback import Feedback
from models.loop import Loop, get_loop
from models.team import get_team
from models.theme import Theme, get_theme_link, mark_customer_told, theme_loop_rows


def announce_shipped(session: Session, *, actor: Actor, theme: Theme) -> None:
    """Each linked loop's card gets a note and a Customer told button; each owner one DM listing their customers."""
    rows = theme_loop_rows(session=session, theme_ids=[theme.id])
    to_tell: dict[str, list[tuple[Loop, Feedback]]] = defaultdict(list)
    for _, loop, feedback in rows:
        if loop.card_ts:
            enqueue_thread_reply(
                session,
                loop=loop,
                text=f":white_check_mark: The fix for *{escape(theme.name)}* "
                "shipped — tell the customer, then press *Customer told* on the card.",
            )
        enqueue_card_update(session, loop=loop)
        for person in _people_of(session, loop):
            to_tell[person].append((loop, feedback))
    name = f"*{escape(theme.name)}* (theme #{theme.id})"
    for person, loops in sorted(to_tell.items()):
        lines = [
            f"• {escape(customer_label(f))} ({score_label(f)}) — loop #{loop.id} · {card_link(loop)}"
            for loop, f in loops
        ]
        whom = "this customer" if len(loops) == 1 else "these customers"
        text = (
            f":white_check_mark: The fix for {name} shipped. Please tell {whom}, then press *Customer told* "
            "on the card:\n" + "\n".join(lines)
        )
        _direct(session, theme, person, truncate(text, SECTION_TEXT))
    elevators = {link.elevated_by for link, _, _ in rows} - set(to_tell)
    for person in sorted(elevators):
        _direct(session, theme, person, f":white_check_mark: The fix for {name}, which you elevated, shipped.")


def announce_declined(session: Session, *, actor: Actor, theme: Theme) -> None:
    """Everyone who elevated to the theme hears it was declined, by whom and why."""
    text = (
        f":no_entry: {mention_user(actor.user_id)} declined *{escape(theme.name)}* (theme #{theme.id}), which you "
        f"elevated: {escape(theme.decline_reason or '')}"
    )
    for person in _elevators(session, theme):
        _direct(session, theme, person, text)


def announce_merged(
    session: Session, *, actor: Actor, theme: Theme, into: Theme, moved: int, elevators: list[str]
) -> None:
    """The theme it merged into notes its new loops and is redrawn; those who elevated are told where it went."""
    enqueue_theme_update(session, workspace_id=into.workspace_id, theme_id=into.id, channel_id=into.channel_id)
    enqueue_theme_note(
        session,
        workspace_id=into.workspace_id,
        theme_id=into.id,
        channel_id=into.channel_id,
        text=f":twisted_rightwards_arrows: {mention_user(actor.user_id)} merged theme #{theme.id} — "
        f"*{escape(theme.name)}* into this one ({moved} loop(s) moved here)",
    )
    text = (
        f":twisted_rightwards_arrows: *{escape(theme.name)}* (theme #{theme.id}), which you elevated, was merged "
        f"into *{escape(into.name)}* (theme #{into.id})."
    )
    for person in elevators:
        _direct(session, theme, person, text)


def mark_told(engine: Engine, *, actor: Actor, loop_id: int) -> bool:
    """Record that the loop's customer heard about the shipped fix; False when someone had recorded it already."""
    with transaction(engine) as session:
        loop = get_loop(session=session, workspace_id=actor.workspace_id, loop_id=loop_id)
        if loop is None:
            raise LoopNotFound(f"Loop #{loop_id} no longer exists; it may have been deleted.")
        link = get_theme_link(session=session, loop_id=loop.id)
        theme = session.get(Theme, link.theme_id) if link is not None else None
        if link is None or theme is None or theme.status not in ("shipped", "verified"):
            raise BadRequest(f"Loop #{loop.id} has no shipped fix to tell the customer about yet.")
        if not mark_customer_told(session=session, loop_id=loop.id, by=actor.user_id, at=actor.now):
            return False
        record_event(
            session,
            loop=loop,
            kind="customer_told",
            actor=actor.user_id,
            via=actor.via,
            at=actor.now,
            theme_id=theme.id,
        )
        enqueue_card_update(session, loop=loop)
        enqueue_thread_reply(
            session,
            loop=loop,
            text=f":speech_balloon: {mention_user(actor.user_id)} told the "
            f"customer about the fix for *{escape(theme.name)}*.",
        )
        enqueue_theme_update(session, workspace_id=theme.workspace_id, theme_id=theme.id, channel_id=theme.channel_id)
        return True


def _people_of(session: Session, loop: Loop) -> list[str]:
    """Who tells a loop's customer: its owner, else its team's leads."""
    if loop.owner_id:
        return [loop.owner_id]
    team = get_team(session=session, team_id=loop.team_id)
    return list(team.leads) if team is not None else []


def _elevators(session: Session, theme: Theme) -> list[str]:
    return sorted({link.elevated_by for link, _, _ in theme_loop_rows(session=session, theme_ids=[theme.id])})


def _direct(session: Session, theme: Theme, person: str, text: str) -> None:
    """A DM (the app's direct message with ``person``), queued with the change."""
    enqueue_message(
        session,
        workspace_id=theme.workspace_id,
        channel_id=person,
        ordering_key=f"dm:{person}",
        kind="theme_notice",
        message={"text": text},
    )
