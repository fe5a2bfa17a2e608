"""Detractor spikes: the Poisson tail against the usual rate, the floor for keys without history, and alert once."""

from __future__ import annotations

import math

import pytest

from bot.insight.spikes import BASELINE_FLOOR_PER_DAY, AlertState, is_spike, next_state, spike_p_value


def poisson_tail(count: int, mean: float) -> float:
    """P(X >= count) written out: 1 − Σ_{i<count} e^−μ μ^i / i!."""
    return 1 - sum(math.exp(-mean) * mean**i / math.factorial(i) for i in range(count))


def test_twelve_billing_detractors_in_a_day_against_one_a_day_is_a_spike():
    assert spike_p_value(12, 1.0) == pytest.approx(poisson_tail(12, 1.0), rel=1e-6)
    assert spike_p_value(12, 1.0) < 1e-8
    assert is_spike(12, 1.0)


def test_two_in_a_day_is_not():
    assert spike_p_value(2, 1.0) == pytest.approx(poisson_tail(2, 1.0))
    assert not is_spike(2, 1.0)


def test_the_window_scales_the_expected_count():
    # A week at 1 a day expects 7: 12 in a week is unusual but not a spike; 12 in 6 hours is.
    assert spike_p_value(12, 1.0, window_days=7) == pytest.approx(poisson_tail(12, 7.0))
    assert not is_spike(12, 1.0, window_days=7)
    assert is_spike(12, 4.0, window_days=0.25)


def test_a_busy_key_needs_more_than_a_quiet_one():
    assert not is_spike(12, 6.0)
    assert is_spike(25, 6.0)


def test_no_history_is_read_as_the_floor_not_as_zero():
    assert BASELINE_FLOOR_PER_DAY == 1.0
    # Without the floor one detractor on a new key would have p = 0.
    assert spike_p_value(1, 0.0) == pytest.approx(poisson_tail(1, 1.0))  # 0.63
    assert spike_p_value(3, 0.2) == spike_p_value(3, 0.0)


def test_no_history_and_four_detractors_is_not_a_spike():
    assert not is_spike(4, 0.0)
    assert is_spike(4, 0.0, min_count=1, alpha=0.02)  # the tail alone (0.019) would have said so at a looser alpha


def test_no_history_and_six_detractors_is_a_spike_but_five_are_not():
    # The documented boundary: P(X >= 6 | 1) = 0.0006 < 0.001 <= P(X >= 5 | 1) = 0.0037.
    assert is_spike(6, 0.0)
    assert not is_spike(5, 0.0)


def test_min_count_holds_even_when_the_tail_is_tiny():
    assert spike_p_value(4, 0.0, window_days=1 / 24) < 1e-5
    assert not is_spike(4, 0.0, window_days=1 / 24)
    assert is_spike(5, 0.0, window_days=1 / 24)


def test_zero_detractors_is_never_surprising():
    assert spike_p_value(0, 0.0) == 1.0
    assert not is_spike(0, 0.0, min_count=0)


@pytest.mark.parametrize(
    "count, baseline, window", [(-1, 1.0, 1.0), (3, -1.0, 1.0), (3, math.nan, 1.0), (3, 1.0, 0.0), (3, 1.0, -1.0)]
)
def test_impossible_inputs_are_refused(count, baseline, window):
    with pytest.raises(ValueError):
        spike_p_value(count, baseline, window)


def test_alert_once_per_spike():
    hours = [True, True, False, True, True]  # spike, still spiking, calm, spike again, still
    alerting, sent = False, []
    for spiking in hours:
        alerting, send = next_state(alerting, spiking)
        sent.append(send)
    assert sent == [True, False, False, True, False]


@pytest.mark.parametrize(
    "previous, spiking, expected",
    [
        (False, False, AlertState(alerting=False, send_alert=False)),
        (False, True, AlertState(alerting=True, send_alert=True)),
        (True, True, AlertState(alerting=True, send_alert=False)),
        (True, False, AlertState(alerting=False, send_alert=False)),
    ],
)
def test_next_state_table(previous, spiking, expected):
    assert next_state(previous, spiking) == expected
