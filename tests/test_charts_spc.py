"""Drawing the Making Data Count XmR chart."""

from __future__ import annotations

import pandas as pd
import pytest

from charts.common import EmptyChart
from charts.palette import SPC_SYMBOLS, SPC_TARGET, SPC_VARIATION_COLOURS
from charts.spc import BASELINE_NOTE, TRIAL_LIMITS_NOTE, spc_chart
from domain.spc import xmr

VALUES = [100, 110, 95, 105, 98, 102, 130, 140, 150, 145, 160, 170, 180, 60]
PERIODS = [pd.Timestamp(2024, 8, 1) + pd.DateOffset(months=i) for i in range(len(VALUES))]


def _result(baseline_points=None, target=None):
    return xmr(periods=PERIODS, values=VALUES, direction="up", baseline_points=baseline_points, target=target)


def _chart(result, **options):
    return spc_chart(
        result.table,
        title="Monthly attendances",
        unit="attendances",
        trial_limits=result.trial_limits,
        **options,
    )


def _trace(fig, name):
    return next(trace for trace in fig.data if trace.name == name)


def test_points_grouped_by_variation_with_colour_and_symbol():
    """Each variation kind is its own trace with the MDC colour and a distinct marker symbol."""
    result = _result(baseline_points=6)
    fig = _chart(result)
    improvement = _trace(fig, "Special cause: improvement")
    assert improvement.marker.color == SPC_VARIATION_COLOURS["improvement"]
    assert improvement.marker.symbol == SPC_SYMBOLS["improvement"]
    expected = [float(v) for v, kind in zip(VALUES, result.table["variation"]) if kind == "improvement"]
    assert list(improvement.y) == expected


def test_all_values_are_plotted_once():
    """The points across variation traces are exactly the series' values."""
    fig = _chart(_result())
    points = [y for t in fig.data if t.mode == "markers" for y in t.y]
    assert sorted(points) == sorted(float(v) for v in VALUES)


def test_limits_dashed_and_mean_solid():
    """Process limits are dashed lines at the table's limits; the mean is solid."""
    result = _result()
    fig = _chart(result)
    upper = _trace(fig, "Upper process limit")
    assert upper.line.dash == "dash"
    assert upper.y[0] == pytest.approx(result.upper_limit)
    assert _trace(fig, "Mean").line.dash == "solid"


def test_target_line_is_red():
    """A target draws a red line at the target value."""
    fig = _chart(_result(target=150), target=150)
    target = next(t for t in fig.data if (t.name or "").startswith("Target"))
    assert target.line.color == SPC_TARGET
    assert set(target.y) == {150.0}


def test_sigma_lines_drawn_when_given():
    """sigma_lines adds two dotted 2-sigma lines at the given levels."""
    result = _result()
    fig = _chart(result, sigma_lines=(result.lower_two_sigma, result.upper_two_sigma))
    sigma = [t for t in fig.data if t.name == "2-sigma line"]
    assert [t.y[0] for t in sigma] == pytest.approx([result.lower_two_sigma, result.upper_two_sigma])


def test_trial_limits_annotated():
    """With trial limits the chart says so; without, it does not."""
    trial = _chart(_result(baseline_points=6))
    firm = _chart(_result())
    assert any(a.text == TRIAL_LIMITS_NOTE for a in trial.layout.annotations)
    assert not any(a.text == TRIAL_LIMITS_NOTE for a in firm.layout.annotations)


def test_empty_spc_raises():
    """An empty table raises EmptyChart."""
    with pytest.raises(EmptyChart):
        spc_chart(_result().table.iloc[0:0], title="t", unit="attendances", trial_limits=False)


def test_baseline_is_shaded_up_to_its_last_period():
    """A baseline ending in the sixth month shades from half a month before the first to after the sixth."""
    fig = _chart(_result(baseline_points=6), baseline_end=PERIODS[5])
    (shade,) = fig.layout.shapes
    assert pd.Timestamp(shade.x0) < PERIODS[0] < PERIODS[5] < pd.Timestamp(shade.x1) < PERIODS[6]
    assert BASELINE_NOTE in [note.text for note in fig.layout.annotations]


def test_no_baseline_shading_by_default():
    """Without a baseline end the chart has no shaded region."""
    assert not _chart(_result()).layout.shapes
