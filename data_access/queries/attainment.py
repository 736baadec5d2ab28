"""Differential attainment and MWRES reach (dashboard page 5).

Outcome rates count outcome rows. ``n`` is the rows whose ``flag`` is not
null (ARCP codes 8, 9, 10.1 and 10.2 carry a null flag and leave the
denominator); ``events`` is the rows whose flag is 1: a pass for exams, an
*unsatisfactory* outcome for ARCP, an offer for recruitment. The rate is
``events / n``; it is left to the caller, with its interval.

For outcomes the region and stage filters apply to the region and stage on
the outcome row and the date filter to the outcome date. The event-type
filter does not apply: an outcome has no event type.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Table, and_, case, func, select

from data_access.filters import Filters
from data_access.models import (
    Attendance,
    Benchmark,
    Event,
    MwresIndicator,
    Outcome,
    OutcomeMeasure,
    event_mwres,
)
from data_access.periods import training_year_label, training_year_of
from data_access.queries.filtering import date_conditions, event_conditions, person_conditions

attendance_t: Table = Attendance.__table__
benchmark_t: Table = Benchmark.__table__
event_t: Table = Event.__table__
indicator_t: Table = MwresIndicator.__table__
measure_t: Table = OutcomeMeasure.__table__
outcome_t: Table = Outcome.__table__

ENGAGEMENT_BANDS: tuple[str, ...] = ("0", "1-2", "3+")
# Prior events from which the top band ("3+") starts.
TOP_BAND_FROM = 3

RATES_BY_YEAR_COLUMNS = [
    "measure",
    "measure_label",
    "category",
    "training_year",
    "training_year_label",
    "n",
    "events",
]
BENCHMARK_COLUMNS = ["year", "measure", "measure_label", "group", "numerator", "denominator", "source"]
RATES_BY_ENGAGEMENT_COLUMNS = ["measure", "measure_label", "engagement", "n", "events"]
MWRES_REACH_COLUMNS = ["indicator", "indicator_label", "events", "attendances", "unique_participants"]


def _outcome_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Return the conditions selecting counted outcome rows (flag not null, filters applied)."""
    return [
        outcome_t.c.flag.is_not(None),
        *person_conditions(filters, outcome_t),
        *date_conditions(filters, outcome_t.c.date),
    ]


