"""The Regional coverage, Differential attainment and About the data pages,
run in-process with AppTest on the small fixture database plus outcomes, a
benchmark and an MWRES-linked event."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from charts.attainment import NO_OUTCOMES
from data_access.filters import Filters
from data_access.models import Benchmark, OutcomeMeasure
from data_access.periods import training_year_label, training_year_of
from domain.metrics import METRICS
from domain.periods import preset_range
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS
from tests.factories import FactRows
from views.attainment import ENGAGEMENT_VIEWS, OUTCOME_VIEWS, outcome_rates_with_benchmarks
from views.base import prepare_view
from views.coverage import REGION_COVERAGE, period_end, region_coverage_at_period_end

COVERAGE_PAGE = "pages/3_Regional_coverage.py"
ATTAINMENT_PAGE = "pages/4_Differential_attainment.py"
ABOUT_PAGE = "pages/5_About_the_data.py"
FOP_VIEW = next(view for view in OUTCOME_VIEWS if view.id == "outcome-mrcpch-fop")


@pytest.fixture
def outcome_db(app_db):
    """Add FOP results (8 in London, 6 passing; 3 in the West Midlands), an
    IMG benchmark for that training year and an event linked to MWRES 4a."""
    rows = FactRows(app_db)
    sat = dt.date.today() - dt.timedelta(days=30)
    for n in range(8):
        rows.outcome(
            person=f"o{n}",
            measure="mrcpch_fop",
            date=sat,
            result="pass" if n < 6 else "fail",
            region="LDN",
            stage="st2",
        )
    for n in range(3):
        rows.outcome(
            person=f"w{n}",
            measure="mrcpch_fop",
            date=sat,
            result="pass" if n < 2 else "fail",
            region="WM",
            stage="st2",
        )
    with app_db.begin() as conn:
        measure_id = conn.scalar(select(OutcomeMeasure.id).where(OutcomeMeasure.code == "mrcpch_fop"))
        conn.execute(
            insert(Benchmark).values(
                year=training_year_of(sat),
                measure_id=measure_id,
                group_label="IMGs",
                numerator=450,
                denominator=1000,
                source="Synthetic test benchmark",
                batch_id=rows.batch(kind="benchmarks"),
            )
        )
    rows.event(key="MW-1", date=sat, event_type="exam_prep", mwres_indicators=("4a",))
    for n in range(6):
        rows.attendance(event="MW-1", person=f"o{n}", region="LDN", stage="st2")
    return app_db


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    return at.switch_page(page).run()


def default_filters(**selections) -> Filters:
    date_from, date_to = preset_range("last_12_months", today=dt.date.today())
    return Filters(date_from=date_from, date_to=date_to, **selections)


def expected_map_table(engine, filters: Filters) -> pd.DataFrame:
    rows = region_coverage_at_period_end(engine, filters=filters, as_of=period_end(filters))
    return prepare_view(REGION_COVERAGE, rows, min_cell=5, data_as_of=None).table


def reach_by_region(table: pd.DataFrame) -> dict[str, float]:
    return dict(zip(table["region"], table["attendances"].astype("float64").fillna(-1), strict=True))


def fop_key_message(engine, filters: Filters) -> str:
    rows = outcome_rates_with_benchmarks(engine, filters=filters)
    return prepare_view(FOP_VIEW, rows, min_cell=5, data_as_of=None).key_message


def subheaders(at: AppTest) -> list[str]:
    return [element.value for element in at.subheader]


def test_coverage_page_runs_with_map_and_coverage_chart(outcome_db):
    """The Regional coverage page runs with no exception and draws two charts."""
    at = open_page(COVERAGE_PAGE)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2


def test_coverage_map_data_matches_the_query(outcome_db):
    """The table behind the map holds the suppressed query result for the default filters."""
    at = open_page(COVERAGE_PAGE)
    expected = expected_map_table(outcome_db, default_filters())
    assert reach_by_region(at.dataframe[0].value) == reach_by_region(expected)


def test_coverage_map_hides_small_regions(outcome_db):
    """West Midlands (3 attendances) and Scotland North (2) show no number."""
    at = open_page(COVERAGE_PAGE)
    reach = reach_by_region(at.dataframe[0].value)
    assert reach["WM"] == -1 and reach["SCN"] == -1
    assert reach["LDN"] == 15


def test_coverage_region_filter_changes_the_map(outcome_db):
    """Selecting regions recomputes the map for just those regions."""
    at = open_page(COVERAGE_PAGE)
    at.multiselect(key="filter_region").set_value(["LDN", "SCN"]).run()
    assert not at.exception
    expected = expected_map_table(outcome_db, default_filters(regions=("LDN", "SCN")))
    assert reach_by_region(at.dataframe[0].value) == reach_by_region(expected)
    assert set(at.dataframe[0].value["region"]) == {"LDN", "SCN"}


def test_reps_table_lists_reps_with_active_flag(outcome_db):
    """The reps table names both reps; the one who left is not active."""
    at = open_page(COVERAGE_PAGE)
    reps = at.dataframe[1].value
    assert dict(zip(reps["Name"], reps["Active"], strict=True)) == {
        "Synthetic Rep A": "Yes",
        "Synthetic Rep B": "No",
    }


def test_attainment_page_runs_with_charts_and_empty_states(outcome_db):
    """The page runs with no exception: charts where there are results, an explained empty state elsewhere."""
    at = open_page(ATTAINMENT_PAGE)
    assert not at.exception
    charts = {chart.key for chart in at.get("plotly_chart")}
    assert charts == {"chart-outcome-mrcpch-fop", "chart-engagement-exam", "chart-mwres-reach"}
    assert [info.value for info in at.info].count(NO_OUTCOMES) == len(OUTCOME_VIEWS) + len(
        ENGAGEMENT_VIEWS
    ) - 2


def test_attainment_title_matches_the_query(outcome_db):
    """The FOP title states the members' rate (8 of 11) with interval and n, the IMG benchmark of the
    same year, the test's verdict and the self-selection caveat, as computed from the queries."""
    at = open_page(ATTAINMENT_PAGE)
    expected = fop_key_message(outcome_db, default_filters())
    year = training_year_label(training_year_of(dt.date.today() - dt.timedelta(days=30)))
    assert expected.startswith(f"MRCPCH Foundation of Practice pass rate, {year}: members 73% (95% CI ")
    assert f"n = 11). Against IMGs in {year} (45%, n = 1,000): the data cannot tell them apart" in expected
    assert expected.endswith("an association, not an effect of Soft Landing.")
    assert expected in subheaders(at)


