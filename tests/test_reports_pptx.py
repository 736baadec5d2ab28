"""The meeting pack's PowerPoint deck, read back with python-pptx: slide
count, native charts whose values are the suppressed query results, filters
on the title slide, no small numbers, SPC limits and special causes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from pptx import Presentation

from data_access.queries import reach
from domain.suppression import suppress
from reports.export import make_pack
from reports.pack import pack_views
from tests.pack_data import (
    BACKENDS,
    MONTHLY_ATTENDANCES,
    PACK_FILTER_TEXT,
    PACK_FILTERS,
    SMALL_REGIONS,
    seeded_database,
)
from views.base import prepare_view, run_query
from views.reach import ATTENDANCES_BY_REGION, ATTENDANCES_BY_STAGE, NEW_VS_RETURNING, REACH_BY_MONTH

MIN_CELL = 5
COUNT_FORMAT = "#,##0"
# Count views: (category column, {series name: count column}), as a reader of the slide expects them.
COUNT_SERIES = {
    ATTENDANCES_BY_REGION.id: ("region_name", {"Attendances": "attendances",
                                               "Unique participants": "unique_participants"}),
    ATTENDANCES_BY_STAGE.id: ("stage_label", {"Attendances": "attendances",
                                              "Unique participants": "unique_participants"}),
    REACH_BY_MONTH.id: ("month", {"Registrations": "registrations", "Attendances": "attendances",
                                  "Unique participants": "unique_participants"}),
    NEW_VS_RETURNING.id: ("month", {"New": "new_participants", "Returning": "returning_participants"}),
}
COUNT_VIEWS = {view.id: view for view in (ATTENDANCES_BY_REGION, ATTENDANCES_BY_STAGE, REACH_BY_MONTH,
                                          NEW_VS_RETURNING)}
C_NS = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request, tmp_path_factory):
    """Return an engine on the pack test data set, on each backend, shared by this file's tests."""
    with seeded_database(request.param, tmp_path_factory.mktemp("pptx"), name="reports_pptx") as engine:
        yield engine


@pytest.fixture(scope="module")
def deck(seeded):
    """Return the deck made for the pack filters, read back with python-pptx."""
    _, data = make_pack(seeded, filters=PACK_FILTERS, fmt="pptx", min_cell=MIN_CELL)
    return Presentation(io.BytesIO(data))


def charts_by_view(deck) -> dict[str, object]:
    return {shape.name: shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart}


def series_values(chart) -> dict[str, list[float | None]]:
    return {series.name: list(series.values) for series in chart.plots[0].series}


def shown(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(value) else float(value) for value in values]


def number_format(series) -> str:
    return series._element.find(f"{C_NS}val").find(f".//{C_NS}formatCode").text


def test_slide_count_is_two_plus_each_view_with_data(seeded, deck):
    """The deck has a title slide, a KPI slide and one slide per chart view that has data."""
    with_data = [
        view for view in pack_views(seeded)
        if prepare_view(view, run_query(view, seeded, filters=PACK_FILTERS), min_cell=MIN_CELL,
                        data_as_of=None).figure is not None
    ]
    assert len(with_data) >= 10
    assert len(deck.slides) == 2 + len(with_data)


def test_every_chart_slide_has_a_native_chart(deck):
    """Each slide after the KPI slide carries a real chart object, never a picture."""
    for slide in list(deck.slides)[2:]:
        assert sum(shape.has_chart for shape in slide.shapes) == 1
        assert not any(shape.shape_type == 13 for shape in slide.shapes)  # MSO_SHAPE_TYPE.PICTURE


def test_title_slide_states_organisation_period_filters_and_data_as_of(deck):
    """The title slide names Soft Landing, the period, the filters and when the data is from."""
    text = " ".join(shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame)
    assert "Soft Landing" in text
    assert "Period: 1 Jan 2025 – 31 Dec 2025" in text
    assert f"Filters: {PACK_FILTER_TEXT}" in text
    assert "Data as of" in text


@pytest.mark.parametrize("view_id", list(COUNT_SERIES))
def test_count_chart_values_equal_suppressed_query(seeded, deck, view_id):
    """A count chart's categories and series are the query's rows after suppression, in order."""
    view = COUNT_VIEWS[view_id]
    label, columns = COUNT_SERIES[view_id]
    expected = suppress(run_query(view, seeded, filters=PACK_FILTERS), counts=view.counts,
                        group_by=view.group_by, min_cell=MIN_CELL)
    chart = charts_by_view(deck)[view.id]
    categories = list(chart.plots[0].categories)
    if label == "month":
        assert categories == [f"{pd.Timestamp(month):%b %Y}" for month in expected["month"]]
    else:
        assert categories == list(expected[label])
    assert series_values(chart) == {name: shown(expected[column]) for name, column in columns.items()}


