"""Terminal output for long commands: a progress bar that also behaves in logs and CI."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redraws one line on a terminal; elsewhere prints a line every 10 % so logs stay short."""

    def __init__(self, total: int, *, label: str = "rows", stream: TextIO = sys.stderr, width: int = 30):
        self.total = max(total, 1)
        self.label = label
        self.stream = stream
        self.width = width
        self.started = time.perf_counter()
        self.interactive = stream.isatty()
        self._last_step = -1

    def update(self, done: int) -> None:
        fraction = min(1.0, done / self.total)
        step = int(fraction * 10)
        if not self.interactive and step == self._last_step:
            return
        self._last_step = step
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        filled = int(fraction * self.width)
        bar = "█" * filled + "░" * (self.width - filled)
        line = f"[{bar}] {done:,}/{self.total:,} {self.label} ({fraction:4.0%})  {rate:,.0f} {self.label}/s"
        if self.interactive:
            self.stream.write("\r" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()
