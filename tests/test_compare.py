"""Two proportions tested against each other, checked on published worked examples.

Sources of the expected p-values (none produced by this code):
* R ``prop.test(c(20, 30), c(60, 40), correct = FALSE)``: X-squared = 16.667,
  p-value = 4.456e-05 (z = -4.082483), from K. Strickland's notes on comparing
  proportions in 2 × 2 tables;
* statsmodels' ``proportions_ztest`` docstring and its test ``test_default_values``
  (GH 2969): counts 5 and 12 of 83 and 99 give p = 0.15918129181156992;
* R ``?fisher.test``: TeaTasting, matrix(c(3, 1, 1, 3)), p-value = 0.4857
  (= 34/70 by hand); Convictions, matrix(c(2, 10, 15, 3)), p-value = 0.0005367;
* the lady tasting tea with all eight cups right: 2 of the C(8, 4) = 70 equally
  likely tables are as extreme, so p = 2/70 by hand.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.compare import (
    FISHER_TEST,
    Z_TEST,
    compare_proportions,
    expected_counts,
    fisher_exact_p,
    z_test_p,
)


def test_z_test_lower_matches_r_prop_test():
    """20/60 against 30/40: every expected count is at least 5, z-test p = 4.456e-05, "lower"."""
    result = compare_proportions(events_a=20, n_a=60, events_b=30, n_b=40)
    assert result.method == Z_TEST
    assert result.p_value == pytest.approx(4.455709e-05, rel=1e-5)
    assert result.verdict == "lower"


def test_z_test_higher_when_the_groups_swap():
    """30/40 against 20/60 is the same test the other way round: same p, "higher"."""
    result = compare_proportions(events_a=30, n_a=40, events_b=20, n_b=60)
    assert result.p_value == pytest.approx(4.455709e-05, rel=1e-5)
    assert result.verdict == "higher"


def test_z_test_cannot_tell_matches_statsmodels_example():
    """5/83 against 12/99: z-test p = 0.159 (statsmodels' example), so "cannot tell"."""
    result = compare_proportions(events_a=5, n_a=83, events_b=12, n_b=99)
    assert result.method == Z_TEST
    assert result.p_value == pytest.approx(0.15918129181156992, rel=1e-9)
    assert result.verdict == "cannot tell"


def test_groups_below_the_suppression_threshold_use_fishers_exact_test():
    """4/4 against 0/4 (n below 5): expected counts are 2, so Fisher's test, p = 2/70, "higher"."""
    result = compare_proportions(events_a=4, n_a=4, events_b=0, n_b=4)
    assert result.method == FISHER_TEST
    assert result.p_value == pytest.approx(2 / 70, rel=1e-9)
    assert result.verdict == "higher"


def test_lady_tasting_tea_three_right_cannot_tell():
    """3/4 against 1/4: Fisher's two-sided p = 34/70 = 0.4857 (R's TeaTasting), "cannot tell"."""
    result = compare_proportions(events_a=3, n_a=4, events_b=1, n_b=4)
    assert result.method == FISHER_TEST
    assert result.p_value == pytest.approx(34 / 70, rel=1e-9)
    assert result.verdict == "cannot tell"


def test_fisher_matches_r_convictions_example():
    """2/17 against 10/13 (R's Convictions): two-sided p = 0.0005367."""
    assert fisher_exact_p(events_a=2, n_a=17, events_b=10, n_b=13) == pytest.approx(0.0005367, abs=5e-8)


def test_small_members_group_against_a_large_benchmark_is_exact():
    """3 of 20 members against 4,500 of 10,000 expect 9.0 events and 11.0 non-events, so the z-test;
    1 of 8 members expect 3.6 events, so Fisher's test."""
    assert compare_proportions(events_a=3, n_a=20, events_b=4500, n_b=10000).method == Z_TEST
    assert compare_proportions(events_a=1, n_a=8, events_b=4500, n_b=10000).method == FISHER_TEST


def test_expected_counts_of_the_tea_table():
    """Four cups each way, four of eight called milk first: every expected count is 2."""
    assert expected_counts(events_a=3, n_a=4, events_b=1, n_b=4) == (2.0, 2.0, 2.0, 2.0)


def test_equal_rates_cannot_tell():
    """The same rate in both groups is never called higher or lower."""
    assert compare_proportions(events_a=30, n_a=60, events_b=500, n_b=1000).verdict == "cannot tell"
    assert z_test_p(events_a=0, n_a=60, events_b=0, n_b=1000) == 1.0


def test_alpha_sets_the_level():
    """p = 0.159 is "cannot tell" at 5% but "lower" at 20%."""
    assert compare_proportions(events_a=5, n_a=83, events_b=12, n_b=99, alpha=0.2).verdict == "lower"


def test_numpy_integers_are_accepted():
    """Counts read from a DataFrame arrive as numpy integers."""
    result = compare_proportions(events_a=np.int64(20), n_a=np.int64(60), events_b=30, n_b=40)
    assert result.verdict == "lower"


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"events_a": 5, "n_a": 4, "events_b": 1, "n_b": 4}, "group a"),
        ({"events_a": 1, "n_a": 4, "events_b": 1, "n_b": 0}, "group b"),
        ({"events_a": 1.5, "n_a": 4, "events_b": 1, "n_b": 4}, "events_a must be a whole number"),
        ({"events_a": True, "n_a": 4, "events_b": 1, "n_b": 4}, "events_a must be a whole number"),
    ],
)
def test_bad_counts_are_refused(counts, message):
    """Impossible counts raise a clear ValueError."""
    with pytest.raises(ValueError, match=message):
        compare_proportions(**counts)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, True, "0.05"])
def test_bad_alpha_is_refused(alpha):
    """alpha must lie strictly between 0 and 1."""
    with pytest.raises(ValueError, match="alpha"):
        compare_proportions(events_a=1, n_a=4, events_b=1, n_b=4, alpha=alpha)


def _exact_fisher(events_a: int, n_a: int, events_b: int, n_b: int) -> Fraction:
    """Fisher's two-sided p-value in exact fractions from math.comb."""
    events, total = events_a + events_b, n_a + n_b
    weights = {
        x: math.comb(events, x) * math.comb(total - events, n_a - x)
        for x in range(max(0, n_a - (total - events)), min(events, n_a) + 1)
    }
    observed = weights[events_a]
    return Fraction(sum(w for w in weights.values() if w <= observed), math.comb(total, n_a))


@st.composite
def tables(draw):
    n_a = draw(st.integers(1, 30))
    n_b = draw(st.integers(1, 30))
    return draw(st.integers(0, n_a)), n_a, draw(st.integers(0, n_b)), n_b


@given(tables())
def test_fisher_agrees_with_exact_fractions(table):
    """The log-gamma sum equals the same p-value worked out in whole-number fractions."""
    events_a, n_a, events_b, n_b = table
    exact = _exact_fisher(events_a, n_a, events_b, n_b)
    assert fisher_exact_p(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b) == pytest.approx(
        float(exact), rel=1e-9
    )


@given(tables())
def test_swapping_groups_keeps_p_and_flips_the_verdict(table):
    """Comparing b with a gives the same method and p-value, and the mirror verdict."""
    events_a, n_a, events_b, n_b = table
    forward = compare_proportions(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)
    backward = compare_proportions(events_a=events_b, n_a=n_b, events_b=events_a, n_b=n_a)
    mirror = {"higher": "lower", "lower": "higher", "cannot tell": "cannot tell"}
    assert backward.method == forward.method
    assert backward.p_value == pytest.approx(forward.p_value, rel=1e-9)
    assert backward.verdict == mirror[forward.verdict]
