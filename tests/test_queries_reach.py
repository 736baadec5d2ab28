"""Event-reach queries, on a small database whose answers were worked out by hand.

The data (built by ``reach_data``):

    E1 2025-01-10 induction, hosted by LDN   p1 LDN st1 yes, p2 WM st3 yes, p3 OVS pre_nhs no
    E2 2025-01-20 exam_prep, national        p1 LDN st1 yes, p4 UNK unknown yes
    E3 2025-02-05 exam_prep, national        p2 WM st3 yes, p3 OVS pre_nhs yes, p1 LDN st1 no
    E4 2025-03-15 arcp_portfolio, WM host    p4 UNK unknown no
    E5 2025-04-01 other                      nobody registered
    feedback: E1 rated 5 (LDN), 5 (WM), 4 (UNK); E3 rated 3 (WM), 5 (OVS)
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from data_access.filters import Filters
from data_access.kpis import compute_kpis
from data_access.queries import reach
from tests.factories import FactRows

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
ALL = Filters()
FROM_FEBRUARY = Filters(date_from=dt.date(2025, 2, 1))


@pytest.fixture
def reach_data(engine):
    """Insert the data in the module docstring and return the engine."""
    facts = FactRows(engine)
    facts.event(key="E1", date=dt.date(2025, 1, 10), event_type="induction", host_region="LDN")
    facts.event(key="E2", date=dt.date(2025, 1, 20), event_type="exam_prep")
    facts.event(key="E3", date=dt.date(2025, 2, 5), event_type="exam_prep")
    facts.event(key="E4", date=dt.date(2025, 3, 15), event_type="arcp_portfolio", host_region="WM")
    facts.event(key="E5", date=dt.date(2025, 4, 1), event_type="other")
    facts.attendance(event="E1", person="p1", region="LDN", stage="st1")
    facts.attendance(event="E1", person="p2", region="WM", stage="st3")
    facts.attendance(event="E1", person="p3", attended=False, region="OVS", stage="pre_nhs")
    facts.attendance(event="E2", person="p1", region="LDN", stage="st1")
    facts.attendance(event="E2", person="p4")
    facts.attendance(event="E3", person="p2", region="WM", stage="st3")
    facts.attendance(event="E3", person="p3", region="OVS", stage="pre_nhs")
    facts.attendance(event="E3", person="p1", attended=False, region="LDN", stage="st1")
    facts.attendance(event="E4", person="p4", attended=False)
    for rating, region in ((5, "LDN"), (5, "WM"), (4, "UNK")):
        facts.feedback(event="E1", rating=rating, region=region)
    for rating, region in ((3, "WM"), (5, "OVS")):
        facts.feedback(event="E3", rating=rating, region=region)
    return engine


def records(frame) -> list[tuple]:
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_reach_by_month(reach_data):
    """Registrations, attendances and distinct attendees per event month."""
    frame = reach.reach_by_month(reach_data, filters=ALL)
    assert list(frame.columns) == ["month", "registrations", "attendances", "unique_participants"]
    assert records(frame) == [(JAN, 5, 4, 3), (FEB, 3, 2, 2), (MAR, 1, 0, 0)]


def test_attendances_by_month_and_type(reach_data):
    """Attendances per month and event type, types in reference order."""
    frame = reach.attendances_by_month_and_type(reach_data, filters=ALL)
    assert records(frame) == [
        (JAN, "induction", "Induction", 2),
        (JAN, "exam_prep", "Exam preparation", 2),
        (FEB, "exam_prep", "Exam preparation", 2),
    ]


def test_attendances_by_region_include_overseas_and_unknown(reach_data):
    """Every region recorded on an attendance appears, OVS and UNK included."""
    frame = reach.attendances_by_region(reach_data, filters=ALL)
    assert records(frame) == [
        ("LDN", "London", "England", 2, 1),
        ("WM", "West Midlands", "England", 2, 1),
        ("OVS", "Overseas (not yet in the UK)", "Overseas", 1, 1),
        ("UNK", "Unknown", "Unknown", 1, 1),
    ]


def test_attendances_by_region_filter_uses_the_row_region(reach_data):
    """Under WM only p2's two attendances count; the WM-hosted E4 adds nothing."""
    frame = reach.attendances_by_region(reach_data, filters=Filters(regions=("WM",)))
    assert records(frame) == [("WM", "West Midlands", "England", 2, 1)]


def test_attendances_by_stage(reach_data):
    """Attendances and distinct attendees per stage, with the stage group."""
    frame = reach.attendances_by_stage(reach_data, filters=ALL)
    assert records(frame) == [
        ("pre_nhs", "Pre-NHS", "non_training", 1, 1),
        ("st1", "ST1", "core", 2, 1),
        ("st3", "ST3", "core", 2, 1),
        ("unknown", "Unknown", "unknown", 1, 1),
    ]


