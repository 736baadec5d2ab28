"""The Overview KPIs: one test per definition and counting rule (issue 2, item 7).

Every expected number below was worked out by hand from the rows the test
inserts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from data_access.db import make_engine, migrate
from data_access.filters import Filters
from data_access.kpis import KPI_KEYS, compute_kpis, format_value, invalid_filter_values
from tests.factories import FactRows

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 6, 30)
ALL = Filters()


@pytest.fixture
def facts(engine):
    """Return a row factory on the migrated test database."""
    return FactRows(engine)


def kpis(engine, filters: Filters = ALL, as_of: dt.date = AS_OF) -> dict:
    return compute_kpis(engine, filters=filters, as_of=as_of)


def two_events_three_people(facts: FactRows) -> None:
    """E1: p1 and p2 attend, p3 registers but does not come.
    E2: p1 attends, p3 does not come. E3: only a no-show (p2)."""
    facts.event(key="E1", date=dt.date(2025, 1, 10), event_type="induction")
    facts.event(key="E2", date=dt.date(2025, 2, 10), event_type="exam_prep")
    facts.event(key="E3", date=dt.date(2025, 3, 10), event_type="exam_prep")
    facts.attendance(event="E1", person="p1", region="LDN", stage="st1")
    facts.attendance(event="E1", person="p2", region="WM", stage="st3")
    facts.attendance(event="E1", person="p3", attended=False, region="LDN", stage="st1")
    facts.attendance(event="E2", person="p1", region="LDN", stage="st1")
    facts.attendance(event="E2", person="p3", attended=False, region="LDN", stage="st1")
    facts.attendance(event="E3", person="p2", attended=False, region="WM", stage="st3")


def test_kpi_keys_are_the_twelve_in_order():
    """KPI_KEYS lists exactly the twelve keys of the JSON contract, in order."""
    assert KPI_KEYS == (
        "events", "registrations", "attendances", "attendance_rate", "unique_participants",
        "returning_participants", "feedback_responses", "pct_excellent", "mean_rating",
        "regions_total", "regions_with_active_rep", "rep_coverage_pct",
    )


def test_compute_kpis_returns_exactly_the_kpi_keys(engine):
    """The result has the KPI keys in KPI_KEYS order."""
    assert tuple(kpis(engine)) == KPI_KEYS


def test_events_counts_events_with_an_attendance(engine, facts):
    """An event whose only registration is a no-show is not counted."""
    two_events_three_people(facts)
    assert kpis(engine)["events"] == 2


def test_registrations_count_rows_attended_or_not(engine, facts):
    """Registrations count every counted attendance row."""
    two_events_three_people(facts)
    assert kpis(engine)["registrations"] == 6


def test_attendances_count_rows_attended_yes(engine, facts):
    """Attendances count only rows with attended = yes."""
    two_events_three_people(facts)
    assert kpis(engine)["attendances"] == 3


def test_attendance_rate_is_attendances_over_registrations(engine, facts):
    """The attendance rate is a fraction, 3 / 6."""
    two_events_three_people(facts)
    assert kpis(engine)["attendance_rate"] == pytest.approx(0.5)


def test_unique_participants_count_people_who_attended(engine, facts):
    """p3 only ever failed to attend, so only p1 and p2 are reached."""
    two_events_three_people(facts)
    assert kpis(engine)["unique_participants"] == 2


def test_returning_participants_need_two_distinct_events(engine, facts):
    """p1 attended E1 and E2; p2 attended E1 and missed E3, so only p1 returns."""
    two_events_three_people(facts)
    assert kpis(engine)["returning_participants"] == 1


def test_feedback_figures(engine, facts):
    """Ratings 5, 5, 4 and 1 give 4 responses, 50% excellent and a mean of 3.75."""
    facts.event(key="E1", date=dt.date(2025, 1, 10))
    for rating in (5, 5, 4, 1):
        facts.feedback(event="E1", rating=rating, region="LDN")
    figures = kpis(engine)
    assert figures["feedback_responses"] == 4
    assert figures["pct_excellent"] == pytest.approx(50.0)
    assert figures["mean_rating"] == pytest.approx(3.75)


def test_region_filter_uses_the_row_region_not_the_host_region(engine, facts):
    """An LDN-hosted event counts a WM attendee under WM, and not under LDN."""
    facts.event(key="E1", date=dt.date(2025, 1, 10), host_region="LDN")
    facts.attendance(event="E1", person="p1", region="WM")
    facts.attendance(event="E1", person="p2", region="LDN")
    facts.attendance(event="E1", person="p3", region="LDN")
    assert kpis(engine, Filters(regions=("WM",)))["attendances"] == 1
    assert kpis(engine, Filters(regions=("LDN",)))["attendances"] == 2
    assert kpis(engine, Filters(regions=("NW",)))["events"] == 0


def test_feedback_without_region_is_not_counted_under_a_region_filter(engine, facts):
    """A response with a blank region (stored as UNK) drops out when a region is selected."""
    facts.event(key="E1", date=dt.date(2025, 1, 10), host_region="LDN")
    facts.feedback(event="E1", rating=5, region="UNK")
    facts.feedback(event="E1", rating=3, region="LDN")
    assert kpis(engine)["feedback_responses"] == 2
    under_ldn = kpis(engine, Filters(regions=("LDN",)))
    assert under_ldn["feedback_responses"] == 1
    assert under_ldn["pct_excellent"] == pytest.approx(0.0)


def test_stage_filter_uses_the_row_stage(engine, facts):
    """Stage filters count rows by their own stage; unknown stages drop out."""
    facts.event(key="E1", date=dt.date(2025, 1, 10))
    facts.attendance(event="E1", person="p1", stage="st1")
    facts.attendance(event="E1", person="p2", stage="st2")
    facts.attendance(event="E1", person="p3", stage="unknown")
    facts.feedback(event="E1", rating=5, stage="st1")
    facts.feedback(event="E1", rating=4, stage="unknown")
    figures = kpis(engine, Filters(stages=("st1", "st2")))
    assert figures["attendances"] == 2
    assert figures["feedback_responses"] == 1


def test_date_filter_applies_to_the_event_date_inclusively(engine, facts):
    """Events on both boundary days count; the days outside do not."""
    for key, day in (("E1", 1), ("E2", 2), ("E3", 30), ("E4", 31)):
        facts.event(key=key, date=dt.date(2025, 1, day))
        facts.attendance(event=key, person="p1")
        facts.feedback(event=key, rating=5)
    figures = kpis(engine, Filters(date_from=dt.date(2025, 1, 2), date_to=dt.date(2025, 1, 30)))
    assert figures["events"] == 2
    assert figures["feedback_responses"] == 2


def test_event_type_filter_applies_to_the_event_type(engine, facts):
    """Only events of the selected types are counted."""
    two_events_three_people(facts)
    facts.feedback(event="E1", rating=5)
    facts.feedback(event="E2", rating=2)
    figures = kpis(engine, Filters(event_types=("exam_prep",)))
    assert (figures["events"], figures["registrations"], figures["attendances"]) == (1, 3, 1)
    assert figures["feedback_responses"] == 1
    assert figures["mean_rating"] == pytest.approx(2.0)


def test_returning_counts_events_within_the_filters(engine, facts):
    """Someone who attended two events is not returning under a filter that keeps one."""
    two_events_three_people(facts)
    assert kpis(engine, Filters(event_types=("induction",)))["returning_participants"] == 0


def test_regions_total_is_all_nineteen_when_unset(engine):
    """With no region filter all 19 training regions are counted, never OVS or UNK."""
    assert kpis(engine)["regions_total"] == 19


def test_regions_total_counts_selected_training_regions_only(engine):
    """Selecting LDN, WM and OVS gives 2 training regions."""
    assert kpis(engine, Filters(regions=("LDN", "WM", "OVS")))["regions_total"] == 2


def test_rep_active_on_as_of_boundaries(engine, facts):
    """A rep starting or ending on as_of is active; one a day outside is not."""
    facts.rep(name="Starts today", region="LDN", start_date=AS_OF)
    facts.rep(name="Ends today", region="WM", start_date=dt.date(2024, 1, 1), end_date=AS_OF)
    facts.rep(name="Starts tomorrow", region="NW", start_date=AS_OF + dt.timedelta(days=1))
    facts.rep(name="Ended yesterday", region="YH", start_date=dt.date(2024, 1, 1),
              end_date=AS_OF - dt.timedelta(days=1))
    assert kpis(engine)["regions_with_active_rep"] == 2


def test_rep_coverage_counts_regions_not_reps(engine, facts):
    """Two reps in one region cover one region: 1 of 19."""
    facts.rep(name="Lead", region="LDN", start_date=dt.date(2024, 1, 1), role="lead")
    facts.rep(name="Deputy", region="LDN", start_date=dt.date(2024, 1, 1), role="deputy")
    figures = kpis(engine)
    assert figures["regions_with_active_rep"] == 1
    assert figures["rep_coverage_pct"] == pytest.approx(100 / 19)


def test_rep_coverage_follows_the_region_filter(engine, facts):
    """Under LDN and WM, a rep in LDN and one in NW give 1 of 2 regions covered."""
    facts.rep(name="A", region="LDN", start_date=dt.date(2024, 1, 1))
    facts.rep(name="B", region="NW", start_date=dt.date(2024, 1, 1))
    figures = kpis(engine, Filters(regions=("LDN", "WM")))
    assert (figures["regions_total"], figures["regions_with_active_rep"]) == (2, 1)
    assert figures["rep_coverage_pct"] == pytest.approx(50.0)


def test_zero_denominators_give_none(engine):
    """An empty database gives zero counts and None for every rate and mean."""
    figures = kpis(engine)
    assert figures["registrations"] == 0
    assert figures["attendance_rate"] is None
    assert figures["pct_excellent"] is None
    assert figures["mean_rating"] is None


def test_no_training_region_selected_gives_no_coverage(engine):
    """Selecting only OVS leaves 0 regions, so coverage is None."""
    figures = kpis(engine, Filters(regions=("OVS",)))
    assert (figures["regions_total"], figures["regions_with_active_rep"]) == (0, 0)
    assert figures["rep_coverage_pct"] is None


def test_kpi_values_are_plain_python_numbers(engine, facts):
    """Counts are ints and rates floats on every backend, so they serialise as JSON."""
    two_events_three_people(facts)
    facts.feedback(event="E1", rating=4)
    figures = kpis(engine)
    assert all(type(figures[key]) is int for key in ("events", "registrations", "feedback_responses"))
    assert all(type(figures[key]) is float for key in ("attendance_rate", "mean_rating"))


def test_invalid_filter_values_names_each_unknown_code(engine):
    """Unknown region, stage and event-type codes are each reported."""
    filters = Filters(regions=("LDN", "XYZ"), stages=("st9",), event_types=("party",))
    assert invalid_filter_values(engine, filters=filters) == [
        "unknown region code 'XYZ'",
        "unknown stage code 'st9'",
        "unknown event type code 'party'",
    ]


def test_invalid_filter_values_reports_a_reversed_date_range(engine):
    """A from date after the to date is reported."""
    filters = Filters(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 1, 1))
    assert invalid_filter_values(engine, filters=filters) == ["from date 2025-02-01 is after to date 2025-01-01"]


def test_valid_filters_have_no_problems(engine):
    """Known codes, OVS and UNK included, and a one-day range are accepted."""
    filters = Filters(regions=("OVS", "UNK", "SCSE"), stages=("led",), event_types=("mentoring",),
                      date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 1))
    assert invalid_filter_values(engine, filters=filters) == []


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("attendances", 1234, "1,234"),
        ("attendance_rate", 0.8342, "83.4%"),
        ("pct_excellent", 83.44, "83.4%"),
        ("rep_coverage_pct", 100.0, "100.0%"),
        ("mean_rating", 4.5, "4.50"),
        ("mean_rating", None, "n/a"),
    ],
)
def test_format_value(key, value, text):
    """Figures are printed with thousands separators, percentages and "n/a"."""
    assert format_value(key, value) == text


def test_format_value_rejects_an_unknown_key():
    """An unknown KPI key is a clear error."""
    with pytest.raises(ValueError, match="unknown KPI key 'reach'"):
        format_value("reach", 1)


@pytest.fixture
def cli_database(tmp_path):
    """Return environment variables for the CLI pointing at a small SQLite database."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    migrate(engine)
    facts = FactRows(engine)
    two_events_three_people(facts)
    facts.feedback(event="E1", rating=5, region="LDN")
    facts.feedback(event="E2", rating=4, region="WM")
    facts.rep(name="A", region="LDN", start_date=dt.date(2024, 1, 1))
    engine.dispose()
    return {**os.environ, "DATABASE_URL": url, "SOFT_LANDING_PSEUDONYM_KEY": "cli-test-key-not-secret"}


