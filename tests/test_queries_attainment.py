"""Differential-attainment queries: outcome rates by training year and by engagement,
national benchmarks and MWRES reach."""

import datetime as dt

import pytest
from sqlalchemy import insert, select

from data_access.filters import Filters
from data_access.models import Benchmark, MwresIndicator, OutcomeMeasure
from data_access.queries.attainment import (
    BENCHMARK_COLUMNS,
    MWRES_REACH_COLUMNS,
    RATES_BY_ENGAGEMENT_COLUMNS,
    RATES_BY_YEAR_COLUMNS,
    benchmark_rates,
    mwres_reach,
    outcome_rates_by_engagement,
    outcome_rates_by_year,
)
from tests.factories import FactRows

ALL = Filters()
OUTCOME_DAY = dt.date(2025, 3, 1)


@pytest.fixture
def facts(engine):
    """Return a fact-row helper on the freshly migrated database."""
    return FactRows(engine)


def _add_benchmark(
    engine, facts, *, year, measure, group, numerator, denominator, source="GMC progression report"
):
    with engine.begin() as conn:
        measure_id = conn.execute(
            select(OutcomeMeasure.id).where(OutcomeMeasure.code == measure)
        ).scalar_one()
        conn.execute(
            insert(Benchmark.__table__).values(
                year=year,
                measure_id=measure_id,
                group_label=group,
                numerator=numerator,
                denominator=denominator,
                source=source,
                batch_id=facts.batch(kind="benchmarks"),
            )
        )


def _counts(frame, **keys):
    """Return [n, events] of the one row matching ``keys``."""
    mask = True
    for column, value in keys.items():
        mask = mask & (frame[column] == value)
    matched = frame[mask]
    assert len(matched) == 1, matched
    return matched[["n", "events"]].iloc[0].tolist()


def test_outcome_rates_by_year_counts_passes_per_measure_and_year(engine, facts):
    """Exam rows give n and passes per measure and training year, labelled and in reference order."""
    facts.outcome(person="p1", measure="mrcpch_tas", date=dt.date(2025, 2, 1), result="pass")
    facts.outcome(person="p2", measure="mrcpch_tas", date=dt.date(2025, 2, 1), result="fail")
    facts.outcome(person="p3", measure="mrcpch_tas", date=dt.date(2025, 6, 1), result="pass")
    facts.outcome(person="p1", measure="mrcpch_fop", date=dt.date(2024, 6, 1), result="pass")
    rates = outcome_rates_by_year(engine, filters=ALL)
    assert list(rates.columns) == RATES_BY_YEAR_COLUMNS
    assert list(rates["measure"]) == ["mrcpch_fop", "mrcpch_tas"]
    assert _counts(rates, measure="mrcpch_tas", training_year=2024) == [3, 2]
    assert _counts(rates, measure="mrcpch_fop", training_year=2023) == [1, 1]
    tas = rates[rates["measure"] == "mrcpch_tas"].iloc[0]
    assert (tas["measure_label"], tas["category"], tas["training_year_label"]) == (
        "MRCPCH Theory and Science",
        "exam",
        "2024/25",
    )


def test_outcome_rates_by_year_splits_on_the_first_wednesday_of_august(engine, facts):
    """An outcome on Tuesday 6 August 2024 is in 2023/24; one on Wednesday 7 August 2024 is in 2024/25."""
    facts.outcome(person="p1", measure="mrcpch_akp", date=dt.date(2024, 8, 6), result="pass")
    facts.outcome(person="p2", measure="mrcpch_akp", date=dt.date(2024, 8, 7), result="fail")
    facts.outcome(person="p3", measure="mrcpch_akp", date=dt.date(2024, 8, 7), result="fail")
    rates = outcome_rates_by_year(engine, filters=ALL)
    assert list(rates["training_year"]) == [2023, 2024]
    assert _counts(rates, training_year=2023) == [1, 1]
    assert _counts(rates, training_year=2024) == [2, 0]


def test_outcome_rates_by_year_arcp_excluded_codes_leave_the_denominator(engine, facts):
    """ARCP codes 8, 9, 10.1 and 10.2 are not counted; unsatisfactory codes are the events."""
    for person, result in [
        ("p1", "1"),
        ("p2", "2"),
        ("p3", "7.4"),
        ("p4", "6"),
        ("p5", "8"),
        ("p6", "9"),
        ("p7", "10.1"),
        ("p8", "10.2"),
    ]:
        facts.outcome(person=person, measure="arcp", date=dt.date(2025, 6, 20), result=result)
    rates = outcome_rates_by_year(engine, filters=ALL)
    assert _counts(rates, measure="arcp", training_year=2024) == [4, 2]