def test_attainment_region_filter_changes_the_rate(outcome_db):
    """Filtering to London gives London's rate (6 of 8, 75%)."""
    at = open_page(ATTAINMENT_PAGE)
    at.multiselect(key="filter_region").set_value(["LDN"]).run()
    assert not at.exception
    expected = fop_key_message(outcome_db, default_filters(regions=("LDN",)))
    assert "75%" in expected
    assert expected in subheaders(at)


def test_attainment_small_group_is_withheld(outcome_db):
    """Filtering to the West Midlands (3 results) withholds the members' rate."""
    at = open_page(ATTAINMENT_PAGE)
    at.multiselect(key="filter_region").set_value(["WM"]).run()
    assert not at.exception
    titles = [title for title in subheaders(at) if "Foundation of Practice pass rate" in title]
    assert titles == [
        "MRCPCH Foundation of Practice pass rate: members' rates withheld for these filters (too few results)"
    ]


def test_attainment_mwres_uses_the_linked_event(outcome_db):
    """The MWRES title names indicator 4a with the linked event's 6 attendances."""
    at = open_page(ATTAINMENT_PAGE)
    assert "Most reach under MWRES 4a (Differential attainment: postgraduate exams): 6 attendances" in (
        subheaders(at)
    )


def test_about_page_lists_every_metric_and_import(outcome_db):
    """About the data shows every registered metric and the import history."""
    at = open_page(ABOUT_PAGE)
    assert not at.exception
    definitions = next(table.value for table in at.table if "Definition" in table.value.columns)
    history = next(frame.value for frame in at.dataframe if "File" in frame.value.columns)
    assert list(definitions["Figure"]) == [entry.label for entry in METRICS.values()]
    assert "factory-outcomes.csv" in set(history["File"])


def test_about_page_names_the_benchmark_comparison_test(outcome_db):
    """About the data says which test decides "higher" or "lower" against a benchmark."""
    at = open_page(ABOUT_PAGE)
    assert any(
        "Fisher's exact test" in block.value and "two-proportion z-test" in block.value
        and "self-selected" in block.value
        for block in at.markdown
    )


def test_internal_view_shows_exact_small_reach(outcome_db):
    """Switching exact small numbers on shows West Midlands' 3 attendances on the map."""
    at = open_page(COVERAGE_PAGE)
    at.toggle(key="privacy_exact_toggle").set_value(True).run()
    assert not at.exception
    assert reach_by_region(at.dataframe[0].value)["WM"] == 3
