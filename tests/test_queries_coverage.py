"""Regional coverage queries: reps active on a day, reach by region, coverage by month."""

import datetime as dt

import pytest

from data_access.filters import Filters
from data_access.queries.coverage import (
    COVERED_BY_MONTH_COLUMNS,
    REGION_COVERAGE_COLUMNS,
    REPS_TABLE_COLUMNS,
    region_coverage,
    regions_covered_by_month,
    reps_table,
)
from tests.factories import FactRows

AS_OF = dt.date(2025, 3, 15)
ALL = Filters()


@pytest.fixture
def facts(engine):
    """Return a fact-row helper on the freshly migrated database."""
    return FactRows(engine)


def _row(frame, region):
    return frame.set_index("region").loc[region]


def test_region_coverage_lists_the_nineteen_training_regions(engine):
    """With no region filter every training region appears once, zero-filled, and OVS/UNK never do."""
    coverage = region_coverage(engine, filters=ALL, as_of=AS_OF)
    assert list(coverage.columns) == REGION_COVERAGE_COLUMNS
    assert len(coverage) == 19
    assert coverage["region"].iloc[0] == "LDN"
    assert not {"OVS", "UNK"} & set(coverage["region"])
    assert coverage[["active_reps", "attendances", "unique_participants"]].to_numpy().sum() == 0
    assert set(coverage["active_rep_names"]) == {""}


def test_region_coverage_region_filter_selects_training_regions(engine):
    """The region filter keeps only the selected training regions; OVS is not a training region."""
    coverage = region_coverage(engine, filters=Filters(regions=("WM", "NI", "OVS")), as_of=AS_OF)
    assert list(coverage["region"]) == ["WM", "NI"]
    assert _row(coverage, "NI")["nation"] == "Northern Ireland"
    assert _row(coverage, "WM")["nhse_region"] == "Midlands"


def test_region_coverage_rep_active_on_as_of_boundaries(engine, facts):
    """A rep counts when start <= as_of and end is empty or >= as_of, both ends inclusive."""
    facts.rep(name="Starts today", region="LDN", start_date=AS_OF)
    facts.rep(name="Ends today", region="LDN", start_date=dt.date(2024, 1, 1), end_date=AS_OF)
    facts.rep(name="Open ended", region="LDN", start_date=dt.date(2020, 1, 1))
    facts.rep(
        name="Ended yesterday",
        region="LDN",
        start_date=dt.date(2024, 1, 1),
        end_date=AS_OF - dt.timedelta(days=1),
    )
    facts.rep(name="Starts tomorrow", region="LDN", start_date=AS_OF + dt.timedelta(days=1))
    london = _row(region_coverage(engine, filters=ALL, as_of=AS_OF), "LDN")
    assert london["active_reps"] == 3
    assert london["active_rep_names"] == "Ends today; Open ended; Starts today"


def test_region_coverage_rep_names_sort_ignoring_case(engine, facts):
    """Active rep names are joined with "; " in alphabetical order regardless of case."""
    for name in ("Zara Rep", "de Souza", "Amir Rep"):
        facts.rep(name=name, region="EOE", start_date=dt.date(2024, 1, 1))
    east = _row(region_coverage(engine, filters=ALL, as_of=AS_OF), "EOE")
    assert east["active_rep_names"] == "Amir Rep; de Souza; Zara Rep"


def test_region_coverage_is_empty_with_columns_for_non_training_regions(engine):
    """Selecting only OVS gives an empty frame with the documented columns."""
    coverage = region_coverage(engine, filters=Filters(regions=("OVS",)), as_of=AS_OF)
    assert coverage.empty
    assert list(coverage.columns) == REGION_COVERAGE_COLUMNS


def test_region_coverage_counts_a_rep_with_two_appointments_once(engine, facts):
    """Two overlapping appointments of one rep in one region count as one active rep."""
    facts.rep(name="Ada Rep", region="WX", start_date=dt.date(2024, 1, 1))
    facts.rep(name="Ada Rep", region="WX", start_date=dt.date(2025, 1, 1), role="lead")
    wessex = _row(region_coverage(engine, filters=ALL, as_of=AS_OF), "WX")
    assert wessex["active_reps"] == 1
    assert wessex["active_rep_names"] == "Ada Rep"


