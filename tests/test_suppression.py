"""Small-number suppression: primary, secondary, rates, display text and KPI tiles."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.suppression import display_kpi, display_value, suppress, suppress_kpis, suppression_note


def _breakdown(values, *, column="attendances"):
    return pd.DataFrame({"region": [f"R{i}" for i in range(len(values))], column: values})


def _hidden(frame, column):
    return frame[f"{column}_suppressed"].tolist()


def test_small_counts_become_nan():
    """Counts from 1 to 4 are hidden as NaN and flagged."""
    out = suppress(_breakdown([1, 4, 50, 60, 70]), counts=["attendances"])
    assert out["attendances"].isna().tolist()[:2] == [True, True]
    assert _hidden(out, "attendances")[:2] == [True, True]


def test_zero_count_stays_visible():
    """Zero is not sensitive: it stays 0 and is not flagged."""
    out = suppress(_breakdown([0, 50, 60]), counts=["attendances"])
    assert out["attendances"].tolist() == [0.0, 50.0, 60.0]
    assert not any(_hidden(out, "attendances"))


def test_count_at_threshold_stays_visible():
    """A count equal to min_cell is shown; one below it is hidden."""
    out = suppress(_breakdown([5, 4, 4, 60]), counts=["attendances"])
    assert _hidden(out, "attendances") == [False, True, True, False]
    assert out["attendances"].iloc[0] == 5


def test_threshold_is_configurable():
    """With min_cell 10 a count of 7 is hidden."""
    out = suppress(_breakdown([7, 3, 40]), counts=["attendances"], min_cell=10)
    assert math.isnan(out["attendances"].iloc[0])


def test_lone_hidden_cell_hides_next_smallest_nonzero():
    """One hidden cell in a group hides the smallest visible non-zero cell too, flagged as secondary."""
    out = suppress(_breakdown([3, 0, 9, 40, 6]), counts=["attendances"])
    assert _hidden(out, "attendances") == [True, False, False, False, True]
    assert out["attendances_secondary"].tolist() == [False, False, False, False, True]


def test_two_hidden_cells_with_enough_total_need_no_secondary():
    """Two hidden cells adding to min_cell or more cannot be separated, so nothing more is hidden."""
    out = suppress(_breakdown([3, 4, 40]), counts=["attendances"])
    assert _hidden(out, "attendances") == [True, True, False]


def test_small_hidden_sum_hides_more():
    """Hidden cells adding up to less than min_cell (1 + 1) would each be known, so another is hidden."""
    out = suppress(_breakdown([1, 1, 50, 60]), counts=["attendances"])
    assert _hidden(out, "attendances") == [True, True, True, False]


def test_lone_hidden_cell_among_zeros_hides_a_zero():
    """With only zeros beside it, a lone hidden cell takes a zero with it."""
    out = suppress(_breakdown([3, 0, 0]), counts=["attendances"])
    assert _hidden(out, "attendances") == [True, True, False]


def test_secondary_suppression_stays_within_each_group():
    """Per-month groups: only the month with a small cell loses a second cell."""
    frame = pd.DataFrame(
        {
            "month": ["2025-01"] * 3 + ["2025-02"] * 3,
            "event_type": ["induction", "exam_prep", "other"] * 2,
            "attendances": [2, 30, 8, 20, 30, 8],
        }
    )
    out = suppress(frame, counts=["attendances"], group_by=["month"])
    assert _hidden(out, "attendances") == [True, False, True, False, False, False]


def test_cross_table_protects_both_margins():
    """Grouping by month and by event type leaves no row or column with a lone hidden cell."""
    frame = pd.DataFrame(
        {
            "month": ["jan", "jan", "feb", "feb"],
            "event_type": ["a", "b", "a", "b"],
            "attendances": [2, 30, 20, 40],
        }
    )
    out = suppress(frame, counts=["attendances"], group_by=[["month"], ["event_type"]])
    assert _hidden(out, "attendances") == [True, True, True, True]


def test_rate_hidden_when_denominator_small():
    """A rate on fewer than min_cell people is hidden; the denominator is hidden as a count too."""
    frame = pd.DataFrame({"event": ["a", "b"], "responses": [4, 40], "pct_excellent": [75.0, 80.0]})
    out = suppress(frame, counts=[], rates={"pct_excellent": "responses"}, group_by=["event"])
    assert math.isnan(out["pct_excellent"].iloc[0])
    assert out["pct_excellent"].iloc[1] == 80.0
    assert math.isnan(out["responses"].iloc[0])


def test_rate_with_zero_denominator_is_not_flagged():
    """A zero denominator makes the rate undefined, not sensitive."""
    frame = pd.DataFrame({"event": ["a"], "responses": [0], "pct_excellent": [np.nan]})
    out = suppress(frame, counts=[], rates={"pct_excellent": "responses"}, group_by=["event"])
    assert not out["pct_excellent_suppressed"].iloc[0]


def test_rate_hidden_when_numerator_hidden():
    """3 of 100 at 3% would give the 3 back, so the rate is hidden with its numerator."""
    frame = pd.DataFrame({"region": ["a", "b"], "responses": [3, 40], "attendances": [100, 60]})
    frame["response_rate"] = frame["responses"] / frame["attendances"]
    out = suppress(
        frame,
        counts=["responses", "attendances"],
        rates={"response_rate": "attendances"},
        numerators={"response_rate": "responses"},
        group_by=["region"],
    )
    assert math.isnan(out["response_rate"].iloc[0])
    assert out["response_rate_secondary"].iloc[0]


def test_rate_hidden_when_denominator_secondary_suppressed():
    """A rate whose denominator was hidden to protect another cell is hidden too."""
    frame = pd.DataFrame({"region": ["a", "b", "c"], "registrations": [3, 8, 90], "attendances": [3, 8, 80]})
    frame["attendance_rate"] = frame["attendances"] / frame["registrations"]
    out = suppress(frame, counts=["attendances"], rates={"attendance_rate": "registrations"})
    assert _hidden(out, "registrations") == [True, True, False]
    assert _hidden(out, "attendance_rate") == [True, True, False]


def test_input_frame_is_not_changed():
    """suppress returns a copy and leaves the caller's frame alone."""
    frame = _breakdown([1, 50, 60])
    before = frame.copy()
    suppress(frame, counts=["attendances"])
    pd.testing.assert_frame_equal(frame, before)


