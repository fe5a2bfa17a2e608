"""Sending a team's digest exactly once per period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.digest.content import Period, build_digest
from bot.digest.personal import personal_digests_on, personal_message
from bot.digest.render import render_blocks
from bot.outbox import enqueue_message
from models.digest_run import DigestRun
from models.team import Team


def send_digest(session: Session, *, team: Team, period: Period, now: datetime, sent_by: str,
                late: bool = False) -> bool:
    """Queue ``team``'s digest for ``period`` unless it was sent already; True when queued now.

    The (team, period) row, the team's message and the owners' personal DMs are written in one transaction;
    the row's unique key makes a second sender — a restart, another replica, a
    person running `/loops digest send` — a no-op.
    """
    try:
        with session.begin_nested():
            session.add(DigestRun(workspace_id=team.workspace_id, team_id=team.id, period_start=period.start,
                                  period_end=period.end, late=late, sent_by=sent_by, created_at=now))
            session.flush()
    except IntegrityError:
        session.rollback()
        return False
    digest = build_digest(session, workspace_id=team.workspace_id, team=team, period=period, now=now)
    digest.late = late
    enqueue_message(session, workspace_id=team.workspace_id, channel_id=team.channel_id,
                    ordering_key=f"digest:{team.id}", kind="digest", message=render_blocks(digest))
    if personal_digests_on(team):
        for owner_id, _, _ in digest.owners:
            message = personal_message(session, team=team, owner_id=owner_id, period=period, now=now)
            if message is not None:  # a user id as the channel posts to the app's DM with them
                enqueue_message(session, workspace_id=team.workspace_id, channel_id=owner_id,
                                ordering_key=f"digest:{team.id}:{owner_id}", kind="personal_digest", message=message)
    session.commit()
    return True
