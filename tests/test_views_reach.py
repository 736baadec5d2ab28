"""Event reach views: suppression reaches the table and the figure, and empty rows explain themselves."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from charts.reach import NO_ATTENDANCES, NO_REGISTRATIONS
from data_access.queries import reach
from views.base import prepare_view
from views.reach import (
    ATTENDANCES_BY_MONTH,
    ATTENDANCES_BY_REGION,
    CONVERSION_BY_EVENT_TYPE,
    CUMULATIVE_REACH,
    EVENT_REACH_VIEWS,
    REACH_BY_MONTH,
    events_table,
)

AS_OF = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)

QUERY_COLUMNS = {
    REACH_BY_MONTH.id: reach.REACH_BY_MONTH_COLUMNS,
    "attendances-by-month": reach.BY_MONTH_AND_TYPE_COLUMNS,
    "attendances-by-region": reach.BY_REGION_COLUMNS,
    "attendances-by-stage": reach.BY_STAGE_COLUMNS,
    "conversion-by-event-type": reach.CONVERSION_COLUMNS,
    "new-vs-returning": reach.NEW_VS_RETURNING_COLUMNS,
    "cumulative-reach": reach.CUMULATIVE_REACH_COLUMNS,
}


def regions(attendances: list[int], participants: list[int]) -> pd.DataFrame:
    codes = ["LDN", "WM", "SCN", "NI"][: len(attendances)]
    return pd.DataFrame(
        {
            "region": codes,
            "region_name": [f"Region {code}" for code in codes],
            "nation": ["England"] * len(codes),
            "attendances": attendances,
            "unique_participants": participants,
        }
    )


def figure_text(figure) -> str:
    return json.dumps(figure.to_plotly_json(), default=str)


def test_small_region_count_hidden_in_table():
    """A region with 3 attendances is NaN and flagged in the table offered for download."""
    prepared = prepare_view(
        ATTENDANCES_BY_REGION, regions([40, 3, 2], [20, 3, 2]), min_cell=5, data_as_of=AS_OF
    )
    table = prepared.table.set_index("region")
    assert pd.isna(table.loc["WM", "attendances"])
    assert table.loc["WM", "attendances_suppressed"]
    assert table.loc["LDN", "attendances"] == 40


def test_small_region_count_absent_from_figure():
    """The figure draws no bar and writes no hover text for a hidden count."""
    prepared = prepare_view(
        ATTENDANCES_BY_REGION, regions([40, 3, 2], [20, 3, 2]), min_cell=5, data_as_of=AS_OF
    )
    bars = next(trace for trace in prepared.figure.data if trace.name == "Attendances")
    assert 3.0 not in [value for value in bars.x if value is not None]
    assert "Attendances: 3<" not in figure_text(prepared.figure)
    assert "<5" in figure_text(prepared.figure)


def test_internal_view_shows_exact_small_numbers():
    """With min_cell None the table and figure keep the 3."""
    prepared = prepare_view(
        ATTENDANCES_BY_REGION, regions([40, 3, 2], [20, 3, 2]), min_cell=None, data_as_of=AS_OF
    )
    assert prepared.table.set_index("region").loc["WM", "attendances"] == 3
    assert "Attendances: 3<" in figure_text(prepared.figure)


def test_lone_small_region_gets_a_partner_hidden():
    """One hidden region next to the total would be recoverable, so the next smallest is hidden too."""
    prepared = prepare_view(
        ATTENDANCES_BY_REGION, regions([40, 3, 12], [20, 3, 9]), min_cell=5, data_as_of=AS_OF
    )
    table = prepared.table.set_index("region")
    assert pd.isna(table.loc["SCN", "attendances"])
    assert table.loc["SCN", "attendances_secondary"]


def test_monthly_stack_protects_each_month():
    """A small event type in a month also hides another cell of that month."""
    rows = pd.DataFrame(
        {
            "month": [dt.date(2026, 1, 1)] * 3 + [dt.date(2026, 2, 1)] * 3,
            "event_type": ["induction", "exam_prep", "other"] * 2,
            "event_type_label": ["Induction", "Exam preparation", "Other"] * 2,
            "attendances": [40, 3, 30, 50, 60, 70],
        }
    )
    table = prepare_view(ATTENDANCES_BY_MONTH, rows, min_cell=5, data_as_of=AS_OF).table
    january = table[table["month"] == dt.date(2026, 1, 1)]
    assert january["attendances_suppressed"].sum() >= 2


@pytest.mark.parametrize("view", [REACH_BY_MONTH, *EVENT_REACH_VIEWS], ids=lambda view: view.id)
def test_empty_rows_give_the_empty_message(view):
    """No rows means no figure and a sentence saying there is nothing for these filters."""
    prepared = prepare_view(view, pd.DataFrame(columns=QUERY_COLUMNS[view.id]), min_cell=5, data_as_of=AS_OF)
    assert prepared.figure is None
    assert prepared.empty_message in (NO_ATTENDANCES, NO_REGISTRATIONS)


def test_caption_gives_n_and_data_as_of():
    """The caption states n and when the data was imported."""
    prepared = prepare_view(
        ATTENDANCES_BY_REGION, regions([40, 3, 2], [20, 3, 2]), min_cell=5, data_as_of=AS_OF
    )
    assert prepared.caption == "n = 45 attendances · data as of 26 Nov 2026, 09:00 GMT"


def test_cumulative_download_leaves_out_monthly_new_counts():
    """The cumulative reach download has the running total, not the monthly new participants."""
    rows = pd.DataFrame(
        {
            "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
            "new_participants": [30, 2],
            "cumulative_unique_participants": [30, 32],
        }
    )
    table = prepare_view(CUMULATIVE_REACH, rows, min_cell=5, data_as_of=AS_OF).table
    assert "new_participants" not in table.columns
    assert list(table["cumulative_unique_participants"]) == [30, 32]


def events(registrations: list[int], responses: list[int], pct_excellent: list[float | None]) -> pd.DataFrame:
    count = len(registrations)
    return pd.DataFrame(
        {
            "event_id": [f"E{n}" for n in range(count)],
            "title": [f"Event {n}" for n in range(count)],
            "date": [dt.date(2026, 1, 1 + n) for n in range(count)],
            "event_type": ["induction"] * count,
            "event_type_label": ["Induction"] * count,
            "delivery": ["virtual"] * count,
            "host_region": ["National"] * count,
            "registrations": registrations,
            "attendances": registrations,
            "feedback_responses": responses,
            "pct_excellent": pct_excellent,
        }
    )


def test_events_table_hides_excellence_on_few_responses():
    """% excellent on 3 responses is hidden along with the 3; larger events stay."""
    table = events_table(events([50, 40, 30], [20, 3, 10], [80.0, 66.7, 90.0]), min_cell=5)
    assert pd.isna(table.loc[1, "pct_excellent"])
    assert pd.isna(table.loc[1, "feedback_responses"])
    assert table.loc[0, "pct_excellent"] == 80.0


def test_events_table_hides_small_registrations():
    """An event with 2 registrations shows neither its registrations nor its attendances."""
    table = events_table(events([50, 2, 30], [20, 0, 10], [80.0, None, 90.0]), min_cell=5)
    assert pd.isna(table.loc[1, "registrations"])
    assert pd.isna(table.loc[1, "attendances"])


def test_events_table_internal_view_is_unchanged():
    """With min_cell None the events table is returned as queried."""
    rows = events([50, 2], [20, 1], [80.0, 100.0])
    pd.testing.assert_frame_equal(events_table(rows, min_cell=None), rows)


def test_reach_key_message_says_at_least_when_a_month_is_hidden():
    """A withheld month makes the total a lower bound, and the title says so."""
    rows = pd.DataFrame(
        {
            "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)],
            "registrations": [60, 3, 40],
            "attendances": [50, 2, 30],
            "unique_participants": [45, 2, 28],
        }
    )
    prepared = prepare_view(REACH_BY_MONTH, rows, min_cell=5, data_as_of=AS_OF)
    assert prepared.key_message.startswith("At least 50 attendances from January 2026 to March 2026")


def test_conversion_key_message_when_every_rate_is_withheld():
    """With every event type too small the title names the chart rather than a rate."""
    rows = pd.DataFrame(
        {
            "event_type": ["induction", "other"],
            "event_type_label": ["Induction", "Other"],
            "registrations": [3, 2],
            "attendances": [2, 1],
        }
    )
    prepared = prepare_view(CONVERSION_BY_EVENT_TYPE, rows, min_cell=5, data_as_of=AS_OF)
    assert prepared.key_message == "Registration-to-attendance conversion by event type"


def test_monthly_stack_key_message_when_every_cell_is_withheld():
    """With every cell withheld the title names the chart and period, with no "at least 0"."""
    rows = pd.DataFrame(
        {
            "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
            "event_type": ["induction", "induction"],
            "event_type_label": ["Induction", "Induction"],
            "attendances": [3, 2],
        }
    )
    prepared = prepare_view(ATTENDANCES_BY_MONTH, rows, min_cell=5, data_as_of=AS_OF)
    assert prepared.key_message == "Attendances by month and event type, January 2026 to February 2026"