def test_excellent_by_month_values_are_shown_rates(seeded, deck):
    """The monthly % excellent line is excellent / responses per month, as a fraction."""
    rows = run_query(next(v for v in pack_views(seeded) if v.id == "excellent-by-month"), seeded,
                     filters=PACK_FILTERS)
    expected = [excellent / responses for excellent, responses in zip(rows["excellent"], rows["responses"])]
    got = series_values(charts_by_view(deck)["excellent-by-month"])["% excellent"]
    assert got == pytest.approx(expected)


def test_small_counts_exist_in_the_source_data(seeded):
    """The data set really has regions with 1 to 4 attendances, so the next test can fail."""
    rows = reach.attendances_by_region(seeded, filters=PACK_FILTERS)
    small = dict(zip(rows["region"], rows["attendances"]))
    assert {region: small[region] for region in SMALL_REGIONS} == SMALL_REGIONS


def test_no_count_from_1_to_4_in_any_chart_or_table(deck):
    """No count series of any chart, and no table cell, holds a value from 1 to 4."""
    count_series = 0
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                for series in shape.chart.plots[0].series:
                    if number_format(series) == COUNT_FORMAT:
                        count_series += 1
                        small = [v for v in series.values if v is not None and 1 <= v < MIN_CELL]
                        assert small == [], series.name
            if shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        assert cell.text.strip() not in {"1", "2", "3", "4"}
    assert count_series >= 8


def test_small_regions_are_blank_in_the_region_chart(deck):
    """West Midlands (2) and Scotland North (3) appear as categories with no value."""
    chart = charts_by_view(deck)["attendances-by-region"]
    values = dict(zip(chart.plots[0].categories, series_values(chart)["Attendances"]))
    assert values["West Midlands"] is None
    assert values["Scotland North"] is None
    assert values["London"] is None or values["London"] >= MIN_CELL


def test_spc_slide_draws_mean_and_process_limits(deck):
    """The attendances SPC chart has the monthly values, their mean and mean ± 2.66 × mean moving range."""
    series = series_values(charts_by_view(deck)["spc-attendances"])
    values = np.array(series["Value"], dtype=float)
    attended = np.array(MONTHLY_ATTENDANCES, dtype=float)
    # March has the small regions' 5 attendances and June the six formula-titled events' 36.
    attended[2] += sum(SMALL_REGIONS.values())
    attended[5] += 36
    assert values.tolist() == attended.tolist()
    mean = attended.mean()
    spread = 2.66 * np.abs(np.diff(attended)).mean()
    assert series["Mean"] == pytest.approx([mean] * 12)
    assert series["Upper process limit"] == pytest.approx([mean + spread] * 12)
    assert series["Lower process limit"] == pytest.approx([max(mean - spread, 0.0)] * 12)


def test_spc_slide_marks_the_special_cause_in_its_colour(deck):
    """August's 80 attendances, above the upper limit, are an improvement point drawn in blue #00B0F0."""
    chart = charts_by_view(deck)["spc-attendances"]
    special = next(s for s in chart.plots[0].series if s.name == "Special cause: improvement")
    points = [v for v in special.values if v is not None]
    assert points == [80.0]
    assert str(special.marker.format.fill.fore_color.rgb) == "00B0F0"
    assert list(special.values).index(80.0) == 7


def test_chart_notes_give_n_definitions_and_caveats(deck):
    """A chart slide's speaker notes hold its n, the registry definitions and the suppression caveat."""
    slide = next(s for s in deck.slides if any(sh.name == "attendances-by-region" for sh in s.shapes))
    notes = slide.notes_slide.notes_text_frame.text
    assert "n = " in notes
    assert "Attendances: Number of counted attendance rows where the person attended." in notes
    assert "To protect individuals" in notes
    assert "Filters: All regions" in notes


def test_spc_notes_say_trial_limits_for_short_series(seeded):
    """An SPC chart with fewer than 12 months says "trial limits" in its notes."""
    short = dataclasses.replace(PACK_FILTERS, date_to=dt.date(2025, 8, 31))
    _, data = make_pack(seeded, filters=short, fmt="pptx", min_cell=MIN_CELL)
    slide = next(s for s in Presentation(io.BytesIO(data)).slides
                 if any(sh.name == "spc-attendances" for sh in s.shapes))
    assert "Trial limits" in slide.notes_slide.notes_text_frame.text
