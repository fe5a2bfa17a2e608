"""This process's index of the workspace's resolved loops, kept current off the request path.

Each replica holds its own (the index is in memory): it is built once at start, then catches up on the loops
changed since it last looked (by ``loop.updated_at``, indexed), every few seconds and whenever this process
changed one. Readers never wait for a refresh: they query whatever snapshot the index has.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.insight.documents import Document, Neighbour
from models.base import utcnow
from models.db import new_session
from models.feedback import Feedback
from models.learning_queries import IndexedLoop, loops_changed_since, resolved_loops_with_comments

if TYPE_CHECKING:
    from bot.insight.similarity import SimilarityIndex

log = logging.getLogger(__name__)
# A transaction stamps updated_at when it writes and is seen when it commits, a little later: each catch-up
# looks back this far, and versions already indexed are skipped, so a slow commit is never missed.
LOOKBACK = timedelta(minutes=2)


class IndexNotReady(Exception):
    """The index has not been built yet (or failed to); whoever asked shows nothing rather than wait."""


class SimilarLoops:
    """The workspace's resolved loops, searchable by what their customers said; one refresher, many readers."""

    def __init__(self, engine: Engine, *, workspace_id: str):
        self.engine = engine
        self.workspace_id = workspace_id
        self._index: SimilarityIndex | None = None  # None while built from nothing: no library loaded yet
        self._built = False
        self._versions: dict[int, int] = {}  # loop id → the version indexed (resolved loops with a comment)
        self._watermark: datetime | None = None
        self._refreshing = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._built

    def __len__(self) -> int:
        return len(self._index) if self._index is not None else 0

    def __contains__(self, loop_id: object) -> bool:
        """Whether the index already finds this loop (resolved, with a comment)."""
        return self._index is not None and loop_id in self._index

    def refresh(self) -> int:
        """Build the index, or bring it up to date with the loops changed since the last refresh; returns how
        many loops were added, replaced or removed. Safe to call from any thread (one refresh runs at a time)."""
        with self._refreshing:
            started = utcnow()
            if not self._built:
                return self._build(started)
            return self._catch_up(started)

    def neighbours(
        self, feedback: Feedback, *, k: int, min_score: float, exclude: tuple[int, ...] = ()
    ) -> list[Neighbour]:
        """Up to ``k`` resolved loops whose customers said something like ``feedback``, best first."""
        if not self._built:
            raise IndexNotReady("the similar-loop index is still being built")
        index = self._index
        if index is None or not feedback.comment:
            return []
        return index.query(
            feedback.comment,
            touchpoint=feedback.touchpoint,
            product=feedback.product,
            segment=feedback.segment,
            scale=feedback.scale,
            k=k,
            min_score=min_score,
            exclude=exclude,
        )

    def _build(self, started: datetime) -> int:
        with new_session(self.engine, read_only=True) as session:
            rows = resolved_loops_with_comments(session=session, workspace_id=self.workspace_id)
        indexed = [row for row in rows if _indexable(row)]
        self._index = _new_index(indexed) if indexed else None
        self._built = True
        self._versions = {row.loop_id: row.version for row in indexed}
        self._watermark = started
        log.info("similar-loop index built: %d resolved loops", len(indexed))
        return len(indexed)

    def _catch_up(self, started: datetime) -> int:
        assert self._built and self._watermark is not None
        with new_session(self.engine, read_only=True) as session:
            rows = loops_changed_since(
                session=session, workspace_id=self.workspace_id, since=self._watermark - LOOKBACK
            )
        added = [row for row in rows if _indexable(row) and self._versions.get(row.loop_id) != row.version]
        gone = [row.loop_id for row in rows if not _indexable(row) and row.loop_id in self._versions]
        if added:
            if self._index is None:
                self._index = _new_index(added)
            else:
                self._index.add(_document(row) for row in added)
        self._versions.update((row.loop_id, row.version) for row in added)
        if gone and self._index is not None:
            self._index.remove(gone)
        for loop_id in gone:
            self._versions.pop(loop_id, None)
        if self._index is not None and self._index.needs_refit:
            self._index.refit()
        self._watermark = started
        return len(added) + len(gone)


def _new_index(rows: list[IndexedLoop]) -> SimilarityIndex:
    from bot.insight.similarity import SimilarityIndex  # scikit-learn et al. only once there is history to search

    return SimilarityIndex.build(_document(row) for row in rows)


def _indexable(row: IndexedLoop) -> bool:
    return row.resolved and bool(row.comment and row.comment.strip())


def _document(row: IndexedLoop) -> Document:
    return Document(
        key=row.loop_id,
        text=row.comment or "",
        touchpoint=row.touchpoint,
        product=row.product,
        segment=row.segment,
        scale=row.scale,
    )
