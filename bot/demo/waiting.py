"""Waiting for a stand-in to reach a state its tests or the demo expect."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def wait_until(changed: threading.Condition, predicate: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Block until ``predicate()`` is truthy, re-checked whenever ``changed`` is notified; return its value."""
    deadline = time.monotonic() + timeout
    with changed:
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{what} did not reach the expected state in time")
            changed.wait(min(remaining, 0.05))
