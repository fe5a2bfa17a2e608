"""A clock the demo and the tests can move forward, so the whole app sees "time passes" at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from models.base import utcnow


class TravellingClock:
    """Real time plus an offset; ``travel_to`` moves every reader of this clock (workers included)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return utcnow() + self._offset

    def travel_to(self, when: datetime) -> None:
        """From now on the time is ``when`` (and runs on from there); never backwards."""
        with self._lock:
            self._offset = max(self._offset, when - utcnow())
