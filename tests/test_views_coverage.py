"""Regional coverage views: cartogram suppression, the reps table, regions
covered by month, empty states, and reps judged at the end of the period."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from charts.cartogram import NO_REGIONS
from charts.coverage import NO_COVERAGE
from data_access.filters import Filters
from tests.factories import FactRows
from views.base import prepare_view
from views.coverage import (
    REGION_COVERAGE,
    REGIONS_COVERED_BY_MONTH,
    STILL_SERVING,
    period_end,
    region_coverage_at_period_end,
    reps_at_period_end,
    reps_display_table,
)

AS_OF = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def coverage_rows(**attendances: int) -> pd.DataFrame:
    regions = list(attendances)
    return pd.DataFrame(
        {
            "region": regions,
            "region_name": [f"Region {code}" for code in regions],
            "nation": ["England"] * len(regions),
            "nhse_region": ["London"] * len(regions),
            "lat": [51.5] * len(regions),
            "lon": [-0.1] * len(regions),
            "active_reps": [1, 0, 2][: len(regions)],
            "active_rep_names": ["Dr A. Example", "", "Dr B. Example; Dr C. Example"][: len(regions)],
            "attendances": list(attendances.values()),
            "unique_participants": list(attendances.values()),
        }
    )


def months_rows(covered: list[int], total: int) -> pd.DataFrame:
    months = [dt.date(2025, month, 1) for month in range(1, len(covered) + 1)]
    return pd.DataFrame(
        {
            "month": months,
            "as_of": months,
            "regions_with_active_rep": covered,
            "regions_total": [total] * len(covered),
        }
    )


def test_cartogram_hides_small_reach():
    """A region with 3 attendances shows no number in the table behind the map."""
    prepared = prepare_view(
        REGION_COVERAGE, coverage_rows(LDN=40, WM=3, SCN=25), min_cell=5, data_as_of=AS_OF
    )
    table = prepared.table.set_index("region")
    assert pd.isna(table.loc["WM", "attendances"])
    assert bool(table.loc["WM", "attendances_suppressed"])


def test_cartogram_secondary_suppression_protects_the_total():
    """A lone small region also hides the next-smallest region, so it cannot be subtracted out."""
    prepared = prepare_view(
        REGION_COVERAGE, coverage_rows(LDN=40, WM=3, SCN=25), min_cell=5, data_as_of=AS_OF
    )
    table = prepared.table.set_index("region")
    assert pd.isna(table.loc["SCN", "attendances"])
    assert table.loc["LDN", "attendances"] == 40


def test_cartogram_hover_never_shows_a_hidden_count():
    """No hover text on the map carries the hidden count."""
    prepared = prepare_view(
        REGION_COVERAGE, coverage_rows(LDN=40, WM=3, SCN=25), min_cell=5, data_as_of=AS_OF
    )
    hovers = " ".join(prepared.figure.data[0].hovertext)
    assert "Attendances: 3" not in hovers and "Attendances: 25" not in hovers
    assert "Attendances: <5" in hovers


def test_cartogram_internal_view_shows_exact_numbers():
    """With min_cell None (internal view) small reach is shown exactly."""
    prepared = prepare_view(
        REGION_COVERAGE, coverage_rows(LDN=40, WM=3, SCN=25), min_cell=None, data_as_of=AS_OF
    )
    assert prepared.table.set_index("region").loc["WM", "attendances"] == 3


def test_cartogram_table_leaves_out_coordinates():
    """The downloadable table has reps and reach, not map coordinates."""
    prepared = prepare_view(REGION_COVERAGE, coverage_rows(LDN=40), min_cell=5, data_as_of=AS_OF)
    assert "lat" not in prepared.table.columns
    assert "active_rep_names" in prepared.table.columns


def test_cartogram_empty_state():
    """No regions gives the cartogram's empty message and no figure."""
    prepared = prepare_view(REGION_COVERAGE, coverage_rows().iloc[0:0], min_cell=5, data_as_of=AS_OF)
    assert prepared.figure is None
    assert prepared.empty_message == NO_REGIONS


def test_regions_covered_caption_counts_regions_selected():
    """The caption's n is the regions selected, never marked "<5" (regions are not people)."""
    prepared = prepare_view(
        REGIONS_COVERED_BY_MONTH, months_rows([1, 2, 2], total=3), min_cell=5, data_as_of=AS_OF
    )
    assert prepared.caption.startswith("n = 3 training regions selected")


def test_regions_covered_empty_state():
    """No months gives the coverage empty message."""
    prepared = prepare_view(REGIONS_COVERED_BY_MONTH, months_rows([], total=19), min_cell=5, data_as_of=AS_OF)
    assert prepared.empty_message == NO_COVERAGE


def test_reps_display_table_reads_plainly():
    """Roles are capitalised, open appointments read "still serving", active reads Yes/No."""
    reps = pd.DataFrame(
        {
            "name": ["Dr A. Example", "Dr B. Example"],
            "region": ["LDN", "WM"],
            "region_name": ["London", "West Midlands"],
            "role": ["lead", "deputy"],
            "start_date": [dt.date(2024, 1, 1), dt.date(2023, 5, 1)],
            "end_date": [None, dt.date(2025, 2, 28)],
            "active": [True, False],
        }
    )
    shown = reps_display_table(reps)
    assert list(shown.columns) == ["Name", "Region", "Role", "Start", "End", "Active"]
    assert shown.iloc[0].tolist() == ["Dr A. Example", "London", "Lead", "2024-01-01", STILL_SERVING, "Yes"]
    assert shown.iloc[1].tolist()[-2:] == ["2025-02-28", "No"]


def test_period_end_is_date_to_or_today():
    """Reps are judged on the end of the date filter, or today when it is open."""
    today = dt.date(2026, 11, 26)
    assert period_end(Filters(date_to=dt.date(2025, 7, 31)), today=today) == dt.date(2025, 7, 31)
    assert period_end(Filters(), today=today) == today


def test_region_coverage_counts_reps_active_at_period_end(engine):
    """A rep who left before the end of the period does not cover the region then."""
    rows = FactRows(engine)
    rows.rep(name="Dr A. Example", region="LDN", start_date=dt.date(2024, 1, 1))
    rows.rep(name="Dr B. Example", region="WM", start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 6, 30))
    filters = Filters(regions=("LDN", "WM"), date_from=dt.date(2024, 8, 1), date_to=dt.date(2025, 7, 31))
    coverage = region_coverage_at_period_end(engine, filters=filters).set_index("region")
    assert coverage["active_reps"].to_dict() == {"LDN": 1, "WM": 0}
    reps = reps_at_period_end(engine, filters=filters).set_index("name")
    assert reps["active"].to_dict() == {"Dr A. Example": True, "Dr B. Example": False}
