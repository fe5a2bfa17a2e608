"""Churn compared between groups of loops: Wilson intervals, Fisher's test and the verdict, figures checked by hand."""

from __future__ import annotations

import math

import pytest

from bot.accounts.statistics import Comparison, Rate, Verdict, compare, describe

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's interval written out apart from the module: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


def test_closed_loops_churn_less_than_never_closed_ones():
    closed, never = Rate(4, 40), Rate(16, 40)
    assert closed.share == pytest.approx(0.10)
    assert never.share == pytest.approx(0.40)
    assert closed.interval() == pytest.approx(wilson(4, 40), abs=5e-4)
    assert never.interval() == pytest.approx(wilson(16, 40), abs=5e-4)
    # Figures checked by hand from the formula above.
    assert [round(x, 3) for x in closed.interval()] == [0.040, 0.231]
    assert [round(x, 3) for x in never.interval()] == [0.263, 0.554]
    comparison = compare(closed, never)
    assert comparison.verdict == Verdict.DIFFERENCE == "difference"
    assert comparison.p_value == pytest.approx(0.0038, abs=1e-4)  # Fisher, two-sided, on [[4, 36], [16, 24]]
    assert compare(never, closed) == comparison


def test_the_interval_is_wilson_not_the_normal_approximation():
    low, high = Rate(4, 40).interval()
    se = math.sqrt(0.1 * 0.9 / 40)
    assert low != pytest.approx(0.1 - Z95 * se, abs=1e-3)  # Wald would give 0.007–0.193
    assert (round(low, 3), round(high, 3)) == tuple(round(x, 3) for x in wilson(4, 40))


def test_all_and_none_stay_inside_zero_and_one():
    assert Rate(0, 10).interval() == pytest.approx((0.0, wilson(0, 10)[1]), abs=1e-9)
    assert Rate(10, 10).interval() == pytest.approx((wilson(10, 10)[0], 1.0), abs=1e-9)


def test_a_gap_among_twenty_is_shown_but_not_claimed():
    closed, never = Rate(4, 20), Rate(7, 20)
    comparison = compare(closed, never)
    assert comparison.verdict == Verdict.NO_CLEAR_DIFFERENCE == "no clear difference yet"
    assert comparison.p_value == pytest.approx(0.480, abs=1e-3)
    assert describe({"closed": closed, "never closed": never}) == [
        "closed: 20 % churned (4 of 20, 95 % CI 8–42 %)",
        "never closed: 35 % churned (7 of 20, 95 % CI 18–57 %)",
    ]


def test_five_loops_a_group_are_too_few_to_tell():
    a, b = Rate(1, 5), Rate(2, 5)
    assert a.too_few and b.too_few
    assert compare(a, b).verdict == Verdict.TOO_FEW == "too few to tell"
    assert describe({"closed late": a}) == ["closed late: 1 of 5 churned (too few for a rate)"]


def test_one_small_group_is_enough_to_withhold_a_verdict():
    # A large gap, but nine loops are not a rate.
    assert compare(Rate(0, 40), Rate(9, 9)).verdict == Verdict.TOO_FEW
    assert compare(Rate(0, 40), Rate(9, 10)).verdict == Verdict.DIFFERENCE


def test_an_empty_group():
    empty = Rate(0, 0)
    assert empty.share is None
    assert empty.too_few
    assert empty.interval() == (0.0, 1.0)
    assert compare(empty, Rate(16, 40)) == Comparison(p_value=1.0, verdict=Verdict.TOO_FEW)
    assert describe({"never closed": empty}) == ["never closed: no loops yet"]


def test_the_line_from_the_spec():
    assert describe({"closed": Rate(4, 40)}) == ["closed: 10 % churned (4 of 40, 95 % CI 4–23 %)"]
    assert describe({"kept": Rate(36, 40)}, outcome="renewed") == ["kept: 90 % renewed (36 of 40, 95 % CI 77–96 %)"]


@pytest.mark.parametrize("k, n", [(-1, 10), (11, 10), (1, 0)])
def test_impossible_rates_are_refused(k, n):
    with pytest.raises(ValueError):
        Rate(k, n)
