"""What the similar-loop index is built from and catches up on, and the neighbours it finds, read by id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from models.feedback import Feedback
from models.loop import Loop


class IndexedLoop(NamedTuple):
    """A loop as the index sees it: whether it belongs there, its version, and its feedback's words and facets."""

    loop_id: int
    version: int
    resolved: bool
    updated_at: datetime
    comment: str | None
    touchpoint: str | None
    product: str | None
    segment: str | None
    scale: str


_COLUMNS = (
    col(Loop.id),
    col(Loop.version),
    col(Loop.status),
    col(Loop.updated_at),
    col(Feedback.comment),
    col(Feedback.touchpoint),
    col(Feedback.product),
    col(Feedback.segment),
    col(Feedback.scale),
)


def _indexed(rows: Iterable[Sequence[Any]]) -> Iterator[IndexedLoop]:
    for loop_id, version, status, updated_at, *rest in rows:
        yield IndexedLoop(loop_id, version, status == "resolved", updated_at, *rest)


def resolved_loops_with_comments(*, session: Session, workspace_id: str) -> list[IndexedLoop]:
    """Every resolved loop of the workspace whose feedback has a comment, oldest first (the index's first build)."""
    query = (
        select_columns(*_COLUMNS)
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(
            col(Loop.workspace_id) == workspace_id, col(Loop.status) == "resolved", col(Feedback.comment).is_not(None)
        )
        .order_by(col(Loop.id))
    )
    return list(_indexed(session.execute(query)))


def loops_changed_since(*, session: Session, workspace_id: str, since: datetime) -> list[IndexedLoop]:
    """Loops of the workspace changed at or after ``since`` (resolved, reopened, …), by the indexed update time.

    Filtered in SQL on the update time alone, so the database reads the (updated_at) index and only the loops
    changed lately; an equality on the workspace there would tempt SQLite into scanning the workspace's whole
    (workspace, status) index instead. The workspace is checked on the rows read (one per install, in practice).
    """
    query = (
        select_columns(*_COLUMNS, col(Loop.workspace_id))
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(col(Loop.updated_at) >= since)
    )  # ordered here, not in SQL: ORDER BY id made SQLite walk the whole table in id order rather than sort a few
    rows = sorted(session.execute(query), key=lambda row: row[0])
    return list(_indexed(row[:-1] for row in rows if row[-1] == workspace_id))


def loops_with_feedback(*, session: Session, workspace_id: str, loop_ids: Iterable[int]) -> list[tuple[Loop, Feedback]]:
    """These loops of the workspace with their feedback, in one indexed query."""
    wanted = sorted(set(loop_ids))
    if not wanted:
        return []
    query = (
        select(Loop, Feedback)
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(col(Loop.workspace_id) == workspace_id, col(Loop.id).in_(wanted))
    )
    return [(loop, feedback) for loop, feedback in session.exec(query)]
