"""Loops and detractors written straight into the database, as intake and the Resolve form would have left them."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlmodel import Session

from models import Feedback, Loop
from models.team import get_team_by_name

_numbers = itertools.count(1)


def detractor(
    session: Session,
    *,
    workspace_id: str,
    team: str = "billing",
    received: datetime,
    comment: str | None = "Charged twice on my invoice",
    touchpoint: str | None = "billing",
    product: str | None = None,
    category: str = "detractor",
) -> tuple[Feedback, Loop]:
    """A detractor from its own customer, with the open loop it opened in ``team``'s channel."""
    number = next(_numbers)
    owner = get_team_by_name(session=session, workspace_id=workspace_id, name=team)
    assert owner is not None
    feedback = Feedback(
        workspace_id=workspace_id,
        source="delighted",
        external_id=f"seeded-{number}",
        score=2 if category == "detractor" else 1,
        scale="nps" if category == "detractor" else "csat",
        category=category,
        comment=comment,
        customer_id=f"cus_seeded_{number}",
        customer_name=f"Customer {number}",
        touchpoint=touchpoint,
        product=product,
        received_at=received,
    )
    session.add(feedback)
    session.flush()
    loop = Loop(
        workspace_id=workspace_id,
        feedback_id=feedback.id,
        team_id=owner.id,
        channel_id=owner.channel_id,
        created_at=received,
    )
    session.add(loop)
    session.flush()
    loop.card_ts = f"1700000000.{loop.id:06d}"
    feedback.loop_id = loop.id
    session.add(feedback)
    return feedback, loop


def resolved(
    session: Session,
    *,
    workspace_id: str,
    comment: str,
    received: datetime,
    outcome: str,
    contact: str | None,
    took: timedelta,
    root_cause: str | None = None,
    touchpoint: str | None = "billing",
    team: str = "billing",
) -> Loop:
    """A detractor's loop closed ``took`` after it opened, as the Resolve form records it."""
    _, loop = detractor(
        session, workspace_id=workspace_id, team=team, received=received, comment=comment, touchpoint=touchpoint
    )
    loop.status, loop.outcome, loop.contact_method, loop.root_cause = "resolved", outcome, contact, root_cause
    loop.resolved_at, loop.resolved_by = received + took, "U0DANA"
    session.add(loop)
    session.flush()
    return loop
