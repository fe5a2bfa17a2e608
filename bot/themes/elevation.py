"""Elevating a loop to a theme: an existing open one, or a new one owned by the team that can fix the cause."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_update, enqueue_theme_card, enqueue_theme_note, enqueue_theme_update
from bot.delivery.outbox import enqueue_thread_reply as enqueue_loop_note
from bot.errors import BadRequest, LoopNotFound
from bot.loops.cards import customer_label, score_label
from bot.loops.changes import Actor
from bot.loops.events import record_event
from bot.loops.lifecycle import thread_log_on
from bot.mrkdwn import escape, link_channel, mention_user
from bot.themes.changes import IMPACT_LABELS, THEME_NAME_LENGTH, Elevate
from models.admin import add_audit_entry
from models.db import transaction
from models.feedback import get_feedback
from models.loop import Loop, get_loop
from models.team import Team, get_team_by_name
from models.theme import OPEN_THEME_STATUSES, Theme, ThemeLink, get_theme, get_theme_link


def elevate(engine: Engine, *, actor: Actor, loop_id: int, change: Elevate) -> Theme:
    """Link the loop to a theme in one transaction; typed errors (nothing written) name the form field at fault."""
    with transaction(engine) as session:
        loop = get_loop(session=session, workspace_id=actor.workspace_id, loop_id=loop_id)
        if loop is None:
            raise LoopNotFound(f"Loop #{loop_id} no longer exists; it may have been deleted.")
        if change.impact not in IMPACT_LABELS:
            raise BadRequest("choose how much this hurts the customer", field="impact")
        theme, created = _theme_for(session, actor, change)
        link = get_theme_link(session=session, loop_id=loop.id)
        if link is not None and link.theme_id == theme.id:
            raise BadRequest(f"Loop #{loop.id} is already elevated to theme #{theme.id}.", field="theme")
        link_loop(session, actor, loop, theme, impact=change.impact, note=change.note)
        if created:
            enqueue_theme_card(session, workspace_id=theme.workspace_id, theme_id=theme.id, channel_id=theme.channel_id)
        else:
            enqueue_theme_update(
                session, workspace_id=theme.workspace_id, theme_id=theme.id, channel_id=theme.channel_id
            )
        return theme


def link_loop(
    session: Session, actor: Actor, loop: Loop, theme: Theme, *, impact: str, note: str | None, theme_note: bool = True
) -> None:
    """Link ``loop`` to ``theme`` in the caller's transaction (moving it from the theme it fed, whose card is
    updated), with its event, card update, thread notes and audit entry. The theme's own card is the caller's;
    without ``theme_note`` so is the note in the theme's thread (one for many loops linked at once)."""
    link = get_theme_link(session=session, loop_id=loop.id)
    previous = link.theme_id if link is not None else None
    if link is None:
        link = ThemeLink(
            workspace_id=actor.workspace_id,
            theme_id=theme.id,
            loop_id=loop.id,
            impact=impact,
            elevated_by=actor.user_id,
            elevated_at=actor.now,
        )
    link.theme_id, link.impact, link.note = theme.id, impact, note
    link.elevated_by, link.elevated_at = actor.user_id, actor.now
    session.add(link)
    session.flush()
    _record(session, actor, loop, theme, link, previous=previous, theme_note=theme_note)
    if previous is not None and previous != theme.id:
        old = session.get(Theme, previous)
        if old is not None:
            enqueue_theme_update(session, workspace_id=old.workspace_id, theme_id=old.id, channel_id=old.channel_id)


def _theme_for(session: Session, actor: Actor, change: Elevate) -> tuple[Theme, bool]:
    """The chosen open theme, or a new one; (theme, whether it was created now)."""
    name = (change.new_name or "").strip()
    if change.theme_id is not None and name:
        raise BadRequest("choose an existing theme or name a new one, not both", field="new_theme")
    if change.theme_id is not None:
        theme = get_theme(session=session, workspace_id=actor.workspace_id, theme_id=change.theme_id)
        if theme is None:
            raise BadRequest("that theme does not exist here; choose another or name a new one", field="theme")
        if theme.status not in OPEN_THEME_STATUSES:
            raise BadRequest(
                f"theme #{theme.id} is {theme.status.replace('_', ' ')}; choose an open theme or name a new one",
                field="theme",
            )
        return theme, False
    if not name:
        raise BadRequest("choose a theme, or name a new one", field="new_theme")
    if len(name) > THEME_NAME_LENGTH:
        raise BadRequest(f"a theme's name is at most {THEME_NAME_LENGTH} characters", field="new_theme")
    team = get_team_by_name(session=session, workspace_id=actor.workspace_id, name=change.owner_team or "")
    if team is None:
        chosen = escape(change.owner_team or "")
        raise BadRequest(
            f"there is no team called {chosen} any more; choose the team that should fix it"
            if chosen
            else "choose the team that should fix it",
            field="owner_team",
        )
    return new_theme(session, actor, name=name, team=team), True


def new_theme(session: Session, actor: Actor, *, name: str, team: Team) -> Theme:
    """A new theme owned by ``team`` (its card goes to the team's channel), in the caller's transaction."""
    theme = Theme(
        workspace_id=actor.workspace_id,
        name=name[:THEME_NAME_LENGTH],
        owner_team_id=team.id,
        channel_id=team.channel_id,
        created_by=actor.user_id,
        created_at=actor.now,
    )
    session.add(theme)
    session.flush()
    return theme


def _record(
    session: Session,
    actor: Actor,
    loop: Loop,
    theme: Theme,
    link: ThemeLink,
    *,
    previous: int | None,
    theme_note: bool = True,
) -> None:
    """The loop's event and card, the theme's thread, and the audit trail say what happened."""
    record_event(
        session,
        loop=loop,
        kind="elevated",
        actor=actor.user_id,
        via=actor.via,
        at=actor.now,
        theme_id=theme.id,
        impact=link.impact,
        from_theme=previous,
    )
    enqueue_card_update(session, loop=loop)
    if thread_log_on(session, loop):
        enqueue_loop_note(
            session,
            loop=loop,
            text=f":arrow_up: {mention_user(actor.user_id)} elevated this to theme "
            f"#{theme.id} — *{escape(theme.name)}*, owned by {link_channel(theme.channel_id)}",
        )
    feedback = get_feedback(session=session, feedback_id=loop.feedback_id)
    note = (
        f":arrow_up: {mention_user(actor.user_id)} elevated loop #{loop.id} "
        f"({escape(customer_label(feedback))}, {score_label(feedback)}) — impact: {IMPACT_LABELS[link.impact]}"
    )
    if link.note:
        note += "\n> " + escape(link.note).replace("\n", "\n> ")
    if theme_note:
        enqueue_theme_note(
            session, workspace_id=theme.workspace_id, theme_id=theme.id, channel_id=theme.channel_id, text=note
        )
    add_audit_entry(
        session=session,
        workspace_id=actor.workspace_id,
        actor=actor.user_id,
        via=actor.via,
        action="theme.elevate",
        target=f"theme #{theme.id}",
        before=previous,
        after={"loop": loop.id, "theme": theme.id, "impact": link.impact},
        at=actor.now,
    )