def outcome_rates_by_year(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return members' outcome counts per measure and GMC training year.

    Columns: ``measure`` (code), ``measure_label``, ``category`` (exam,
    arcp or recruitment), ``training_year`` (int, the calendar year the
    training year starts in; years start on the first Wednesday in August),
    ``training_year_label`` (e.g. "2024/25"), ``n`` (outcome rows with a
    non-null flag) and ``events`` (rows with flag 1). Only measure-years with
    n > 0 appear, ordered by measure (reference order) then year.

    Counted in SQL per measure and outcome date; the dates are then bucketed
    into training years here, as distinct dates are few. See the module
    docstring for which filters apply.
    """
    query = (
        select(
            measure_t.c.code.label("measure"),
            measure_t.c.label.label("measure_label"),
            measure_t.c.category,
            measure_t.c.sort_order,
            outcome_t.c.date,
            func.count().label("n"),
            func.sum(outcome_t.c.flag).label("events"),
        )
        .join(measure_t, measure_t.c.id == outcome_t.c.measure_id)
        .where(*_outcome_conditions(filters))
        .group_by(
            measure_t.c.code,
            measure_t.c.label,
            measure_t.c.category,
            measure_t.c.sort_order,
            outcome_t.c.date,
        )
    )
    with engine.connect() as conn:
        by_date = pd.DataFrame(
            conn.execute(query).all(),
            columns=["measure", "measure_label", "category", "sort_order", "date", "n", "events"],
        )
    if by_date.empty:
        return pd.DataFrame(columns=RATES_BY_YEAR_COLUMNS)

    by_date["training_year"] = [training_year_of(day) for day in by_date["date"]]
    by_year = (
        by_date.groupby(
            ["sort_order", "measure", "measure_label", "category", "training_year"], as_index=False
        )[["n", "events"]]
        .sum()
        .sort_values(["sort_order", "training_year"], ignore_index=True)
    )
    by_year["training_year_label"] = [training_year_label(year) for year in by_year["training_year"]]
    return by_year.astype({"training_year": "int64", "n": "int64", "events": "int64"})[RATES_BY_YEAR_COLUMNS]


def benchmark_rates(engine: Engine, *, measures: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return the published national benchmark figures for ``measures`` (all when empty).

    Columns: ``year`` (int, as recorded by the benchmarks import),
    ``measure`` (code), ``measure_label``, ``group`` (e.g. "IMGs"),
    ``numerator`` and ``denominator`` (counts; the rate is their ratio) and
    ``source``. Ordered by measure (reference order), year, group and
    source. Benchmarks are national figures, so the dashboard filters do not
    apply. Raises ``ValueError`` naming any code that is not an outcome
    measure.
    """
    query = (
        select(
            benchmark_t.c.year,
            measure_t.c.code.label("measure"),
            measure_t.c.label.label("measure_label"),
            benchmark_t.c.group_label.label("group"),
            benchmark_t.c.numerator,
            benchmark_t.c.denominator,
            benchmark_t.c.source,
        )
        .join(measure_t, measure_t.c.id == benchmark_t.c.measure_id)
        .order_by(measure_t.c.sort_order, benchmark_t.c.year, benchmark_t.c.group_label, benchmark_t.c.source)
    )
    with engine.connect() as conn:
        if measures:
            known = set(
                conn.execute(select(measure_t.c.code).where(measure_t.c.code.in_(measures))).scalars()
            )
            unknown = sorted(set(measures) - known)
            if unknown:
                raise ValueError(f"unknown outcome measure(s): {', '.join(unknown)}")
            query = query.where(measure_t.c.code.in_(measures))
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)


