"""SPC views: suppression before SPC, withheld and part periods, direction, baseline and the contract."""

import datetime as dt
import json

import pandas as pd
import pytest

from data_access.filters import Filters
from domain.spc import SPC_COLUMNS, SpcResult, xmr
from tests.factories import FactRows
from views.base import prepare_view, run_query
from views.reach import ATTENDANCES_BY_REGION
from views.spc import (
    SPC_ATTENDANCES,
    SPC_EXCELLENT,
    SPC_MIN_POINTS,
    baseline_points_for,
    monthly_attendances,
    outcome_spc_view,
    prepare_spc_view,
    spc_views,
    whole_periods,
)

MONTHS = [dt.date(2025, month, 1) for month in range(1, 13)]
STEADY = [40, 44, 38, 42, 45, 39, 41, 43, 40, 44, 42, 41]


def attendance_rows(values, *, months=MONTHS, whole=None):
    """Return rows shaped like ``monthly_attendances``."""
    return pd.DataFrame(
        {
            "period": months[: len(values)],
            "attendances": values,
            "whole_period": [True] * len(values) if whole is None else whole,
        }
    )


def prepared(rows, view=SPC_ATTENDANCES, **kwargs):
    kwargs.setdefault("min_cell", 5)
    return prepare_spc_view(view, rows, data_as_of=None, **kwargs)


def test_table_has_exactly_the_spc_columns_and_result():
    """The download table has exactly SPC_COLUMNS and the result rides along as ``spc``."""
    result = prepared(attendance_rows(STEADY))
    assert tuple(result.table.columns) == SPC_COLUMNS
    assert isinstance(result.spc, SpcResult)
    assert result.table["value"].tolist() == STEADY


def test_limits_are_those_of_the_domain_rules():
    """The view's mean and limits are domain.spc.xmr's on the same monthly values."""
    expected = xmr(periods=MONTHS, values=STEADY, direction="up")
    result = prepared(attendance_rows(STEADY)).spc
    assert result.mean == pytest.approx(expected.mean)
    assert result.upper_limit == pytest.approx(expected.upper_limit)
    assert result.lower_two_sigma == pytest.approx(expected.lower_two_sigma)


def test_prepare_view_hands_spc_views_to_prepare_spc_view():
    """prepare_view on an SPC view gives the same SPC table, so cached_view works for it."""
    rows = attendance_rows(STEADY)
    through_base = prepare_view(SPC_ATTENDANCES, rows, min_cell=5, data_as_of=None)
    pd.testing.assert_frame_equal(through_base.table, prepared(rows).table)
    assert through_base.spc is not None


def test_other_views_carry_no_spc_result():
    """A non-SPC view's PreparedView has spc None."""
    rows = pd.DataFrame({"region": ["LDN"], "region_name": ["London"], "nation": ["England"],
                         "attendances": [12], "unique_participants": [9]})
    assert prepare_view(ATTENDANCES_BY_REGION, rows, min_cell=5, data_as_of=None).spc is None


def test_withheld_months_leave_no_trace_in_table_or_figure():
    """A month of 3 attendances (and the month hidden to protect it) are in neither table nor figure JSON."""
    values = [40, 44, 38, 3, 45, 39, 41, 43, 17, 44, 42, 41]
    result = prepared(attendance_rows(values))
    figure = json.dumps(result.figure.to_plotly_json(), default=str)
    plotted = {y for trace in result.figure.data for y in (trace.y or ())}
    assert dt.date(2025, 4, 1) not in set(result.table["period"])
    assert dt.date(2025, 9, 1) not in set(result.table["period"])
    assert "2025-04-01" not in figure and "2025-09-01" not in figure
    assert "Apr 2025" not in figure and "Sep 2025" not in figure
    assert 3 not in plotted and 17 not in plotted
    assert "2 months withheld to protect individuals" in result.caption


def test_internal_view_shows_small_months():
    """With min_cell None (internal view) a month of 3 attendances is charted."""
    values = [40, 44, 38, 3, 45, 39, 41, 43, 17, 44, 42, 41]
    assert prepared(attendance_rows(values), min_cell=None).table["value"].tolist() == values


def test_part_months_are_left_out_and_counted():
    """Months only partly inside the dates are not charted; the caption says how many."""
    whole = [False] + [True] * 10 + [False]
    result = prepared(attendance_rows(STEADY, whole=whole))
    assert result.table["period"].tolist() == MONTHS[1:11]
    assert "2 part months at the ends of the dates left out" in result.caption


