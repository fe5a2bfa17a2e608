"""What the delivery worker renders when it sends: cards, cards left behind, Home tabs.

The composition root hands ``RENDERERS`` to the worker, so delivery never imports this
package; each renderer reads the state of the moment of sending.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.delivery.outbox import CARD, CARD_UPDATE, HOME, MOVED_CARD
from bot.loops.cards import Billing, Elevation, render_card
from bot.loops.home import render_home
from bot.loops.recovery import RESOLVED, recovery_of
from models.account import accounts_for_feedback
from models.feedback import Feedback, count_feedback_in_loop, get_feedback
from models.loop import Loop
from models.outbox import OutboxItem
from models.people import list_collaborators
from models.team import get_team
from models.theme import Theme, get_theme_link


def card_message(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """A card's post or update as the loop stands now; None when there is no card to show or change."""
    loop = session.get(Loop, item.loop_id) if item.loop_id is not None else None
    if loop is None:
        return None
    feedback = get_feedback(session=session, feedback_id=loop.feedback_id)
    masked = masks_emails(session, loop)
    if item.kind == MOVED_CARD:
        moved_to = item.payload.get("_moved_to") or item.payload.get("moved_to")
        return render_card(loop, feedback, moved_to=moved_to, mask_emails=masked)
    attached = max(0, count_feedback_in_loop(session=session, loop_id=loop.id) - 1)
    message = render_card(
        loop,
        feedback,
        attached=attached,
        now=now,
        elevation=elevation_of(session, loop),
        billing=billing_of(session, feedback),
        collaborators=tuple(list_collaborators(session=session, loop_id=loop.id)),
        recovery=recovery_of(session, loop, feedback) if loop.status == RESOLVED else None,
        mask_emails=masked,
    )
    if item.kind == CARD:
        return message
    if not loop.card_ts:
        return None  # its post was cancelled (the loop moved before it went out); the new post shows it
    return {"channel": loop.channel_id, "ts": loop.card_ts, **message}


def masks_emails(session: Session, loop: Loop) -> bool:
    """Whether the loop's team shows customers' emails masked (``d•••@acme.io``)."""
    team = get_team(session=session, team_id=loop.team_id)
    return team is not None and team.mask_emails


def elevation_of(session: Session, loop: Loop) -> Elevation | None:
    """The theme the loop was elevated to, as its card shows it (None when it was not)."""
    link = get_theme_link(session=session, loop_id=loop.id)
    theme = session.get(Theme, link.theme_id) if link is not None else None
    if link is None or theme is None:
        return None
    return Elevation(
        theme_id=theme.id,
        theme_name=theme.name,
        owner_channel=theme.channel_id,
        status=theme.status,
        shipped_at=theme.shipped_at,
        told_by=link.customer_told_by,
        told_at=link.customer_told_at,
    )


def billing_of(session: Session, feedback: Feedback) -> Billing | None:
    """What billing says of the feedback's account (None when billing has not named it)."""
    found = accounts_for_feedback(session=session, workspace_id=feedback.workspace_id, feedback=[feedback])
    account = found.get(feedback.id)
    if account is None:
        return None
    return Billing(
        status=account.status,
        arr=account.arr,
        currency=account.currency,
        renews_at=account.renews_at,
        cancel_at=account.cancel_at,
        churned_at=account.churned_at,
        owner_id=account.owner_id,
        owner_name=account.owner_name,
    )


def home_tab(session: Session, item: OutboxItem, now: datetime) -> dict:
    """A person's App Home tab as it is now."""
    return {"view": render_home(session, workspace_id=item.workspace_id, user_id=item.payload["user_id"], now=now)}


def record_card(session: Session, item: OutboxItem, ts: str) -> None:
    """A card's first post landed: its ts is where every later update and thread note goes."""
    loop = session.get(Loop, item.loop_id) if item.loop_id is not None else None
    if loop is not None:
        loop.card_ts = ts
        session.add(loop)


RENDERERS = {CARD: card_message, CARD_UPDATE: card_message, MOVED_CARD: card_message, HOME: home_tab}
ON_POSTED = {CARD: record_card}
