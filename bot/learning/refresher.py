"""The similar-loop index's own thread: build at start, then catch up every few seconds or when woken."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError

from bot.learning.similar_loops import SimilarLoops

log = logging.getLogger(__name__)
# Wakes arrive with every commit that queued a Slack write (each click, each webhook): after a catch-up, the next
# waits at least this long, so a busy minute costs one refresh a second, not one a click, and a loop resolved here
# is still found within about a second.
MIN_GAP_SECONDS = 1.0


class IndexRefresher:
    """Runs ``similar.refresh()`` in the background: at start, every ``every_seconds``, and soon after ``wake()``.

    Every replica runs one (each holds its own index), so a loop resolved on another replica is found within
    ``every_seconds``; one resolved here, as soon as the commit's wake arrives.
    """

    def __init__(self, similar: SimilarLoops, *, every_seconds: float = 5.0):
        self.similar = similar
        self.every_seconds = every_seconds
        self.last_error: str | None = None
        self._woken = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="loopkeeper-similar-loops", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Something changed in this process: catch up now rather than at the next tick."""
        self._woken.set()

    def stop(self) -> None:
        self._stop.set()
        self._woken.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._refresh_once()
            if self._stop.wait(MIN_GAP_SECONDS):
                break
            self._woken.wait(max(0.0, self.every_seconds - MIN_GAP_SECONDS))
            self._woken.clear()

    def _refresh_once(self) -> None:
        try:
            self.similar.refresh()
            self.last_error = None
        except SQLAlchemyError as exc:
            # The database is away: cards keep the index as it was (or no section) until it is back.
            self.last_error = type(exc).__name__
            log.warning("similar-loop index: refresh failed (%s); retrying", type(exc).__name__)
        except (ValueError, MemoryError) as exc:  # scikit-learn or numpy refused the texts or ran out of memory
            self.last_error = type(exc).__name__
            log.warning("similar-loop index: refresh failed (%s); cards show no similar loops", type(exc).__name__)
        except Exception as exc:  # anything unforeseen: keep the thread (and the index as it was), say why in the log
            self.last_error = type(exc).__name__
            log.exception("similar-loop index: refresh failed unexpectedly; retrying at the next tick")
