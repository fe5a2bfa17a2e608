"""Counters and histograms for `GET /metrics`, in Prometheus' text format (no client library needed).

One ``Metrics`` per running app; figures that live in the database (outbox depth and age, digest
runs) are read at scrape time by ``bot.health``, so every replica reports the same backlog.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not names:
        return ""
    escaped = (str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for v in values)
    return "{" + ",".join(f'{n}="{v}"' for n, v in zip(names, escaped, strict=True)) + "}"


class Counter:
    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()):
        self.name, self.help, self.labels = name, help_text, labels
        self._values: dict[tuple[str, ...], float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, *values: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[tuple(values)] += amount

    def value(self, *values: str) -> float:
        return self._values.get(tuple(values), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            for values, value in sorted(self._values.items()):
                lines.append(f"{self.name}{_labels(self.labels, values)} {value:g}")
        return lines


class Histogram:
    def __init__(
        self, name: str, help_text: str, labels: tuple[str, ...] = (), buckets: tuple[float, ...] = LATENCY_BUCKETS
    ):
        self.name, self.help, self.labels, self.buckets = name, help_text, labels, tuple(buckets)
        self._counts: dict[tuple[str, ...], list[int]] = {}
        self._sums: dict[tuple[str, ...], float] = defaultdict(float)
        self._lock = threading.Lock()

    def observe(self, seconds: float, *values: str) -> None:
        with self._lock:
            counts = self._counts.setdefault(tuple(values), [0] * (len(self.buckets) + 1))
            counts[bisect_left(self.buckets, seconds)] += 1
            self._sums[tuple(values)] += seconds

    def count(self, *values: str) -> int:
        return sum(self._counts.get(tuple(values), []))

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            for values, counts in sorted(self._counts.items()):
                running = 0
                for bound, n in zip((*self.buckets, float("inf")), counts, strict=True):
                    running += n
                    le = "+Inf" if bound == float("inf") else f"{bound:g}"
                    lines.append(f"{self.name}_bucket{_labels((*self.labels, 'le'), (*values, le))} {running}")
                lines.append(f"{self.name}_sum{_labels(self.labels, values)} {self._sums[values]:.6f}")
                lines.append(f"{self.name}_count{_labels(self.labels, values)} {running}")
        return lines


class Metrics:
    """What this process counted since it started."""

    def __init__(self) -> None:
        self.alerts = Counter(
            "loopkeeper_alerts_received_total", "Feedback alerts received, by source and result", ("source", "result")
        )
        self.deliveries = Counter(
            "loopkeeper_deliveries_total",
            "Slack writes attempted by the outbox worker, by method and result (sent, retry, parked, deduplicated)",
            ("method", "result"),
        )
        self.rate_limited = Counter("loopkeeper_slack_429_total", "429 answers from Slack, by method", ("method",))
        self.retries = Counter(
            "loopkeeper_delivery_retries_total", "Sends scheduled again after a failure, by reason", ("reason",)
        )
        self.ack_latency = Histogram(
            "loopkeeper_slack_ack_seconds", "Time to answer a Slack request, by kind", ("kind",)
        )

    def render(self, gauges: Sequence[str] = ()) -> str:
        lines: list[str] = []
        for metric in (self.alerts, self.deliveries, self.rate_limited, self.retries, self.ack_latency):
            lines += metric.render()
        return "\n".join([*lines, *gauges]) + "\n"


def gauge(name: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> list[str]:
    """A gauge's lines from (labels, value) samples."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        lines.append(f"{name}{_labels(tuple(labels), tuple(labels.values()))} {value:g}")
    return lines