def outcome_rates_by_engagement(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return members' outcome counts per measure, split by prior engagement.

    Columns: ``measure`` (code), ``measure_label``, ``engagement`` ("0",
    "1-2" or "3+"), ``n`` (outcome rows with a non-null flag) and
    ``events`` (rows with flag 1). Every measure with at least one counted
    outcome gets all three bands, zero-filled; ordered by measure (reference
    order) then band.

    Engagement is the number of distinct Soft Landing events the participant
    attended (attended = yes) on a date strictly before the outcome date. It
    counts *every* such event: the event-type, date, region and stage filters
    select the outcome rows only, never the history behind them, because the
    band describes the member's whole engagement up to the outcome and must
    not change meaning when a reach filter is set on another page.
    """
    # A join grouped by outcome rather than a correlated subquery per outcome:
    # at 100k outcomes x 1M attendance rows PostgreSQL hash-joins it about 4x
    # faster, and SQLite walks ix_attendance_participant either way.
    # uq_attendance_event_participant makes each joined row a distinct event.
    prior = (
        select(outcome_t.c.id.label("outcome_id"), func.count().label("prior_events"))
        .join(
            attendance_t,
            and_(attendance_t.c.participant_id == outcome_t.c.participant_id, attendance_t.c.attended),
        )
        .join(event_t, and_(event_t.c.id == attendance_t.c.event_id, event_t.c.date < outcome_t.c.date))
        .where(*_outcome_conditions(filters))
        .group_by(outcome_t.c.id)
        .subquery("prior")
    )
    engagement = case(
        (prior.c.prior_events.is_(None), ENGAGEMENT_BANDS[0]),
        (prior.c.prior_events < TOP_BAND_FROM, ENGAGEMENT_BANDS[1]),
        else_=ENGAGEMENT_BANDS[2],
    ).label("engagement")
    query = (
        select(
            measure_t.c.code.label("measure"),
            measure_t.c.label.label("measure_label"),
            measure_t.c.sort_order,
            engagement,
            func.count().label("n"),
            func.sum(outcome_t.c.flag).label("events"),
        )
        .select_from(outcome_t)
        .join(measure_t, measure_t.c.id == outcome_t.c.measure_id)
        .outerjoin(prior, prior.c.outcome_id == outcome_t.c.id)
        .where(*_outcome_conditions(filters))
        .group_by(measure_t.c.code, measure_t.c.label, measure_t.c.sort_order, engagement)
    )
    with engine.connect() as conn:
        counted = pd.DataFrame(
            conn.execute(query).all(),
            columns=["measure", "measure_label", "sort_order", "engagement", "n", "events"],
        )
    if counted.empty:
        return pd.DataFrame(columns=RATES_BY_ENGAGEMENT_COLUMNS)

    measures = counted[["sort_order", "measure", "measure_label"]].drop_duplicates()
    bands = pd.DataFrame({"engagement": ENGAGEMENT_BANDS, "band_order": range(len(ENGAGEMENT_BANDS))})
    grid = measures.merge(bands, how="cross")
    filled = grid.merge(
        counted[["measure", "engagement", "n", "events"]], on=["measure", "engagement"], how="left"
    ).fillna({"n": 0, "events": 0})
    return filled.sort_values(["sort_order", "band_order"], ignore_index=True).astype(
        {"n": "int64", "events": "int64"}
    )[RATES_BY_ENGAGEMENT_COLUMNS]


def mwres_reach(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return the reach of the events linked to each MWRES indicator.

    Columns: ``indicator`` (code), ``indicator_label`` (from the editable
    ``mwres_indicator`` table), ``events`` (distinct linked events with at
    least one counted attendance), ``attendances`` (counted attendances at
    those events) and ``unique_participants`` (distinct participants among
    them). A counted attendance has attended = yes, an event passing the date
    and event-type filters, and its own region and stage passing the region
    and stage filters. Every indicator in the table appears, zero-filled, in
    table order; an event linked to two indicators counts under both.
    """
    reach = (
        select(
            event_mwres.c.indicator_id,
            func.count(attendance_t.c.event_id.distinct()).label("events"),
            func.count().label("attendances"),
            func.count(attendance_t.c.participant_id.distinct()).label("unique_participants"),
        )
        .select_from(event_mwres)
        .join(event_t, event_t.c.id == event_mwres.c.event_id)
        .join(attendance_t, attendance_t.c.event_id == event_t.c.id)
        .where(
            attendance_t.c.attended.is_(True),
            *event_conditions(filters),
            *person_conditions(filters, attendance_t),
        )
        .group_by(event_mwres.c.indicator_id)
        .subquery("reach")
    )
    query = (
        select(
            indicator_t.c.code.label("indicator"),
            indicator_t.c.label.label("indicator_label"),
            func.coalesce(reach.c.events, 0).label("events"),
            func.coalesce(reach.c.attendances, 0).label("attendances"),
            func.coalesce(reach.c.unique_participants, 0).label("unique_participants"),
        )
        .outerjoin(reach, reach.c.indicator_id == indicator_t.c.id)
        .order_by(indicator_t.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=MWRES_REACH_COLUMNS).astype(
        {"events": "int64", "attendances": "int64", "unique_participants": "int64"}
    )


BENCHMARK_SOURCE_COLUMNS = ["source", "source_url", "first_year", "last_year", "figures"]


def benchmark_sources(engine: Engine) -> pd.DataFrame:
    """Return each source of the national benchmark figures once per link.

    Columns: ``source``, ``source_url`` (the published report's address, None
    when none was recorded), ``first_year`` and ``last_year`` (ints, the
    years of its figures) and ``figures`` (how many figures it gave).
    Ordered by source and link.
    """
    query = (
        select(
            benchmark_t.c.source,
            benchmark_t.c.source_url,
            func.min(benchmark_t.c.year),
            func.max(benchmark_t.c.year),
            func.count(),
        )
        .group_by(benchmark_t.c.source, benchmark_t.c.source_url)
        .order_by(benchmark_t.c.source, benchmark_t.c.source_url)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=BENCHMARK_SOURCE_COLUMNS, dtype=object)
