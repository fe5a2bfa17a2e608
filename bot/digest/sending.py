"""Sending a team's digest exactly once per period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.outbox import enqueue_message
from bot.digest.content import Period, build_digest
from bot.digest.impact import impact_report, queue_impact_chart, with_impact
from bot.digest.personal import personal_digests_on, personal_message
from bot.digest.render import render_blocks
from models.db import engine_of, new_session
from models.digest_run import DigestRun, digest_was_sent
from models.team import Team


def send_digest(
    session: Session, *, team: Team, period: Period, now: datetime, sent_by: str, late: bool = False
) -> bool:
    """Queue ``team``'s digest for ``period`` in the caller's transaction unless it was sent already.

    The digest is built in a read-only session first, so building never holds the write lock;
    then the (team, period) row, the team's message and the owners' personal DMs are written in
    one short transaction, whose unique key makes a second sender — a restart, another replica,
    a person running `/loops digest send` — a no-op.
    """
    with new_session(engine_of(session), read_only=True) as reader:
        if digest_was_sent(session=reader, team_id=team.id, period_start=period.start):
            return False  # the common case for a second sender: no need to build it
        digest = build_digest(reader, workspace_id=team.workspace_id, team=team, period=period, now=now)
        digest.late = late
        personal = []
        if personal_digests_on(team):
            for owner_id, _, _ in digest.owners:
                message = personal_message(reader, team=team, owner_id=owner_id, period=period, now=now)
                if message is not None:
                    personal.append((owner_id, message))
        message = render_blocks(digest)
        impact = impact_report(reader, workspace_id=team.workspace_id, team=team, period=period, now=now)
        if impact is not None:
            message = with_impact(message, impact)
    try:
        with session.begin_nested():
            session.add(
                DigestRun(
                    workspace_id=team.workspace_id,
                    team_id=team.id,
                    period_start=period.start,
                    period_end=period.end,
                    late=late,
                    sent_by=sent_by,
                    created_at=now,
                )
            )
            session.flush()
    except IntegrityError:
        return False
    posted = enqueue_message(
        session,
        workspace_id=team.workspace_id,
        channel_id=team.channel_id,
        ordering_key=f"digest:{team.id}",
        kind="digest",
        message=message,
    )
    if impact is not None:
        queue_impact_chart(session, team=team, digest=posted, report=impact)
    for owner_id, dm in personal:  # a user id as the channel posts to the app's DM with them
        enqueue_message(
            session,
            workspace_id=team.workspace_id,
            channel_id=owner_id,
            ordering_key=f"digest:{team.id}:{owner_id}",
            kind="personal_digest",
            message=dm,
        )
    return True
