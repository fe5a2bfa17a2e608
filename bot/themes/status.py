"""A theme's status changes: compare-and-set, audited, noted in the theme card's thread, the card updated.

new → accepted → fix planned → shipped → verified; or declined (with a reason); or merged into another
theme. Of several simultaneous clicks exactly one wins; the others are told who was first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_update, enqueue_ephemeral_to, enqueue_theme_note, enqueue_theme_update
from bot.errors import BadRequest, NotAuthorized, NotFound
from bot.loops.changes import Actor
from bot.loops.lifecycle import ago
from bot.mrkdwn import escape, mention_user
from bot.themes.changes import STATUS_LABELS, Accept, Decline, Merge, PlanFix, Ship, ThemeChange, Verify
from bot.themes.shipping import announce_declined, announce_merged, announce_shipped
from models.admin import add_audit_entry
from models.db import transaction
from models.loop import get_loop
from models.team import get_team
from models.theme import (
    OPEN_THEME_STATUSES,
    Theme,
    compare_and_set_theme,
    get_theme,
    list_theme_links,
    move_theme_links,
)

DECLINE_REASON_LENGTH = 500


@dataclass(frozen=True)
class ThemeResult:
    changed: bool
    theme: Theme
    notice: str | None = None  # what the person who lost a race is told


def needs_lead(change: ThemeChange) -> bool:
    """Merging and verifying are for the owner team's leads and Loopkeeper admins."""
    return isinstance(change, (Merge, Verify))


def change_theme(
    engine: Engine, *, actor: Actor, theme_id: int, change: ThemeChange, is_admin: bool = False
) -> ThemeResult:
    """Apply ``change`` in one transaction; typed errors (nothing written) say why not."""
    with transaction(engine) as session:
        theme = get_theme(session=session, workspace_id=actor.workspace_id, theme_id=theme_id)
        if theme is None:
            raise NotFound(f"Theme #{theme_id} does not exist here.")
        if needs_lead(change):
            _check_lead(session, theme, actor, change, is_admin=is_admin)
        expected, values, note = _transition(session, actor, theme, change)
        values |= {"status_changed_by": actor.user_id, "status_changed_at": actor.now}
        won = compare_and_set_theme(
            session=session,
            workspace_id=actor.workspace_id,
            theme_id=theme.id,
            expected_statuses=expected,
            values=values,
        )
        session.refresh(theme)
        if not won:
            notice = why_not(theme, now=actor.now)
            enqueue_ephemeral_to(
                session,
                workspace_id=theme.workspace_id,
                channel_id=theme.channel_id,
                user_id=actor.user_id,
                text=notice,
            )
            return ThemeResult(False, theme, notice)
        _after(session, actor, theme, change)
        enqueue_theme_note(
            session, workspace_id=theme.workspace_id, theme_id=theme.id, channel_id=theme.channel_id, text=note
        )
        enqueue_theme_update(session, workspace_id=theme.workspace_id, theme_id=theme.id, channel_id=theme.channel_id)
        add_audit_entry(
            session=session,
            workspace_id=actor.workspace_id,
            actor=actor.user_id,
            via=actor.via,
            action=f"theme.{type(change).__name__.lower()}",
            target=f"theme #{theme.id}",
            before=None,
            after={k: str(v) for k, v in values.items()},
            at=actor.now,
        )
        return ThemeResult(True, theme)


def _check_lead(session: Session, theme: Theme, actor: Actor, change: ThemeChange, *, is_admin: bool) -> None:
    team = get_team(session=session, team_id=theme.owner_team_id)
    if is_admin or (team is not None and actor.user_id in team.leads):
        return
    verb = "merge" if isinstance(change, Merge) else "verify"
    leads = " ".join(mention_user(u) for u in team.leads) if team is not None and team.leads else "a Loopkeeper admin"
    owner = team.name if team is not None else "the owner team"
    raise NotAuthorized(f"only {owner}'s leads and Loopkeeper admins may {verb} its themes; ask {leads}")


def _transition(
    session: Session, actor: Actor, theme: Theme, change: ThemeChange
) -> tuple[tuple[str, ...], dict[str, Any], str]:
    """(statuses it may change from, the new values, the note for the theme's thread)."""
    who = mention_user(actor.user_id)
    match change:
        case Accept():
            return ("new",), {"status": "accepted"}, f":handshake: {who} accepted this theme"
        case PlanFix(due=due):
            when = f" for {due:%Y-%m-%d}" if due else ""
            return (
                OPEN_THEME_STATUSES,
                {"status": "fix_planned", "fix_due": due},
                f":calendar: {who} planned a fix{when}",
            )
        case Ship():
            return (
                ("accepted", "fix_planned"),
                {"status": "shipped", "shipped_at": actor.now},
                (f":rocket: {who} marked the fix shipped — every linked loop's owner is asked to tell their customer"),
            )
        case Decline(reason=reason):
            reason = reason.strip()
            if not reason:
                raise BadRequest("say why it will not be fixed; everyone who elevated it is told", field="reason")
            reason = reason[:DECLINE_REASON_LENGTH]
            return (
                OPEN_THEME_STATUSES,
                {"status": "declined", "decline_reason": reason},
                (f":no_entry: {who} declined this theme: {escape(reason)}"),
            )
        case Merge(into_theme_id=into_id):
            target = get_theme(session=session, workspace_id=actor.workspace_id, theme_id=into_id)
            if target is None or target.id == theme.id or target.status not in OPEN_THEME_STATUSES:
                raise BadRequest("choose another open theme of this workspace to merge into", field="merge_into")
            return (
                OPEN_THEME_STATUSES,
                {"status": "merged", "merged_into_id": target.id},
                (f":twisted_rightwards_arrows: {who} merged this into theme #{target.id} — *{escape(target.name)}*"),
            )
        case Verify():
            return (
                ("shipped",),
                {"status": "verified", "verified_at": actor.now},
                f":white_check_mark: {who} verified the fix",
            )
    raise BadRequest(f"unknown change {type(change).__name__}")


def _after(session: Session, actor: Actor, theme: Theme, change: ThemeChange) -> None:
    """What a won change sets off beyond the theme itself."""
    if isinstance(change, Ship):
        announce_shipped(session, actor=actor, theme=theme)
    elif isinstance(change, Decline):
        announce_declined(session, actor=actor, theme=theme)
    elif isinstance(change, Merge) and theme.merged_into_id is not None:
        target = session.get(Theme, theme.merged_into_id)
        links = list_theme_links(session=session, theme_id=theme.id)
        move_theme_links(session=session, from_theme_id=theme.id, to_theme_id=theme.merged_into_id)
        if target is not None:
            announce_merged(
                session,
                actor=actor,
                theme=theme,
                into=target,
                moved=len(links),
                elevators=sorted({link.elevated_by for link in links}),
            )
        for loop_id in (link.loop_id for link in links):
            loop = get_loop(session=session, workspace_id=theme.workspace_id, loop_id=loop_id)
            if loop is not None:
                enqueue_card_update(session, loop=loop)


def why_not(theme: Theme, *, now: Any) -> str:
    """Why a click changed nothing: the theme had moved on, by whom and when."""
    status = STATUS_LABELS.get(theme.status, theme.status).lower()
    if theme.status_changed_by and theme.status_changed_at:
        return (
            f"Theme #{theme.id} is already {status} ({mention_user(theme.status_changed_by)}, "
            f"{ago(theme.status_changed_at, now)}); nothing changed."
        )
    return f"Theme #{theme.id} is {status}; nothing changed."