def test_other_columns_pass_through():
    """Label columns come back untouched."""
    out = suppress(_breakdown([1, 50, 60]), counts=["attendances"])
    assert out["region"].tolist() == ["R0", "R1", "R2"]


def test_missing_column_is_a_clear_error():
    """Naming a column the frame lacks raises ValueError listing what it has."""
    with pytest.raises(ValueError, match=r"columns not in the data: \['attendence'\]"):
        suppress(_breakdown([10]), counts=["attendence"])


def test_negative_count_is_refused():
    """A negative count is bad input, not something to hide."""
    with pytest.raises(ValueError, match="negative count"):
        suppress(_breakdown([-1, 10]), counts=["attendances"])


def test_non_numeric_count_is_refused():
    """Text in a count column raises ValueError."""
    with pytest.raises(ValueError, match="must hold numbers"):
        suppress(_breakdown(["many", "10"]), counts=["attendances"])


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "5"])
def test_bad_min_cell_is_refused(bad):
    """min_cell must be a whole number of at least 1."""
    with pytest.raises(ValueError, match="min_cell"):
        suppress(_breakdown([10]), counts=["attendances"], min_cell=bad)


def test_display_small_count_shows_threshold():
    """A hidden count reads '<5', or '<10' at a threshold of 10."""
    assert display_value(np.nan, True, unit="count") == "<5"
    assert display_value(np.nan, True, unit="count", min_cell=10) == "<10"


def test_display_secondary_cell_says_hidden():
    """A cell hidden only to protect another is not claimed to be small."""
    assert display_value(np.nan, True, unit="count", secondary=True) == "hidden"


def test_display_hidden_rate_shows_small_n():
    """A hidden rate reads 'n<5'."""
    assert display_value(np.nan, True, unit="fraction") == "n<5"


def test_display_visible_value_is_formatted():
    """A visible value is formatted in its unit."""
    assert display_value(1234.0, False, unit="count") == "1,234"
    assert display_value(0.5, False, unit="fraction") == "50%"


def test_suppression_note_states_threshold():
    """The caption text names the threshold in use."""
    assert '"<7"' in suppression_note(min_cell=7)


def test_kpis_hide_small_counts_and_their_rates():
    """Filtered tiles hide counts of 1-4 and the rates built on them."""
    figures = {"registrations": 20, "attendances": 3, "attendance_rate": 0.15, "events": 2}
    shown, hidden = suppress_kpis(figures, whole_organisation=False)
    assert hidden == {"attendances", "attendance_rate"}
    assert shown["attendances"] is None and shown["attendance_rate"] is None
    assert shown["events"] == 2


