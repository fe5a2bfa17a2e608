"""The JSON an event carries (``loopkeeper.event/v1``): built in two halves.

The loop's half is a snapshot taken in the transaction of the change (its status, owner, outcome then), stored in
the outbox row. The customer's half (the feedback: score, comment, customer id, email, name) is read when the
event is sent, so no personal data waits in the outbox and a customer forgotten before sending is not sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.hooks.events import SCHEMA
from models.feedback import Feedback
from models.loop import Loop
from models.team import get_team
from models.theme import Theme


def envelope(*, event_type: str, workspace_id: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The versioned envelope every event shares; ``id`` is unique per event (receivers dedupe by it)."""
    return {
        "schema": SCHEMA,
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "occurred_at": iso(at),
        "workspace": {"id": workspace_id},
        "data": data,
    }


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def loop_snapshot(session: Session, *, loop: Loop) -> dict[str, Any]:
    """The loop as it is now, in the change's transaction (its card link is added when sent)."""
    team = get_team(session=session, team_id=loop.team_id)
    return {
        "id": loop.id,
        "status": loop.status,
        "team": team.name if team else None,
        "channel": loop.channel_id or None,
        "owner": loop.owner_id,
        "acknowledged_by": loop.acknowledged_by,
        "acknowledged_at": iso(loop.acknowledged_at),
        "resolved_by": loop.resolved_by,
        "resolved_at": iso(loop.resolved_at),
        "outcome": loop.outcome,
        "contact_method": loop.contact_method,
        "root_cause": loop.root_cause,
        "ack_due_at": iso(loop.ack_due_at),
        "resolve_due_at": iso(loop.resolve_due_at),
        "created_at": iso(loop.created_at),
    }


def change_of(session: Session, *, kind: str, loop: Loop, details: dict[str, Any]) -> dict[str, Any]:
    """What this event changed, beyond the loop's new state: a move's from and to, an elevation's theme."""
    if kind == "resolved":
        return {"outcome": loop.outcome, "root_cause": loop.root_cause, "note": loop.resolution_note}
    if kind == "moved":
        return {
            "from": {"team": _team_name(session, details.get("from_team")), "channel": details.get("from_channel")},
            "to": {"team": _team_name(session, details.get("to_team")), "channel": details.get("to_channel")},
        }
    if kind == "elevated":
        theme = session.get(Theme, details.get("theme_id")) if details.get("theme_id") else None
        return {
            "theme": {"id": theme.id, "name": theme.name} if theme else None,
            "impact": details.get("impact"),
            "from_theme": details.get("from_theme"),
        }
    if kind == "opened":
        return {"source": details.get("source")}
    return {}


def _team_name(session: Session, team_id: object) -> str | None:
    team = get_team(session=session, team_id=team_id) if isinstance(team_id, int) else None
    return team.name if team else None


def feedback_data(feedback: Feedback) -> dict[str, Any]:
    """The feedback and its customer, as stored when the event is sent (the team's own CRM matches on these)."""
    return {
        "id": feedback.id,
        "source": feedback.source,
        "external_id": feedback.external_id,
        "score": feedback.score,
        "scale": feedback.scale,
        "category": feedback.category,
        "comment": feedback.comment,
        "touchpoint": feedback.touchpoint,
        "product": feedback.product,
        "url": feedback.url,
        "submitted_at": iso(feedback.submitted_at),
        "customer": {
            "id": feedback.customer_id,
            "email": feedback.customer_email,
            "name": feedback.customer_name,
            "account": feedback.account,
            "segment": feedback.segment,
            "arr": float(feedback.arr) if feedback.arr is not None else None,
        },
    }


def card_url(loop: Loop) -> str | None:
    """The loop's card as a permalink (Slack redirects /archives links into the workspace); None until posted."""
    if not (loop.channel_id and loop.card_ts):
        return None
    return f"https://slack.com/archives/{loop.channel_id}/p{loop.card_ts.replace('.', '')}"
