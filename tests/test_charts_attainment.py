"""Differential-attainment chart builders: rates with Wilson error bars, engagement bands, MWRES reach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from charts.attainment import ENGAGEMENT_CAVEAT, engagement_chart, mwres_chart, outcome_rates_chart
from charts.common import EmptyChart


def _rates():
    return pd.DataFrame(
        {
            "training_year_label": ["2023/24", "2024/25", "2023/24", "2024/25"],
            "measure_label": ["MRCPCH FOP"] * 4,
            "group": ["Members", "Members", "IMGs", "IMGs"],
            "rate": [0.52, 0.61, 0.46, 0.47],
            "ci_low": [0.40, 0.50, 0.44, 0.45],
            "ci_high": [0.64, 0.71, 0.48, 0.49],
            "n": [60, 72, 3100, 3200],
        }
    )


def _trace(fig, name):
    return next(trace for trace in fig.data if trace.name == name)


def test_outcome_rates_points_are_percentages():
    """Each group's points are its rates in percent, by training year."""
    fig = outcome_rates_chart(_rates())
    members = _trace(fig, "Members")
    assert list(members.x) == ["2023/24", "2024/25"]
    assert list(members.y) == pytest.approx([52.0, 61.0])
    assert list(_trace(fig, "IMGs").y) == pytest.approx([46.0, 47.0])


def test_outcome_rates_error_bars_are_the_wilson_interval():
    """Error bars reach from ci_low to ci_high."""
    members = _trace(outcome_rates_chart(_rates()), "Members")
    assert list(members.error_y.array) == pytest.approx([12.0, 10.0])
    assert list(members.error_y.arrayminus) == pytest.approx([12.0, 11.0])


def test_outcome_rates_groups_differ_by_marker():
    """Members and benchmark groups have different marker symbols and sit side by side."""
    fig = outcome_rates_chart(_rates())
    assert _trace(fig, "Members").marker.symbol != _trace(fig, "IMGs").marker.symbol
    assert fig.layout.scattermode == "group"


def test_outcome_rates_one_panel_per_measure():
    """Two measures give two panels, each titled with its measure."""
    frame = pd.concat([_rates(), _rates().assign(measure_label="ARCP")])
    fig = outcome_rates_chart(frame)
    assert [a.text for a in fig.layout.annotations] == ["MRCPCH FOP", "ARCP"]
    assert {t.yaxis for t in fig.data} == {"y", "y2"}


def test_outcome_rate_hidden_when_n_small():
    """A rate on fewer than min_cell outcomes is not drawn and has no error bar."""
    frame = _rates()
    frame.loc[0, "n"] = 3
    members = _trace(outcome_rates_chart(frame, min_cell=5), "Members")
    assert members.y[0] is None and members.error_y.array[0] is None


def test_outcome_rates_empty_raises():
    """No outcomes raises EmptyChart."""
    with pytest.raises(EmptyChart, match="No outcome data"):
        outcome_rates_chart(_rates().iloc[0:0])


def test_engagement_chart_has_a_point_per_band():
    """Each engagement band is a point at its rate, with the caveat as subtitle."""
    frame = pd.DataFrame(
        {
            "engagement": ["0", "1-2", "3+"],
            "rate": [0.40, 0.50, 0.65],
            "ci_low": [0.3, 0.4, 0.5],
            "ci_high": [0.5, 0.6, 0.8],
            "n": [50, 40, 30],
        }
    )
    fig = engagement_chart(frame)
    assert list(fig.data[0].x) == ["0 events", "1–2 events", "3+ events"]
    assert list(fig.data[0].y) == pytest.approx([40.0, 50.0, 65.0])
    assert fig.layout.title.subtitle.text == ENGAGEMENT_CAVEAT


def test_mwres_chart_bars_are_attendances():
    """Each indicator's bar is its attendances, labelled with the events count."""
    frame = pd.DataFrame(
        {
            "indicator": ["1a", "4a"],
            "indicator_label": ["Entry", "Exams"],
            "events": [3, 7],
            "attendances": [120, 340],
        }
    )
    bars = mwres_chart(frame).data[0]
    assert list(bars.x) == [120, 340]
    assert list(bars.y) == ["1a Entry", "4a Exams"]
    assert bars.text[1] == "340 attendances · 7 events"


def test_mwres_hidden_attendances_absent():
    """A suppressed attendance count has no bar."""
    frame = pd.DataFrame(
        {
            "indicator": ["1a", "4a"],
            "indicator_label": ["Entry", "Exams"],
            "events": [1, 7],
            "attendances": [np.nan, 340],
            "attendances_suppressed": [True, False],
        }
    )
    assert list(mwres_chart(frame).data[0].x) == [None, 340]
