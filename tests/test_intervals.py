"""Wilson score intervals, checked against values worked out by hand from the formula.

With p = x/n and z = 1.959964 (z² = 3.841459):
    centre = (p + z²/2n) / (1 + z²/n)
    half   = z / (1 + z²/n) × √(p(1 − p)/n + z²/4n²)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.intervals import wilson_columns, wilson_interval


def test_five_of_ten():
    """5/10: centre 0.5, half = 1.959964/1.384146 × √(0.025 + 0.009604) = 0.263407 → 0.2366 to 0.7634."""
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.236593, abs=1e-6)
    assert high == pytest.approx(0.763407, abs=1e-6)


def test_zero_of_ten():
    """0/10: the interval is 0 to z²/(n + z²) = 3.841459/13.841459 = 0.277533."""
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.277533), abs=1e-6)


def test_ten_of_ten():
    """10/10: the mirror image, 1 − 0.277533 = 0.722467 to exactly 1."""
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.722467, abs=1e-6)
    assert high == 1.0


def test_mrcpch_img_first_attempt_pass_rate():
    """130/520 (IMGs, Postgrad Med J 2015): p 0.25, centre 0.251833, half 0.037126 → 0.2147 to 0.2890."""
    low, high = wilson_interval(130, 520)
    assert low == pytest.approx(0.214707, abs=1e-6)
    assert high == pytest.approx(0.288959, abs=1e-6)


def test_z_changes_the_width():
    """A 90% interval (z 1.644854) is narrower than the 95% one."""
    low90, high90 = wilson_interval(5, 10, z=1.644854)
    low95, high95 = wilson_interval(5, 10)
    assert low95 < low90 < 0.5 < high90 < high95


def test_empty_group_gives_nan():
    """n = 0 has no interval."""
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize(("successes", "n"), [(11, 10), (-1, 10), (1.5, 10), (1, 10.0), (True, 10)])
def test_bad_counts_are_refused(successes, n):
    """Successes must be a whole number between 0 and n."""
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


@pytest.mark.parametrize("z", [0, -1.96, math.nan, "1.96"])
def test_bad_z_is_refused(z):
    """z must be a positive finite number."""
    with pytest.raises(ValueError, match="z must be"):
        wilson_interval(5, 10, z=z)


@given(n=st.integers(1, 5000), data=st.data())
def test_property_interval_brackets_the_rate(n, data):
    """For any x/n the interval lies within [0, 1] and contains x/n."""
    successes = data.draw(st.integers(0, n))
    low, high = wilson_interval(successes, n)
    assert 0.0 <= low <= successes / n <= high <= 1.0


def test_columns_match_scalar_function():
    """The vectorised version gives the same numbers, row by row."""
    frame = pd.DataFrame({"passes": [5, 0, 130], "sat": [10, 10, 520]})
    out = wilson_columns(frame, successes="passes", n="sat")
    for row in out.itertuples():
        assert (row.ci_low, row.ci_high) == pytest.approx(wilson_interval(row.passes, row.sat), abs=1e-12)
    assert out["rate"].tolist() == pytest.approx([0.5, 0.0, 0.25])


def test_columns_give_nan_for_empty_or_missing_rows():
    """n = 0 or a missing count gives NaN rate and interval."""
    frame = pd.DataFrame({"passes": [0, np.nan], "sat": [0, 10]})
    out = wilson_columns(frame, successes="passes", n="sat")
    assert out[["rate", "ci_low", "ci_high"]].isna().all().all()


def test_columns_refuse_successes_above_n():
    """A row with more successes than attempts raises ValueError naming the row."""
    frame = pd.DataFrame({"passes": [5, 12], "sat": [10, 10]})
    with pytest.raises(ValueError, match="row 1"):
        wilson_columns(frame, successes="passes", n="sat")


def test_columns_refuse_missing_column():
    """An unknown column name is a clear error."""
    with pytest.raises(ValueError, match="columns not in the data"):
        wilson_columns(pd.DataFrame({"passes": [1]}), successes="passes", n="sat")


def test_columns_leave_input_unchanged():
    """wilson_columns returns a copy."""
    frame = pd.DataFrame({"passes": [5], "sat": [10]})
    wilson_columns(frame, successes="passes", n="sat")
    assert list(frame.columns) == ["passes", "sat"]