def test_outcome_rates_by_year_drops_a_year_with_only_excluded_outcomes(engine, facts):
    """A measure-year whose every outcome is excluded has no denominator and no row."""
    facts.outcome(person="p1", measure="arcp", date=dt.date(2025, 6, 20), result="8")
    rates = outcome_rates_by_year(engine, filters=ALL)
    assert rates.empty
    assert list(rates.columns) == RATES_BY_YEAR_COLUMNS


def test_outcome_rates_by_year_region_filter_uses_the_outcome_row(engine, facts):
    """The region filter selects outcomes by the outcome row's region, whatever the person's attendance region."""
    facts.event(key="e1", date=dt.date(2024, 9, 1))
    facts.attendance(event="e1", person="p1", region="LDN")
    facts.outcome(person="p1", measure="st3_recruitment", date=OUTCOME_DAY, result="offer", region="WM")
    facts.outcome(person="p2", measure="st3_recruitment", date=OUTCOME_DAY, result="no_offer", region="LDN")
    in_wm = outcome_rates_by_year(engine, filters=Filters(regions=("WM",)))
    in_ldn = outcome_rates_by_year(engine, filters=Filters(regions=("LDN",)))
    assert _counts(in_wm, measure="st3_recruitment") == [1, 1]
    assert _counts(in_ldn, measure="st3_recruitment") == [1, 0]


def test_outcome_rates_by_year_stage_and_date_filters_apply_to_the_outcome(engine, facts):
    """Stage filters the outcome's stage; the date range (inclusive) filters the outcome date."""
    facts.outcome(
        person="p1", measure="mrcpch_clinical", date=dt.date(2025, 1, 1), result="pass", stage="st4"
    )
    facts.outcome(
        person="p2", measure="mrcpch_clinical", date=dt.date(2025, 1, 31), result="fail", stage="st4"
    )
    facts.outcome(
        person="p3", measure="mrcpch_clinical", date=dt.date(2025, 2, 1), result="pass", stage="st4"
    )
    facts.outcome(
        person="p4", measure="mrcpch_clinical", date=dt.date(2025, 1, 15), result="pass", stage="st5"
    )
    filters = Filters(stages=("st4",), date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31))
    assert _counts(outcome_rates_by_year(engine, filters=filters), measure="mrcpch_clinical") == [2, 1]


def test_outcome_rates_by_year_ignores_the_event_type_filter(engine, facts):
    """Outcomes have no event type, so the event-type filter leaves them all in."""
    facts.outcome(person="p1", measure="grid_recruitment", date=OUTCOME_DAY, result="offer")
    rates = outcome_rates_by_year(engine, filters=Filters(event_types=("mentoring",)))
    assert _counts(rates, measure="grid_recruitment") == [1, 1]


def test_benchmark_rates_lists_published_figures(engine, facts):
    """Benchmarks come back with measure labels, ordered by measure, year and group."""
    _add_benchmark(
        engine, facts, year=2015, measure="mrcpch_tas", group="UK graduates", numerator=649, denominator=1376
    )
    _add_benchmark(
        engine, facts, year=2015, measure="mrcpch_tas", group="IMGs", numerator=130, denominator=520
    )
    _add_benchmark(
        engine, facts, year=2014, measure="mrcpch_fop", group="IMGs", numerator=46, denominator=100
    )
    rates = benchmark_rates(engine)
    assert list(rates.columns) == BENCHMARK_COLUMNS
    assert rates[["measure", "year", "group", "numerator", "denominator"]].to_numpy().tolist() == [
        ["mrcpch_fop", 2014, "IMGs", 46, 100],
        ["mrcpch_tas", 2015, "IMGs", 130, 520],
        ["mrcpch_tas", 2015, "UK graduates", 649, 1376],
    ]
    assert rates["measure_label"].iloc[1] == "MRCPCH Theory and Science"
    assert rates["source"].iloc[0] == "GMC progression report"


