"""Detractor spikes per touchpoint, product or theme: a Poisson tail against the usual rate, and alert once."""

from __future__ import annotations

import math
from typing import NamedTuple

# The rate assumed for a key whose usual rate is lower, or unknown: one detractor a day. Without it a key with no
# history has an expected count of zero, so any detractor at all has p = 0 and would be a "spike". With it, a key
# never seen before needs 6 detractors in a day to spike at the default alpha (P(X >= 6 | 1) = 0.0006), while
# 5 are not enough (P(X >= 5 | 1) = 0.0037).
BASELINE_FLOOR_PER_DAY = 1.0
# One in a thousand: every touchpoint, product and theme is checked again and again, and each check is one more
# chance for luck to look like a spike, so only a small tail means something.
ALPHA = 0.001
MIN_COUNT = 5  # fewer detractors than this are read one by one, not alerted on as a trend


class AlertState(NamedTuple):
    """Whether a key is alerting after this check, and whether this check should send the alert."""

    alerting: bool
    send_alert: bool


def spike_p_value(count: int, baseline_per_day: float, window_days: float = 1.0) -> float:
    """P(X >= count) for X ~ Poisson(baseline × window): how surprising ``count`` detractors in the window are."""
    if count < 0 or baseline_per_day < 0 or math.isnan(baseline_per_day):
        raise ValueError(f"count and baseline must be non-negative, not {count} and {baseline_per_day}")
    if not window_days > 0:
        raise ValueError(f"window_days must be positive, not {window_days}")
    if count == 0:
        return 1.0
    expected = max(baseline_per_day, BASELINE_FLOOR_PER_DAY) * window_days
    from scipy.stats import (
        poisson,
    )  # imported on first use: a process that never needs it keeps its memory (scipy.stats: 100 MiB)

    return float(poisson.sf(count - 1, expected))


def is_spike(
    count: int, baseline_per_day: float, *, window_days: float = 1.0, alpha: float = ALPHA, min_count: int = MIN_COUNT
) -> bool:
    """Whether ``count`` detractors in the window are both enough to act on and too many to be chance."""
    return count >= min_count and spike_p_value(count, baseline_per_day, window_days) < alpha


def next_state(previous_alerting: bool, spiking_now: bool) -> AlertState:
    """Alert when a spike starts; stay quiet while it lasts; a new alert needs a calm check in between."""
    return AlertState(alerting=spiking_now, send_alert=spiking_now and not previous_alerting)
