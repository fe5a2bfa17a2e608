"""LOOPKEEPER_RETENTION_DAYS: the personal data of loops resolved longer ago than that, anonymised daily.

The same erasure as a forget (``erase``), for the feedback whose every loop was resolved before the cutoff
(and feedback kept as history, in no loop, received before it). Billing's accounts stay: they are the
customer's live account, not what they told us. A batch a transaction, so a first run on a large database
never holds the writers back for long.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.loops.events import LOOPKEEPER
from bot.privacy.forget import RETENTION_ACTION, ForgetResult, erase
from bot.privacy.selection import selection_of_feedback
from models.admin import add_audit_entry
from models.db import new_session, transaction
from models.privacy import feedback_due_for_retention
from models.workspace import list_workspace_ids

log = logging.getLogger(__name__)
BATCH = 200


def apply_retention(engine: Engine, *, days: int, now: datetime, batch: int = BATCH) -> int:
    """Anonymise what is past ``days``; returns how many feedback rows were anonymised."""
    before = now - timedelta(days=days)
    with new_session(engine, read_only=True) as session:
        workspaces = list_workspace_ids(session=session)
    total = 0
    for workspace_id in workspaces:
        while True:
            with transaction(engine) as session:
                due = feedback_due_for_retention(session=session, workspace_id=workspace_id, before=before, limit=batch)
                if not due:
                    break
                result: ForgetResult = erase(
                    session,
                    workspace_id=workspace_id,
                    selection=selection_of_feedback(due),
                    actor=LOOPKEEPER,
                    via="scheduler",
                    now=now,
                )
                add_audit_entry(
                    session=session,
                    workspace_id=workspace_id,
                    actor=LOOPKEEPER,
                    via="scheduler",
                    action=RETENTION_ACTION,
                    target=f"older than {days} days",
                    after={k: v for k, v in result.audit_record().items() if k != "customers"},
                    at=now,
                )
            total += result.feedback
            if len(due) < batch:
                break
    if total:
        log.info("retention: anonymised %d feedback row(s) older than %d days", total, days)
    return total
