"""Churn compared between groups of loops (closed within SLA, closed late, never closed), uncertainty included."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

# Below ten, one account moves a share by ten points or more: such a group is shown as counts, never as a rate.
MIN_GROUP = 10
SIGNIFICANCE = 0.05
CONFIDENCE = 0.95


class Verdict(StrEnum):
    """What a comparison of two groups lets us say."""

    DIFFERENCE = "difference"
    NO_CLEAR_DIFFERENCE = "no clear difference yet"
    TOO_FEW = "too few to tell"


@dataclass(frozen=True, slots=True)
class Rate:
    """``k`` of a group's ``n`` loops ended in the outcome (their account churned)."""

    k: int
    n: int

    def __post_init__(self) -> None:
        if not 0 <= self.k <= self.n:
            raise ValueError(f"a rate needs 0 <= k <= n, not {self.k} of {self.n}")

    @property
    def share(self) -> float | None:
        """k / n, or None for an empty group."""
        return self.k / self.n if self.n else None

    @property
    def too_few(self) -> bool:
        """Whether the group is too small to read its share as a rate."""
        return self.n < MIN_GROUP

    def interval(self, confidence: float = CONFIDENCE) -> tuple[float, float]:
        """The Wilson score interval of the share; (0, 1) for an empty group, which tells nothing."""
        if not self.n:
            return 0.0, 1.0
        # Wilson rather than share ± 1.96·SE: it stays inside [0, 1] and keeps its coverage at 0 of 10 or 10 of 10.
        from scipy.stats import (
            binomtest,
        )  # imported on first use: a process that never needs it keeps its memory (scipy.stats: 100 MiB)

        interval = binomtest(self.k, self.n).proportion_ci(confidence_level=confidence, method="wilson")
        return float(interval.low), float(interval.high)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Fisher's two-sided p-value for two groups' shares, and what may be said from it."""

    p_value: float
    verdict: Verdict


def compare(a: Rate, b: Rate) -> Comparison:
    """Fisher's exact test on the 2×2 table; a difference is claimed only with MIN_GROUP loops in each group."""
    # Exact rather than chi-squared: groups of 10–40 loops with a handful of churned accounts are its home ground.
    from scipy.stats import fisher_exact  # imported on first use: a process that never needs it keeps its memory

    p_value = float(fisher_exact([[a.k, a.n - a.k], [b.k, b.n - b.k]], alternative="two-sided").pvalue)
    if a.too_few or b.too_few:
        verdict = Verdict.TOO_FEW
    elif p_value < SIGNIFICANCE:
        verdict = Verdict.DIFFERENCE
    else:
        verdict = Verdict.NO_CLEAR_DIFFERENCE
    return Comparison(p_value=p_value, verdict=verdict)


def describe(groups: Mapping[str, Rate], *, outcome: str = "churned") -> list[str]:
    """One plain line per group, e.g. "closed: 10 % churned (4 of 40, 95 % CI 4–23 %)"."""
    return [f"{label}: {_line(rate, outcome)}" for label, rate in groups.items()]


def _line(rate: Rate, outcome: str) -> str:
    share = rate.share
    if share is None:
        return "no loops yet"
    if rate.too_few:
        return f"{rate.k} of {rate.n} {outcome} (too few for a rate)"
    low, high = rate.interval()
    return (
        f"{_percent(share)} % {outcome} ({rate.k} of {rate.n}, {_percent(CONFIDENCE)} % CI "
        f"{_percent(low)}–{_percent(high)} %)"
    )


def _percent(share: float) -> str:
    return f"{share * 100:.0f}"
