"""meta.data_dates: where in time the filtered records lie, for the frame's empty-period notice."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.filters import Filters
from data_access.queries import meta
from tests.factories import FactRows

D = dt.date
THIS_YEAR = Filters(date_from=D(2025, 12, 1), date_to=D(2026, 11, 30))
NO_RECORDS = {"in_period": False, "earliest": None, "latest": None, "any_data": False}


def dates_of(engine, filters: Filters) -> dict:
    """Return the one row of data_dates as a dict."""
    frame = meta.data_dates(engine, filters=filters)
    assert list(frame.columns) == meta.DATA_DATES_COLUMNS and len(frame) == 1
    return frame.iloc[0].to_dict()


@pytest.fixture
def rows(engine) -> FactRows:
    """Return a fact-row helper on the empty test database."""
    return FactRows(engine)


def test_empty_database_has_no_dates_and_no_data(engine):
    """With nothing stored the period is empty, there are no dates and no data at all."""
    assert dates_of(engine, THIS_YEAR) == NO_RECORDS


def test_older_attendance_gives_earliest_and_latest_event_dates(engine, rows):
    """Attendance only before the period: the period is empty and the dates are those of its events."""
    rows.event(key="E1", date=D(2024, 9, 10))
    rows.event(key="E2", date=D(2025, 3, 14))
    rows.attendance(event="E1", person="p1")
    rows.attendance(event="E2", person="p2", attended=False)
    assert dates_of(engine, THIS_YEAR) == {
        "in_period": False, "earliest": D(2024, 9, 10), "latest": D(2025, 3, 14), "any_data": True,
    }


def test_event_without_records_is_not_data(engine, rows):
    """An event in the period with no attendance, feedback or outcome leaves the period empty."""
    rows.event(key="E1", date=D(2025, 3, 14))
    rows.attendance(event="E1", person="p1")
    rows.event(key="BARE", date=D(2026, 5, 1))
    found = dates_of(engine, THIS_YEAR)
    assert (found["in_period"], found["latest"]) == (False, D(2025, 3, 14))


def test_feedback_alone_puts_an_event_in_the_period(engine, rows):
    """An event with feedback but no attendance rows is data in its period."""
    rows.event(key="E1", date=D(2026, 2, 3))
    rows.feedback(event="E1", rating=5)
    assert dates_of(engine, THIS_YEAR)["in_period"] is True


def test_counted_outcome_is_data_on_its_own_date(engine, rows):
    """A counted outcome dated after every event is the latest record."""
    rows.event(key="E1", date=D(2024, 9, 10))
    rows.attendance(event="E1", person="p1")
    rows.outcome(person="p1", measure="mrcpch_fop", date=D(2025, 6, 2), result="pass")
    assert dates_of(engine, THIS_YEAR)["latest"] == D(2025, 6, 2)


def test_uncounted_outcome_is_not_data(engine, rows):
    """An ARCP outcome left out of rates (code 8, out of programme) is no record."""
    rows.outcome(person="p1", measure="arcp", date=D(2026, 6, 2), result="8")
    assert dates_of(engine, THIS_YEAR) == NO_RECORDS


def test_newer_records_are_reported_after_the_period(engine, rows):
    """Records only after the period give an earliest date after its end."""
    rows.event(key="E1", date=D(2027, 1, 20))
    rows.attendance(event="E1", person="p1")
    found = dates_of(engine, THIS_YEAR)
    assert (found["in_period"], found["earliest"], found["latest"]) == (False, D(2027, 1, 20), D(2027, 1, 20))


def test_record_in_the_period_is_found(engine, rows):
    """A record dated on the last day of the period puts the period in data."""
    rows.event(key="E1", date=D(2026, 11, 30))
    rows.attendance(event="E1", person="p1")
    assert dates_of(engine, THIS_YEAR)["in_period"] is True


def test_region_filter_picks_the_matching_rows_dates(engine, rows):
    """With a region filter only that region's rows date the data; other regions still count as data."""
    rows.event(key="E1", date=D(2025, 3, 14))
    rows.event(key="E2", date=D(2025, 6, 20))
    rows.attendance(event="E1", person="p1", region="LDN")
    rows.attendance(event="E2", person="p2", region="WM")
    london = Filters(regions=("LDN",), date_from=THIS_YEAR.date_from, date_to=THIS_YEAR.date_to)
    assert dates_of(engine, london)["latest"] == D(2025, 3, 14)
    ireland = Filters(regions=("NI",), date_from=THIS_YEAR.date_from, date_to=THIS_YEAR.date_to)
    assert dates_of(engine, ireland) == {**NO_RECORDS, "any_data": True}


def test_event_type_filter_leaves_outcomes_alone(engine, rows):
    """The event-type filter selects events by type but keeps outcomes, which have no type."""
    rows.event(key="IND", date=D(2025, 1, 9), event_type="induction")
    rows.event(key="EXM", date=D(2025, 4, 9), event_type="exam_prep")
    rows.attendance(event="IND", person="p1")
    rows.attendance(event="EXM", person="p2")
    rows.outcome(person="p3", measure="mrcpch_tas", date=D(2024, 5, 1), result="fail")
    found = dates_of(engine, Filters(event_types=("induction",), date_from=D(2025, 12, 1)))
    assert (found["earliest"], found["latest"]) == (D(2024, 5, 1), D(2025, 1, 9))


def test_all_time_holds_data_when_any_record_matches(engine, rows):
    """Without dates the period is all time, so any matching record is in it."""
    rows.event(key="E1", date=D(2019, 2, 28))
    rows.attendance(event="E1", person="p1")
    assert dates_of(engine, Filters())["in_period"] is True