def test_region_coverage_reach_uses_the_attendance_region(engine, facts):
    """Attendances count under the attendance row's region, not the host region; no-shows don't count."""
    facts.event(key="e1", date=dt.date(2025, 1, 10), host_region="LDN")
    facts.event(key="e2", date=dt.date(2025, 2, 10))
    facts.attendance(event="e1", person="p1", region="YH")
    facts.attendance(event="e2", person="p1", region="YH")
    facts.attendance(event="e1", person="p2", region="YH", attended=False)
    facts.attendance(event="e1", person="p3", region="SCW")
    coverage = region_coverage(engine, filters=ALL, as_of=AS_OF)
    assert _row(coverage, "YH")[["attendances", "unique_participants"]].tolist() == [2, 1]
    assert _row(coverage, "SCW")[["attendances", "unique_participants"]].tolist() == [1, 1]
    assert _row(coverage, "LDN")[["attendances", "unique_participants"]].tolist() == [0, 0]


def test_region_coverage_reach_applies_date_type_and_stage_filters(engine, facts):
    """Only attendances at events in the date range and type, by the selected stage, count."""
    facts.event(key="in", date=dt.date(2025, 1, 10), event_type="exam_prep")
    facts.event(key="early", date=dt.date(2024, 12, 31), event_type="exam_prep")
    facts.event(key="other_type", date=dt.date(2025, 1, 10), event_type="induction")
    for event in ("in", "early", "other_type"):
        facts.attendance(event=event, person="p1", region="EM", stage="st2")
    facts.attendance(event="in", person="p2", region="EM", stage="st6")
    filters = Filters(event_types=("exam_prep",), stages=("st2",), date_from=dt.date(2025, 1, 1))
    east_midlands = _row(region_coverage(engine, filters=filters, as_of=AS_OF), "EM")
    assert east_midlands[["attendances", "unique_participants"]].tolist() == [1, 1]


def test_reps_table_columns_and_active_flag(engine, facts):
    """Each appointment is listed with its region and whether it is active on as_of."""
    facts.rep(name="Bo Lead", region="NE", start_date=dt.date(2023, 9, 1), role="lead")
    facts.rep(
        name="Cy Past", region="NE", start_date=dt.date(2023, 9, 1), end_date=AS_OF - dt.timedelta(days=1)
    )
    facts.rep(name="Di Until", region="LDN", start_date=dt.date(2023, 9, 1), end_date=AS_OF)
    table = reps_table(engine, filters=ALL, as_of=AS_OF)
    assert list(table.columns) == REPS_TABLE_COLUMNS
    assert list(table["name"]) == ["Di Until", "Bo Lead", "Cy Past"]
    assert list(table["active"]) == [True, True, False]
    assert table["region_name"].iloc[1] == "North East & North Cumbria"
    assert table["role"].iloc[1] == "lead"
    assert table["end_date"].iloc[0] == AS_OF
    assert table["end_date"].iloc[1] is None


def test_reps_table_region_filter_applies_and_stage_type_do_not(engine, facts):
    """The region filter selects reps by their region; stage and event-type filters are ignored."""
    facts.rep(name="Ed Rep", region="PEN", start_date=dt.date(2024, 1, 1))
    facts.rep(name="Fay Rep", region="SEV", start_date=dt.date(2024, 1, 1))
    filters = Filters(regions=("PEN",), stages=("st1",), event_types=("induction",))
    assert list(reps_table(engine, filters=filters, as_of=AS_OF)["name"]) == ["Ed Rep"]


def test_reps_table_date_filter_keeps_overlapping_appointments(engine, facts):
    """Appointments overlapping [from, to] are listed, including ones touching either end."""
    facts.rep(name="Left before", region="TV", start_date=dt.date(2023, 1, 1), end_date=dt.date(2023, 12, 31))
    facts.rep(
        name="Left on first day", region="TV", start_date=dt.date(2023, 1, 1), end_date=dt.date(2024, 1, 1)
    )
    facts.rep(name="Started on last day", region="TV", start_date=dt.date(2024, 6, 30))
    facts.rep(name="Started after", region="TV", start_date=dt.date(2024, 7, 1))
    filters = Filters(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 6, 30))
    assert list(reps_table(engine, filters=filters, as_of=AS_OF)["name"]) == [
        "Left on first day",
        "Started on last day",
    ]