def test_too_few_points_give_an_empty_state_naming_the_counts():
    """A month of 2, and the smallest month hidden to protect it, leave 4: no chart, both counts said."""
    result = prepared(attendance_rows([40, 44, 2, 42, 45, 39]))
    assert result.figure is None and result.spc is None
    assert tuple(result.table.columns) == SPC_COLUMNS and result.table.empty
    assert "4 whole months can be shown (2 months withheld to protect individuals)" in result.empty_message
    assert f"at least {SPC_MIN_POINTS} are needed" in result.empty_message


def test_no_rows_give_the_views_empty_message():
    """An empty query result shows the view's own empty message."""
    result = prepared(attendance_rows([]))
    assert result.empty_message == SPC_ATTENDANCES.empty_message


def test_excellent_rate_is_withheld_with_a_small_excellent_count():
    """A month with 40 responses but 3 excellent has no % point (3 = 7.5% of 40 would give it back)."""
    responses = [40] * 8
    excellent = [30, 32, 3, 31, 29, 33, 30, 31]
    rows = pd.DataFrame({"period": MONTHS[:8], "responses": responses, "excellent": excellent,
                         "whole_period": [True] * 8})
    result = prepared(rows, view=SPC_EXCELLENT)
    assert dt.date(2025, 3, 1) not in set(result.table["period"])
    assert result.table["value"].iloc[0] == pytest.approx(75.0)


def test_direction_comes_from_the_registry():
    """A spike is a concern for the ARCP unsatisfactory rate (lower is better), a gain for a pass rate."""
    quarters = [f"{2023 + q // 4} Q{q % 4 + 1}" for q in range(8)]
    events = [10, 11, 10, 9, 10, 11, 10, 60]
    rows = pd.DataFrame({"measure": "m", "period": quarters, "n": [100] * 8, "events": events,
                         "whole_period": [True] * 8})
    arcp = outcome_spc_view(measure="m", label="ARCP", category="arcp")
    exam = outcome_spc_view(measure="m", label="MRCPCH Clinical", category="exam")
    assert prepared(rows, view=arcp).table["variation"].iloc[-1] == "concern"
    assert prepared(rows, view=exam).table["variation"].iloc[-1] == "improvement"


def test_limits_stay_within_what_the_values_can_be():
    """Count limits never go below 0 and percentage limits never above 100."""
    rows = attendance_rows([0, 90, 5, 80, 0, 95, 10, 85])
    assert prepared(rows, min_cell=None).spc.lower_limit == 0
    quarters = [f"2024 Q{q}" for q in range(1, 5)] + [f"2025 Q{q}" for q in range(1, 5)]
    rates = pd.DataFrame({"measure": "m", "period": quarters, "n": [20] * 8,
                          "events": [20, 6, 19, 7, 20, 5, 18, 6], "whole_period": [True] * 8})
    result = prepared(rates, view=outcome_spc_view(measure="m", label="ST1", category="recruitment"))
    assert result.spc.upper_limit == 100
    assert result.table["upper_limit"].max() == 100


def test_baseline_freezes_the_limits_after_it():
    """With a 6-month baseline the limits are those of the first six months alone."""
    values = STEADY[:6] + [60, 62, 61, 63, 60, 64]
    result = prepared(attendance_rows(values), baseline_points=6).spc
    assert result.mean == pytest.approx(sum(values[:6]) / 6)
    assert result.baseline_points == 6


def test_a_target_gives_an_assurance_icon():
    """A target above the upper limit of a higher-is-better series reads 'consistently fail'."""
    assert prepared(attendance_rows(STEADY), target=500).spc.assurance_icon == "consistently_fail"


def test_baseline_points_outside_the_series_are_refused():
    """baseline_points below SPC_MIN_POINTS raises ValueError rather than drawing limits from 2 points."""
    with pytest.raises(ValueError, match="baseline_points"):
        prepared(attendance_rows(STEADY), baseline_points=2)


def test_baseline_text_is_turned_into_points():
    """"2025-08" ends an 8-month baseline; the last month means the whole series."""
    assert baseline_points_for("2025-08", periods=MONTHS, period_word="month") == 8
    assert baseline_points_for("2025-12", periods=MONTHS, period_word="month") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("June", "not a month written like 2025-06"),
        ("2025-13", "not a month written like 2025-06"),
        ("2024-06", "not one of the months in this chart"),
        ("2025-03", "it needs at least 6"),
    ],
)
def test_bad_baseline_text_gets_a_plain_message(text, message):
    """No month, a month outside the chart or too short a baseline raises a readable ValueError."""
    with pytest.raises(ValueError, match=message):
        baseline_points_for(text, periods=MONTHS, period_word="month")


