"""Writing the audit trail, always in the same transaction as the change it describes."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from models.admin import AuditEntry
from models.workspace import get_or_create_workspace


def record_change(session: Session, *, workspace_id: str, actor: str, via: str, action: str, target: str,
                  before: Any = None, after: Any = None, at=None) -> None:
    """Add an audit entry to the session's open transaction (committed with the change)."""
    get_or_create_workspace(session=session, workspace_id=workspace_id)
    entry = AuditEntry(workspace_id=workspace_id, actor=actor, via=via, action=action, target=target[:200],
                       before=before, after=after)
    if at is not None:
        entry.at = at
    session.add(entry)