def test_reps_table_is_empty_with_columns_when_no_reps(engine):
    """No reps gives an empty frame with the documented columns."""
    table = reps_table(engine, filters=ALL, as_of=AS_OF)
    assert table.empty
    assert list(table.columns) == REPS_TABLE_COLUMNS


def test_regions_covered_by_month_judges_each_month_on_its_last_day(engine, facts):
    """A region counts in a month only when a rep is active on the month's last day."""
    facts.rep(
        name="Left mid January", region="LDN", start_date=dt.date(2024, 6, 1), end_date=dt.date(2025, 1, 15)
    )
    facts.rep(
        name="Starts 31 January", region="WM", start_date=dt.date(2025, 1, 31), end_date=dt.date(2025, 2, 27)
    )
    facts.rep(
        name="Through March", region="NI", start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 3, 31)
    )
    filters = Filters(date_from=dt.date(2024, 12, 5), date_to=dt.date(2025, 3, 31))
    by_month = regions_covered_by_month(engine, filters=filters)
    assert list(by_month.columns) == COVERED_BY_MONTH_COLUMNS
    assert list(by_month["month"]) == [
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
        dt.date(2025, 3, 1),
    ]
    assert list(by_month["regions_with_active_rep"]) == [2, 2, 1, 1]
    assert set(by_month["regions_total"]) == {19}


def test_regions_covered_by_month_final_month_uses_the_to_date(engine, facts):
    """The final month's snapshot is the to-date, so it matches the rep-coverage KPI for that date."""
    facts.rep(
        name="Left 20 March", region="KSS", start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 3, 20)
    )
    filters = Filters(regions=("KSS", "LDN"), date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 3, 20))
    by_month = regions_covered_by_month(engine, filters=filters)
    assert list(by_month["as_of"]) == [dt.date(2025, 2, 28), dt.date(2025, 3, 20)]
    assert list(by_month["regions_with_active_rep"]) == [1, 1]
    assert set(by_month["regions_total"]) == {2}


def test_regions_covered_by_month_starts_at_first_rep_or_event(engine, facts):
    """Without a from-date the months start at the earlier of the first rep start and the first event."""
    facts.rep(name="Gil Rep", region="MER", start_date=dt.date(2024, 11, 20))
    facts.event(key="e1", date=dt.date(2024, 10, 3))
    by_month = regions_covered_by_month(engine, filters=Filters(), today=dt.date(2025, 1, 10))
    assert list(by_month["month"]) == [
        dt.date(2024, 10, 1),
        dt.date(2024, 11, 1),
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
    ]
    assert list(by_month["regions_with_active_rep"]) == [0, 1, 1, 1]
    assert by_month["as_of"].iloc[-1] == dt.date(2025, 1, 10)


def test_regions_covered_by_month_region_filter_counts_selected_regions_only(engine, facts):
    """Reps outside the selected regions do not count, and the total is the selected training regions."""
    facts.rep(name="Hal Rep", region="SCN", start_date=dt.date(2024, 1, 1))
    facts.rep(name="Ivy Rep", region="SCE", start_date=dt.date(2024, 1, 1))
    filters = Filters(
        regions=("SCN", "SCW", "UNK"), date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31)
    )
    by_month = regions_covered_by_month(engine, filters=filters)
    assert by_month[["regions_with_active_rep", "regions_total"]].to_numpy().tolist() == [[1, 2]]


def test_regions_covered_by_month_is_empty_without_any_start(engine):
    """No reps, no events and no from-date give an empty frame with the documented columns."""
    by_month = regions_covered_by_month(engine, filters=ALL, today=dt.date(2025, 1, 10))
    assert by_month.empty
    assert list(by_month.columns) == COVERED_BY_MONTH_COLUMNS
