"""Each account owner's weekly "accounts at risk" message: Mondays 09:00 UTC, once a week per owner.

The same check as team digests: only the latest scheduled time counts (after downtime a missed week is sent
once), and the (workspace, owner, week) row in ``owner_digest_run`` makes it go out once however many
processes check. Someone who owns no account at risk that week gets nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.outbox import enqueue_message
from bot.digest.schedule import last_two_occurrences
from bot.loops.my_accounts import accounts_at_risk, risk_lines
from bot.mrkdwn import truncate
from bot.slack.limits import SECTION_TEXT
from models.account import account_owner_ids
from models.db import new_session, transaction
from models.people import OwnerDigestRun, owner_digest_was_queued
from models.workspace import list_workspace_ids

OWNER_SCHEDULE = "weekly mon 09:00"
OWNER_DIGEST = "owner_digest"


def send_due_owner_digests(engine: Engine, *, now: datetime) -> int:
    """Queue this week's message for every account owner who has not had it; returns how many were queued."""
    occurrences = last_two_occurrences(OWNER_SCHEDULE, "UTC", now)
    if occurrences is None:
        return 0
    week = occurrences[1].date()
    with new_session(engine, read_only=True) as reader:
        owners = [
            (workspace_id, owner)
            for workspace_id in list_workspace_ids(session=reader)
            for owner in account_owner_ids(session=reader, workspace_id=workspace_id)
            if not owner_digest_was_queued(session=reader, workspace_id=workspace_id, user_id=owner, week_start=week)
        ]
    sent = 0
    for workspace_id, owner in owners:
        with transaction(engine) as session:
            sent += _send(session, workspace_id=workspace_id, owner=owner, week=week, now=now)
    return sent


def _send(session: Session, *, workspace_id: str, owner: str, week: date, now: datetime) -> int:
    try:
        with session.begin_nested():
            session.add(OwnerDigestRun(workspace_id=workspace_id, user_id=owner, week_start=week))
    except IntegrityError:
        return 0  # another process took this week
    risks = accounts_at_risk(session, workspace_id=workspace_id, user_id=owner)
    if not risks:
        return 0
    title = f"*Your accounts at risk this week* ({len(risks)}, most ARR first)"
    text = truncate("\n".join([title, *risk_lines(risks, now)]), SECTION_TEXT)
    enqueue_message(
        session,
        workspace_id=workspace_id,
        channel_id=owner,
        ordering_key=f"{OWNER_DIGEST}:{owner}",
        kind=OWNER_DIGEST,
        message={"text": text},
    )
    return 1