def test_benchmark_rates_measure_selection(engine, facts):
    """Only the requested measures are returned; a known measure without figures gives an empty frame."""
    _add_benchmark(
        engine, facts, year=2015, measure="mrcpch_tas", group="IMGs", numerator=130, denominator=520
    )
    _add_benchmark(
        engine, facts, year=2014, measure="mrcpch_fop", group="IMGs", numerator=46, denominator=100
    )
    assert list(benchmark_rates(engine, measures=("mrcpch_fop",))["measure"]) == ["mrcpch_fop"]
    empty = benchmark_rates(engine, measures=("arcp",))
    assert empty.empty
    assert list(empty.columns) == BENCHMARK_COLUMNS


def test_benchmark_rates_unknown_measure_is_a_clear_error(engine):
    """An unknown measure code raises ValueError naming it."""
    with pytest.raises(ValueError, match="unknown outcome measure.*not_a_measure"):
        benchmark_rates(engine, measures=("arcp", "not_a_measure"))


def _attend_events(facts, person, count, *, first_day=dt.date(2024, 1, 1), event_type="induction"):
    for number in range(count):
        key = f"{person}-e{number}"
        facts.event(key=key, date=first_day + dt.timedelta(days=number), event_type=event_type)
        facts.attendance(event=key, person=person)


def test_outcome_rates_by_engagement_bands_at_the_boundaries(engine, facts):
    """Prior event counts 0, 1, 2, 3 and 4 fall in bands 0, 1-2, 1-2, 3+ and 3+."""
    for person, attended in [("p0", 0), ("p1", 1), ("p2", 2), ("p3", 3), ("p4", 4)]:
        _attend_events(facts, person, attended)
    for person, result in [("p0", "pass"), ("p1", "pass"), ("p2", "fail"), ("p3", "pass"), ("p4", "pass")]:
        facts.outcome(person=person, measure="mrcpch_fop", date=OUTCOME_DAY, result=result)
    rates = outcome_rates_by_engagement(engine, filters=ALL)
    assert list(rates.columns) == RATES_BY_ENGAGEMENT_COLUMNS
    assert rates[["engagement", "n", "events"]].to_numpy().tolist() == [
        ["0", 1, 1],
        ["1-2", 2, 1],
        ["3+", 2, 2],
    ]


def test_outcome_rates_by_engagement_counts_only_events_strictly_before(engine, facts):
    """Events on the outcome date or later, and registrations not attended, do not count."""
    facts.event(key="before", date=OUTCOME_DAY - dt.timedelta(days=1))
    facts.event(key="same_day", date=OUTCOME_DAY)
    facts.event(key="after", date=OUTCOME_DAY + dt.timedelta(days=1))
    facts.event(key="no_show", date=dt.date(2024, 1, 1))
    for event in ("before", "same_day", "after"):
        facts.attendance(event=event, person="p1")
    facts.attendance(event="no_show", person="p1", attended=False)
    facts.outcome(person="p1", measure="arcp", date=OUTCOME_DAY, result="3")
    rates = outcome_rates_by_engagement(engine, filters=ALL)
    assert _counts(rates, engagement="1-2") == [1, 1]
    assert _counts(rates, engagement="3+") == [0, 0]


def test_outcome_rates_by_engagement_is_per_outcome_date(engine, facts):
    """The same person falls in different bands for outcomes on different dates."""
    _attend_events(facts, "p1", 3, first_day=dt.date(2024, 1, 1))
    facts.outcome(person="p1", measure="mrcpch_tas", date=dt.date(2024, 1, 1), result="fail")
    facts.outcome(person="p1", measure="mrcpch_tas", date=dt.date(2024, 1, 3), result="fail")
    facts.outcome(person="p1", measure="mrcpch_tas", date=dt.date(2024, 2, 1), result="pass")
    rates = outcome_rates_by_engagement(engine, filters=ALL)
    assert rates[["engagement", "n", "events"]].to_numpy().tolist() == [
        ["0", 1, 0],
        ["1-2", 1, 0],
        ["3+", 1, 1],
    ]


def test_outcome_rates_by_engagement_filters_select_outcomes_not_history(engine, facts):
    """Event-type and date filters do not narrow the engagement count; region filters the outcome row."""
    _attend_events(facts, "p1", 3, first_day=dt.date(2023, 1, 1), event_type="mentoring")
    facts.outcome(person="p1", measure="mrcpch_fop", date=OUTCOME_DAY, result="pass", region="SEV")
    facts.outcome(person="p2", measure="mrcpch_fop", date=OUTCOME_DAY, result="pass", region="PEN")
    filters = Filters(event_types=("exam_prep",), regions=("SEV",), date_from=dt.date(2025, 1, 1))
    rates = outcome_rates_by_engagement(engine, filters=filters)
    assert rates[["engagement", "n", "events"]].to_numpy().tolist() == [
        ["0", 0, 0],
        ["1-2", 0, 0],
        ["3+", 1, 1],
    ]


