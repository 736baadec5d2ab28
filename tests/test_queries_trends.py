"""SPC series queries: members' outcome counts per measure and calendar quarter."""

import datetime as dt

import pytest

from data_access.filters import Filters
from data_access.queries.trends import (
    OUTCOMES_BY_QUARTER_COLUMNS,
    outcome_measures,
    outcomes_by_quarter,
    quarter_label,
)
from tests.factories import FactRows

ALL = Filters()


@pytest.fixture
def facts(engine):
    """Return a fact-row helper on the freshly migrated database."""
    return FactRows(engine)


def _rows(frame, measure):
    """Return [(quarter, n, events), ...] of one measure."""
    ours = frame[frame["measure"] == measure]
    return list(zip(ours["quarter"], ours["n"].tolist(), ours["events"].tolist(), strict=True))


def test_quarter_label_names_year_and_quarter():
    """A year * 10 + quarter key reads as "2025 Q2"."""
    assert quarter_label(20252) == "2025 Q2"


def test_outcome_measures_list_the_reference_measures_in_order(engine):
    """Every seeded outcome measure is listed once, exams first, with its category."""
    measures = outcome_measures(engine)
    assert measures["measure"].iloc[0] == "mrcpch_fop"
    assert measures["measure"].is_unique
    assert set(measures["category"]) == {"exam", "arcp", "recruitment"}


def test_outcomes_are_counted_per_calendar_quarter(engine, facts):
    """Results on 31 March and 1 April fall in Q1 and Q2; passes count as events."""
    facts.outcome(person="p1", measure="mrcpch_tas", date=dt.date(2025, 3, 31), result="pass")
    facts.outcome(person="p2", measure="mrcpch_tas", date=dt.date(2025, 1, 1), result="fail")
    facts.outcome(person="p3", measure="mrcpch_tas", date=dt.date(2025, 4, 1), result="pass")
    facts.outcome(person="p4", measure="mrcpch_tas", date=dt.date(2024, 12, 31), result="pass")
    frame = outcomes_by_quarter(engine, filters=ALL)
    assert list(frame.columns) == OUTCOMES_BY_QUARTER_COLUMNS
    assert _rows(frame, "mrcpch_tas") == [("2024 Q4", 1, 1), ("2025 Q1", 2, 1), ("2025 Q2", 1, 1)]


def test_excluded_arcp_outcomes_leave_the_denominator(engine, facts):
    """ARCP outcome 8 (null flag) is not counted; outcome 3 is an unsatisfactory event."""
    for person, code in (("p1", "1"), ("p2", "3"), ("p3", "8")):
        facts.outcome(person=person, measure="arcp", date=dt.date(2025, 6, 1), result=code)
    assert _rows(outcomes_by_quarter(engine, filters=ALL), "arcp") == [("2025 Q2", 2, 1)]


def test_filters_select_the_outcome_region_and_date(engine, facts):
    """The region filter reads the outcome's region; the date filter its date."""
    facts.outcome(person="p1", measure="mrcpch_fop", date=dt.date(2025, 2, 1), result="pass", region="LDN")
    facts.outcome(person="p2", measure="mrcpch_fop", date=dt.date(2025, 2, 1), result="pass", region="WM")
    facts.outcome(person="p3", measure="mrcpch_fop", date=dt.date(2025, 8, 1), result="pass", region="LDN")
    frame = outcomes_by_quarter(
        engine, filters=Filters(regions=("LDN",), date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 6, 30))
    )
    assert _rows(frame, "mrcpch_fop") == [("2025 Q1", 1, 1)]


def test_no_outcomes_give_an_empty_frame_with_the_columns(engine):
    """An empty database returns no rows, with the documented columns."""
    frame = outcomes_by_quarter(engine, filters=ALL)
    assert frame.empty
    assert list(frame.columns) == OUTCOMES_BY_QUARTER_COLUMNS