def run_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_access", "kpis", *args],
        check=False, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_cli_kpis_json_prints_every_key_and_value(cli_database):
    """`kpis --json` prints one object with exactly the KPI keys and the hand-computed values."""
    result = run_cli(cli_database, "--json", "--to", "2025-06-30")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert list(figures) == list(KPI_KEYS)
    assert figures == {
        "events": 2, "registrations": 6, "attendances": 3, "attendance_rate": 0.5,
        "unique_participants": 2, "returning_participants": 1, "feedback_responses": 2,
        "pct_excellent": 50.0, "mean_rating": 4.5, "regions_total": 19,
        "regions_with_active_rep": 1, "rep_coverage_pct": pytest.approx(100 / 19),
    }


def test_cli_kpis_applies_filters(cli_database):
    """`--region WM` counts only the WM rows."""
    result = run_cli(cli_database, "--json", "--region", "WM", "--to", "2025-06-30")
    figures = json.loads(result.stdout)
    assert (figures["registrations"], figures["attendances"], figures["feedback_responses"]) == (2, 1, 1)
    assert (figures["regions_total"], figures["regions_with_active_rep"], figures["rep_coverage_pct"]) == (1, 0, 0.0)


def test_cli_kpis_table_uses_human_formats(cli_database):
    """Without --json each KPI is printed on its own line in human form."""
    result = run_cli(cli_database, "--to", "2025-06-30")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["attendance_rate"] == "50.0%"
    assert lines["mean_rating"] == "4.50"


def test_cli_kpis_rejects_an_unknown_region(cli_database):
    """`--region XYZ` exits 2 with a clear message and no traceback."""
    result = run_cli(cli_database, "--json", "--region", "XYZ")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown region code 'XYZ'"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
