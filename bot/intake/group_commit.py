"""Group commit: writes that arrive together share one transaction, each in a savepoint of its own.

On SQLite every write transaction queues for the one write lock; webhooks arriving at once then cost one
BEGIN, one COMMIT and one lock hand-over each, with a thread per request fighting for the interpreter.
Here one writer thread takes what has queued (a few milliseconds' worth, a bounded batch), runs each item
in a SAVEPOINT, and commits once. An item that raises rolls back to its savepoint only: its caller gets the
error, its neighbours are stored. If the commit itself fails, each item is tried again in a transaction of
its own, so one bad row never fails the batch. Callers get a Future resolved after the commit.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import keep_memo, transaction

log = logging.getLogger(__name__)
T = TypeVar("T")
WINDOW_SECONDS = 0.002  # after the first item, how long to wait for neighbours
MAX_BATCH = 64


@dataclass
class _Item:
    work: Callable[[Session], Any]
    future: Future = field(default_factory=Future)


class GroupCommit:
    """One writer thread (started on first use) running submitted work in shared transactions."""

    def __init__(
        self,
        engine: Engine,
        *,
        window_seconds: float = WINDOW_SECONDS,
        max_batch: int = MAX_BATCH,
        on_commit: Callable[[], None] = lambda: None,
    ):
        self.engine = engine
        self.window_seconds = window_seconds
        self.max_batch = max(1, max_batch)
        self.on_commit = on_commit
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # how many transactions committed (for tests and benchmarks)

    def submit(self, work: Callable[[Session], T]) -> Future[T]:
        """Run ``work(session)`` in the next shared transaction; its result (or error) once committed."""
        item = _Item(work)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="loopkeeper-group-commit", daemon=True)
                self._thread.start()
            self._queue.put(item)
        return item.future

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the writer thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = [first], False
            deadline = time.monotonic() + self.window_seconds
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit(batch)
            if stopping:
                return

    def _commit(self, batch: list[_Item]) -> None:
        outcomes: list[tuple[_Item, Any, BaseException | None]] = []
        try:
            with transaction(self.engine) as session:
                keep_memo(session)  # the batch's items read the same configuration: once
                for item in batch:
                    try:
                        with session.begin_nested():
                            outcomes.append((item, item.work(session), None))
                    except Exception as exc:  # this item's error, for its caller; its savepoint is rolled back
                        outcomes.append((item, None, exc))
        except Exception as exc:  # BEGIN or COMMIT failed: no item is stored
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
                return
            log.warning("a group commit of %d items failed (%s); storing each alone", len(batch), type(exc).__name__)
            for item in batch:
                self._commit([item])
            return
        self.batches += 1
        if any(error is None for _, _, error in outcomes):
            self.on_commit()
        for item, value, error in outcomes:
            if error is None:
                item.future.set_result(value)
            else:
                item.future.set_exception(error)