def test_outcome_rates_by_engagement_excludes_arcp_codes_and_orders_measures(engine, facts):
    """Excluded ARCP codes leave n; each measure with outcomes gets all three bands, in reference order."""
    facts.outcome(person="p1", measure="arcp", date=OUTCOME_DAY, result="10.1")
    facts.outcome(person="p2", measure="arcp", date=OUTCOME_DAY, result="1")
    facts.outcome(person="p3", measure="mrcpch_fop", date=OUTCOME_DAY, result="fail")
    rates = outcome_rates_by_engagement(engine, filters=ALL)
    assert list(rates["measure"]) == ["mrcpch_fop"] * 3 + ["arcp"] * 3
    assert _counts(rates, measure="arcp", engagement="0") == [1, 0]


def test_outcome_rates_by_engagement_is_empty_with_columns_when_nothing_matches(engine):
    """No outcomes give an empty frame with the documented columns."""
    rates = outcome_rates_by_engagement(engine, filters=ALL)
    assert rates.empty
    assert list(rates.columns) == RATES_BY_ENGAGEMENT_COLUMNS


def test_mwres_reach_lists_every_indicator_zero_filled(engine):
    """Every indicator in the table appears, with its label from the table, and zero counts."""
    with engine.begin() as conn:
        conn.execute(insert(MwresIndicator.__table__).values(code="12", label="Locally added indicator"))
        indicator_count = len(conn.execute(select(MwresIndicator.id)).all())
    reach = mwres_reach(engine, filters=ALL)
    assert list(reach.columns) == MWRES_REACH_COLUMNS
    assert len(reach) == indicator_count
    assert reach.iloc[-1][["indicator", "indicator_label"]].tolist() == ["12", "Locally added indicator"]
    assert reach[["events", "attendances", "unique_participants"]].to_numpy().sum() == 0


def test_mwres_reach_counts_events_attendances_and_people(engine, facts):
    """An event counts under each linked indicator; no-shows and unlinked events do not count."""
    facts.event(key="e1", date=dt.date(2025, 1, 10), mwres_indicators=("4a", "4b"))
    facts.event(key="e2", date=dt.date(2025, 2, 10), mwres_indicators=("4a",))
    facts.event(key="e3", date=dt.date(2025, 2, 11), mwres_indicators=("4a",))
    facts.event(key="unlinked", date=dt.date(2025, 2, 10))
    facts.attendance(event="e1", person="p1")
    facts.attendance(event="e1", person="p2")
    facts.attendance(event="e2", person="p1")
    facts.attendance(event="e3", person="p3", attended=False)
    facts.attendance(event="unlinked", person="p4")
    reach = mwres_reach(engine, filters=ALL).set_index("indicator")
    assert reach.loc["4a", ["events", "attendances", "unique_participants"]].tolist() == [2, 3, 2]
    assert reach.loc["4b", ["events", "attendances", "unique_participants"]].tolist() == [1, 2, 2]
    assert reach.loc["4c", ["events", "attendances", "unique_participants"]].tolist() == [0, 0, 0]


def test_mwres_reach_applies_the_dashboard_filters(engine, facts):
    """Date and type filter the event; region and stage filter the attendance row."""
    facts.event(key="in", date=dt.date(2025, 1, 10), event_type="academic_careers", mwres_indicators=("1c",))
    facts.event(key="late", date=dt.date(2025, 6, 1), event_type="academic_careers", mwres_indicators=("1c",))
    facts.event(key="other", date=dt.date(2025, 1, 10), event_type="induction", mwres_indicators=("1c",))
    for event in ("in", "late", "other"):
        facts.attendance(event=event, person="p1", region="WAL", stage="st5")
    facts.attendance(event="in", person="p2", region="NI", stage="st5")
    facts.attendance(event="in", person="p3", region="WAL", stage="st1")
    filters = Filters(
        event_types=("academic_careers",), regions=("WAL",), stages=("st5",), date_to=dt.date(2025, 3, 31)
    )
    reach = mwres_reach(engine, filters=filters).set_index("indicator")
    assert reach.loc["1c", ["events", "attendances", "unique_participants"]].tolist() == [1, 1, 1]
