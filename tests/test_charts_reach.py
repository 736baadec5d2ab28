"""Event-reach chart builders: trace data match the frame, empty frames raise EmptyChart."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from charts.common import ChartInputError, EmptyChart
from charts.reach import (
    attendances_by_month_chart,
    attendances_by_region_chart,
    attendances_by_stage_chart,
    conversion_chart,
    cumulative_reach_chart,
    new_vs_returning_chart,
    reach_over_time_chart,
)

MONTHS = [dt.date(2024, 8, 1), dt.date(2024, 9, 1), dt.date(2024, 10, 1)]


def _by_type():
    return pd.DataFrame(
        {
            "month": MONTHS * 2,
            "event_type": ["induction"] * 3 + ["exam_prep"] * 3,
            "event_type_label": ["Induction"] * 3 + ["Exam preparation"] * 3,
            "attendances": [151, 0, 37, 12, 64, 29],
        }
    )


def _trace(fig, name):
    return next(trace for trace in fig.data if trace.name == name)


def test_attendances_by_month_has_one_trace_per_event_type():
    """Each event type is a bar trace whose heights are that type's monthly attendances."""
    fig = attendances_by_month_chart(_by_type())
    assert [t.name for t in fig.data] == ["Induction", "Exam preparation"]
    assert list(_trace(fig, "Induction").y) == [151, 0, 37]
    assert list(_trace(fig, "Exam preparation").y) == [12, 64, 29]
    assert fig.layout.barmode == "stack"


def test_attendances_by_month_uses_patterns_as_well_as_colours():
    """Stacked event types differ by pattern, not colour alone."""
    fig = attendances_by_month_chart(_by_type())
    patterns = {t.marker.pattern.shape for t in fig.data}
    assert len(patterns) == 2


def test_attendances_by_month_labels_bars_with_counts():
    """Bar text carries the formatted counts."""
    fig = attendances_by_month_chart(_by_type())
    assert list(_trace(fig, "Induction").text) == ["151", "0", "37"]


def test_attendances_by_month_empty_frame_raises_message():
    """An empty frame raises EmptyChart with a sentence for the page."""
    with pytest.raises(EmptyChart, match="No attendances for these filters"):
        attendances_by_month_chart(_by_type().iloc[0:0])


def test_missing_column_is_a_clear_error():
    """A frame without the needed columns names what is missing."""
    with pytest.raises(ChartInputError, match="event_type_label"):
        attendances_by_month_chart(_by_type().drop(columns=["event_type_label"]))


def test_reach_over_time_has_three_series():
    """Registrations, attendances and unique participants are lines with the frame's values."""
    frame = pd.DataFrame(
        {
            "month": MONTHS,
            "registrations": [210, 180, 95],
            "attendances": [160, 140, 70],
            "unique_participants": [120, 101, 66],
        }
    )
    fig = reach_over_time_chart(frame)
    assert list(_trace(fig, "Registrations").y) == [210, 180, 95]
    assert list(_trace(fig, "Attendances").y) == [160, 140, 70]
    assert list(_trace(fig, "Unique participants").y) == [120, 101, 66]
    assert len({t.marker.symbol for t in fig.data}) == 3


def test_attendances_by_region_sorts_largest_to_top():
    """Regions are ordered so the largest bar is drawn at the top of the horizontal chart."""
    frame = pd.DataFrame(
        {
            "region": ["LDN", "WM", "NI"],
            "region_name": ["London", "West Midlands", "Northern Ireland"],
            "attendances": [88, 305, 41],
            "unique_participants": [60, 150, 30],
        }
    )
    fig = attendances_by_region_chart(frame)
    attendances = _trace(fig, "Attendances")
    assert list(attendances.y) == ["Northern Ireland", "London", "West Midlands"]
    assert list(attendances.x) == [41, 88, 305]
    assert list(_trace(fig, "Unique participants").x) == [30, 60, 150]
    assert attendances.orientation == "h"


def test_attendances_by_stage_groups_stages():
    """Stages keep the frame's order and are split into one trace per stage group."""
    frame = pd.DataFrame(
        {
            "stage": ["led", "st1", "st2", "consultant"],
            "stage_label": ["LED", "ST1", "ST2", "Consultant"],
            "stage_group": ["non_training", "core", "core", "consultant"],
            "attendances": [40, 71, 22, 9],
        }
    )
    fig = attendances_by_stage_chart(frame)
    core = _trace(fig, "Core ST1–4")
    assert list(core.x) == ["ST1", "ST2"]
    assert list(core.y) == [71, 22]
    assert list(fig.layout.xaxis.categoryarray) == ["LED", "ST1", "ST2", "Consultant"]


def test_conversion_is_attendances_over_registrations():
    """Each bar is attendances / registrations as a percentage, labelled in the text."""
    frame = pd.DataFrame(
        {
            "event_type_label": ["Induction", "Exam preparation"],
            "registrations": [200, 80],
            "attendances": [150, 72],
        }
    )
    fig = conversion_chart(frame)
    bars = fig.data[0]
    assert dict(zip(bars.y, bars.x)) == {"Induction": 75.0, "Exam preparation": 90.0}
    assert "75%" in bars.text


def test_conversion_hides_rate_on_small_denominator():
    """A rate on fewer than min_cell registrations is not drawn."""
    frame = pd.DataFrame(
        {"event_type_label": ["Induction", "Other"], "registrations": [200, 4], "attendances": [150, 3]}
    )
    bars = conversion_chart(frame, min_cell=5).data[0]
    assert dict(zip(bars.y, bars.x))["Other"] is None


def test_new_vs_returning_stacks_both_counts():
    """New and returning participants are stacked bars with the frame's values."""
    frame = pd.DataFrame(
        {"month": MONTHS, "new_participants": [50, 31, 12], "returning_participants": [7, 19, 25]}
    )
    fig = new_vs_returning_chart(frame)
    assert list(_trace(fig, "New").y) == [50, 31, 12]
    assert list(_trace(fig, "Returning").y) == [7, 19, 25]
    assert _trace(fig, "New").marker.pattern.shape != _trace(fig, "Returning").marker.pattern.shape


def test_cumulative_reach_labels_the_last_point():
    """The cumulative line carries the frame's values and a direct label on its last point."""
    frame = pd.DataFrame({"month": MONTHS, "cumulative_unique_participants": [120, 185, 236]})
    line = cumulative_reach_chart(frame).data[0]
    assert list(line.y) == [120, 185, 236]
    assert list(line.text) == ["", "", "236"]


def test_months_given_as_timestamps_or_strings_agree():
    """The month column may be dates, Timestamps or ISO strings; the x values are the same."""
    as_dates = pd.DataFrame({"month": MONTHS, "cumulative_unique_participants": [1, 2, 3]})
    as_text = as_dates.assign(month=[m.isoformat() for m in MONTHS])
    assert cumulative_reach_chart(as_dates).data[0].x == cumulative_reach_chart(as_text).data[0].x


def test_suppressed_month_cell_is_absent_and_labelled():
    """A hidden cell has no bar height, and its text reads "<5"."""
    frame = _by_type().astype({"attendances": "float64"})
    frame.loc[4, "attendances"] = np.nan
    frame["attendances_suppressed"] = frame["attendances"].isna()
    exam = _trace(attendances_by_month_chart(frame), "Exam preparation")
    assert exam.y[1] is None
    assert exam.text[1] == "<5"