def test_conversion_by_event_type(reach_data):
    """Registrations and attendances per event type, no-show-only types included."""
    frame = reach.conversion_by_event_type(reach_data, filters=ALL)
    assert records(frame) == [
        ("induction", "Induction", 3, 2),
        ("arcp_portfolio", "ARCP & portfolio", 1, 0),
        ("exam_prep", "Exam preparation", 5, 4),
    ]


def test_new_vs_returning_by_month(reach_data):
    """p3's first attendance is in February (January was a no-show), so February has one new."""
    frame = reach.new_vs_returning_by_month(reach_data, filters=ALL)
    assert records(frame) == [(JAN, 3, 0), (FEB, 1, 1)]


def test_new_vs_returning_first_attendance_ignores_the_filters(reach_data):
    """From February, p2 (first came in January) is still returning."""
    frame = reach.new_vs_returning_by_month(reach_data, filters=FROM_FEBRUARY)
    assert records(frame) == [(FEB, 1, 1)]


def test_new_vs_returning_counts_only_attendances_within_the_filters(reach_data):
    """Under WM only p2 counts: new in January, returning in February."""
    frame = reach.new_vs_returning_by_month(reach_data, filters=Filters(regions=("WM",)))
    assert records(frame) == [(JAN, 1, 0), (FEB, 0, 1)]


def test_cumulative_unique_reach(reach_data):
    """Three people are reached in January and a fourth in February."""
    frame = reach.cumulative_unique_reach(reach_data, filters=ALL)
    assert records(frame) == [(JAN, 3, 3), (FEB, 1, 4)]


def test_cumulative_unique_reach_ends_at_the_unique_participants_kpi(reach_data):
    """Within the filters both February attendees are new, matching the KPI."""
    frame = reach.cumulative_unique_reach(reach_data, filters=FROM_FEBRUARY)
    assert records(frame) == [(FEB, 2, 2)]
    kpi = compute_kpis(reach_data, filters=FROM_FEBRUARY, as_of=dt.date(2025, 6, 30))["unique_participants"]
    assert frame["cumulative_unique_participants"].iloc[-1] == kpi


def test_events_table(reach_data):
    """Each event with registrations or feedback, newest first, with its counts and % excellent."""
    frame = reach.events_table(reach_data, filters=ALL)
    assert list(frame.columns) == [
        "event_id", "title", "date", "event_type", "event_type_label", "delivery", "host_region",
        "registrations", "attendances", "feedback_responses", "pct_excellent",
    ]
    assert list(frame["event_id"]) == ["E4", "E3", "E2", "E1"]
    e1 = frame.set_index("event_id").loc["E1"]
    assert (e1["title"], e1["date"], e1["event_type_label"], e1["delivery"], e1["host_region"]) == (
        "Event E1", dt.date(2025, 1, 10), "Induction", "virtual", "LDN")
    assert records(frame[["host_region", "registrations", "attendances", "feedback_responses"]]) == [
        ("WM", 1, 0, 0), ("National", 3, 2, 2), ("National", 2, 2, 0), ("LDN", 3, 2, 3)]
    assert frame["pct_excellent"].iloc[1] == pytest.approx(50.0)
    assert frame["pct_excellent"].iloc[3] == pytest.approx(200 / 3)


def test_events_table_pct_excellent_is_missing_without_responses(reach_data):
    """An event with no responses has no % excellent, rather than 0%."""
    frame = reach.events_table(reach_data, filters=ALL)
    assert math.isnan(frame.set_index("event_id").loc["E2", "pct_excellent"])


def test_events_table_region_filter_counts_rows_from_that_region(reach_data):
    """Under LDN, E4 (no LDN rows) drops out and E3 keeps p1's no-show."""
    frame = reach.events_table(reach_data, filters=Filters(regions=("LDN",)))
    assert records(frame[["event_id", "registrations", "attendances", "feedback_responses"]]) == [
        ("E3", 1, 0, 0), ("E2", 1, 1, 0), ("E1", 1, 1, 1)]
    assert frame["pct_excellent"].iloc[2] == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("query", "columns"),
    [
        (reach.reach_by_month, reach.REACH_BY_MONTH_COLUMNS),
        (reach.attendances_by_month_and_type, reach.BY_MONTH_AND_TYPE_COLUMNS),
        (reach.attendances_by_region, reach.BY_REGION_COLUMNS),
        (reach.attendances_by_stage, reach.BY_STAGE_COLUMNS),
        (reach.conversion_by_event_type, reach.CONVERSION_COLUMNS),
        (reach.new_vs_returning_by_month, reach.NEW_VS_RETURNING_COLUMNS),
        (reach.cumulative_unique_reach, reach.CUMULATIVE_REACH_COLUMNS),
        (reach.events_table, reach.EVENTS_TABLE_COLUMNS),
    ],
)
def test_no_match_gives_an_empty_frame_with_the_columns(reach_data, query, columns):
    """A filter that matches nothing gives no rows but the documented columns."""
    frame = query(reach_data, filters=Filters(event_types=("mentoring",)))
    assert frame.empty
    assert list(frame.columns) == columns