def test_kpis_hide_rate_on_small_denominator():
    """% excellent and mean rating on 4 responses are hidden."""
    figures = {"feedback_responses": 4, "pct_excellent": 75.0, "mean_rating": 4.5}
    _, hidden = suppress_kpis(figures, whole_organisation=False)
    assert hidden == {"feedback_responses", "pct_excellent", "mean_rating"}


def test_kpis_whole_organisation_is_exempt():
    """Organisation totals come back unchanged."""
    figures = {"attendances": 3, "registrations": 4, "attendance_rate": 0.75}
    shown, hidden = suppress_kpis(figures, whole_organisation=True)
    assert shown == figures and hidden == frozenset()


def test_kpis_zero_denominator_is_no_data_not_hidden():
    """A null rate on zero responses is 'no data', not a suppressed figure."""
    shown, hidden = suppress_kpis({"feedback_responses": 0, "pct_excellent": None}, whole_organisation=False)
    assert hidden == frozenset() and shown["pct_excellent"] is None


def test_kpis_threshold_is_configurable():
    """With min_cell 10, 7 attendances are hidden."""
    _, hidden = suppress_kpis({"attendances": 7}, min_cell=10, whole_organisation=False)
    assert hidden == {"attendances"}


def test_kpis_unknown_key_is_refused():
    """A figure not in the registry cannot be judged, so it raises KeyError."""
    with pytest.raises(KeyError, match="unknown metric"):
        suppress_kpis({"attendees": 3}, whole_organisation=False)


def test_display_kpi_texts():
    """Tile text: '<5' for a hidden count, 'n<5' for a hidden rate, formatted otherwise."""
    figures = {"registrations": 20, "attendances": 3, "attendance_rate": 0.15}
    shown, hidden = suppress_kpis(figures, whole_organisation=False)
    assert display_kpi("attendances", shown, hidden, min_cell=5) == "<5"
    assert display_kpi("attendance_rate", shown, hidden, min_cell=5) == "n<5"
    assert display_kpi("registrations", shown, hidden, min_cell=5) == "20"


rows = st.lists(
    st.tuples(st.sampled_from("abc"), st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=12
)


def _frame(data):
    frame = pd.DataFrame(data, columns=["group", "responses", "non_responders"])
    frame["attendances"] = frame["responses"] + frame["non_responders"]
    frame["response_rate"] = frame["responses"] / frame["attendances"].where(frame["attendances"] > 0)
    return frame.drop(columns="non_responders")


def _suppress(frame, min_cell):
    return suppress(
        frame,
        counts=["responses", "attendances"],
        rates={"response_rate": "attendances"},
        numerators={"response_rate": "responses"},
        group_by=["group"],
        min_cell=min_cell,
    )


@settings(max_examples=200, deadline=None)
@given(data=rows, min_cell=st.integers(2, 8))
def test_property_no_visible_small_count(data, min_cell):
    """No visible count lies between 1 and min_cell - 1."""
    out = _suppress(_frame(data), min_cell)
    for column in ("responses", "attendances"):
        visible = out[column].dropna()
        assert not ((visible >= 1) & (visible < min_cell)).any()


@settings(max_examples=200, deadline=None)
@given(data=rows, min_cell=st.integers(2, 8))
def test_property_group_total_reveals_no_hidden_cell(data, min_cell):
    """Where a group's total may be shown, its hidden cells are never one alone nor a small sum."""
    frame = _frame(data)
    out = _suppress(frame, min_cell)
    for column in ("responses", "attendances"):
        for _, members in frame.groupby("group"):
            total = members[column].sum()
            if 0 < total < min_cell or len(members) < 2:
                continue
            hidden = out.loc[members.index, f"{column}_suppressed"]
            hidden_sum = members.loc[hidden, column].sum()
            assert hidden.sum() != 1
            assert hidden_sum == 0 or hidden_sum >= min_cell


@settings(max_examples=200, deadline=None)
@given(data=rows, min_cell=st.integers(2, 8))
def test_property_hidden_value_never_in_output(data, min_cell):
    """A small hidden count is NaN and appears nowhere in its row's output, not even via the rate."""
    frame = _frame(data)
    out = _suppress(frame, min_cell)
    csv_lines = out.to_csv(index=False).splitlines()[1:]
    for position, raw in enumerate(frame["responses"]):
        if 1 <= raw < min_cell:
            assert math.isnan(out["responses"].iloc[position])
            numbers = {float(token) for token in re.findall(r"-?\d+(?:\.\d+)?", csv_lines[position])}
            assert float(raw) not in numbers
            assert math.isnan(out["response_rate"].iloc[position])