def test_quarter_baselines_accept_either_spelling():
    """"2024-Q4" and "2024 q4" both name the fourth quarter of 2024."""
    quarters = [f"{2023 + q // 4} Q{q % 4 + 1}" for q in range(10)]
    assert baseline_points_for("2024-Q4", periods=quarters, period_word="quarter") == 8
    assert baseline_points_for("2024 q4", periods=quarters, period_word="quarter") == 8


def test_whole_periods_follow_the_filter_dates():
    """A month is whole when the dates cover it from its first to its last day."""
    filters = Filters(date_from=dt.date(2025, 1, 2), date_to=dt.date(2025, 3, 31))
    months = [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert whole_periods(months, filters=filters) == [False, True, True]
    assert whole_periods(["2025 Q1"], filters=Filters(date_from=dt.date(2025, 1, 1))) == [True]


def test_spc_views_come_in_page_order(engine):
    """Attendances, % excellent, then one view per outcome measure in reference order, all "spc-" ids."""
    views = spc_views(engine)
    ids = [view.id for view in views]
    assert ids[:3] == ["spc-attendances", "spc-pct-excellent", "spc-outcome-mrcpch-fop"]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert all(view_id.startswith("spc-") for view_id in ids)


def test_monthly_attendances_fill_months_without_events(engine):
    """A month with no events between two with events is a 0, not a gap; part months are flagged."""
    rows = FactRows(engine)
    for key, day in (("E1", dt.date(2025, 1, 20)), ("E3", dt.date(2025, 3, 5))):
        rows.event(key=key, date=day)
        for person in range(6):
            rows.attendance(event=key, person=f"{key}-{person}")
    filters = Filters(date_from=dt.date(2025, 1, 15), date_to=dt.date(2025, 4, 30))
    frame = monthly_attendances(engine, filters=filters)
    assert frame["attendances"].tolist() == [6, 0, 6]
    assert frame["whole_period"].tolist() == [False, True, True]


def test_spc_views_run_on_the_database(engine):
    """Every SPC view's query runs on each backend and prepares without error on an empty database."""
    for view in spc_views(engine):
        result = prepare_view(view, run_query(view, engine, filters=Filters()), min_cell=5, data_as_of=None)
        assert result.figure is None and result.empty_message


def quarter_rows(events, *, n=40):
    """Return rows shaped like ``quarterly_outcomes`` for one measure "m", from 2023 Q1."""
    quarters = [f"{2023 + q // 4} Q{q % 4 + 1}" for q in range(len(events))]
    return pd.DataFrame({"measure": "m", "period": quarters, "n": n, "events": events,
                         "whole_period": True})


EXAM = outcome_spc_view(measure="m", label="MRCPCH Clinical", category="exam")


def test_a_withheld_quarter_keeps_its_place_on_the_axis():
    """The quarterly axis lists a withheld quarter, but no value is drawn for it."""
    result = prepared(quarter_rows([20, 22, 3, 21, 19, 23, 20, 22, 21]), view=EXAM)
    axis = list(result.figure.layout.xaxis.categoryarray)
    assert axis[:4] == ["2023 Q1", "2023 Q2", "2023 Q3", "2023 Q4"]
    drawn = {x for trace in result.figure.data for x in (trace.x or ())}
    assert "2023 Q3" not in drawn


def test_more_than_a_third_withheld_gives_no_chart():
    """With 4 of 10 quarters withheld the limits would span gaps, so there is no chart."""
    result = prepared(quarter_rows([20, 2, 22, 3, 21, 19, 4, 23, 20, 1]), view=EXAM)
    assert result.figure is None
    assert "4 of 10 whole quarters are withheld" in result.empty_message


def test_description_names_each_stretch_of_signals_once():
    """A step up after six low months is described as two stretches, not twelve points."""
    values = [30, 31, 29, 30, 31, 30, 50, 51, 49, 50, 52, 50]
    text = prepared(attendance_rows(values)).alt_text
    assert "12 points show special cause variation: Jan 2025 to Jun 2025 (concern), " in text
    assert "Jul 2025 to Dec 2025 (improvement)." in text
