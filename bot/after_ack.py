"""Work that runs after Slack has its answer: slow Slack calls, modals, answers through response_url."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class AfterAck:
    """A small thread pool; Slack's 3-second deadline never waits for what is submitted here."""

    def __init__(self, workers: int = 8):
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="loopkeeper-after-ack")

    def submit(self, work: Callable[[], T]) -> Future[T]:
        """Run ``work`` soon on another thread; a failure nobody handled is logged, not lost."""
        future = self._pool.submit(work)
        future.add_done_callback(_log_failure)
        return future

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        error = future.exception()
        log.error("work after the ack failed: %s", type(error).__name__, exc_info=error)
