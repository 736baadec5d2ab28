"""Regional coverage: reps and reach per training region (dashboard page 4).

A rep is *active on* a day when ``start_date <= day`` and ``end_date`` is
empty or ``>= day``; both ends are inclusive. Only the 19 training regions are
reported: OVS and UNK have no reps and no place on the map.

An *attendance* is an attendance row with attended = yes whose event passes
the date and event-type filters and whose own region and stage pass the
region and stage filters (the event's host region plays no part).
"""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
from sqlalchemy import ColumnElement, Date, Engine, Table, and_, func, literal, or_, select, union_all

from data_access.filters import Filters
from data_access.models import Attendance, Event, Region, Rep
from data_access.queries.filtering import counted_conditions, event_conditions

attendance_t: Table = Attendance.__table__
event_t: Table = Event.__table__
region_t: Table = Region.__table__
rep_t: Table = Rep.__table__

REP_NAME_SEPARATOR = "; "

REGION_COVERAGE_COLUMNS = [
    "region",
    "region_name",
    "nation",
    "nhse_region",
    "lat",
    "lon",
    "active_reps",
    "active_rep_names",
    "attendances",
    "unique_participants",
]
REPS_TABLE_COLUMNS = ["name", "region", "region_name", "role", "start_date", "end_date", "active"]
COVERED_BY_MONTH_COLUMNS = ["month", "as_of", "regions_with_active_rep", "regions_total"]


def _selected_training_regions(filters: Filters) -> list[ColumnElement[bool]]:
    """Return conditions on ``region`` selecting the training regions the filter selects."""
    conditions: list[ColumnElement[bool]] = [region_t.c.is_training_region.is_(True)]
    if filters.regions:
        conditions.append(region_t.c.code.in_(filters.regions))
    return conditions


def _active_on(day: ColumnElement | dt.date) -> ColumnElement[bool]:
    """Return the condition that a rep is active on ``day`` (a date or a date column)."""
    return and_(rep_t.c.start_date <= day, or_(rep_t.c.end_date.is_(None), rep_t.c.end_date >= day))


def region_coverage(engine: Engine, *, filters: Filters, as_of: dt.date) -> pd.DataFrame:
    """Return one row per training region the region filter selects (all 19 when unset).

    Columns: ``region`` (code), ``region_name``, ``nation``, ``nhse_region``
    (missing, NaN, outside England), ``lat`` and ``lon`` (degrees, a
    representative city), ``active_reps`` (distinct names of reps active on
    ``as_of``), ``active_rep_names`` (those names sorted ignoring case and
    joined with "; "; "" when none), ``attendances`` (see the module
    docstring; by the attendance row's own region) and ``unique_participants``
    (distinct participants among them). Rows are in the reference sort order.
    """
    reach = (
        select(
            attendance_t.c.region_id,
            func.count().label("attendances"),
            func.count(attendance_t.c.participant_id.distinct()).label("unique_participants"),
        )
        .where(attendance_t.c.attended.is_(True), *counted_conditions(filters, attendance_t))
        .group_by(attendance_t.c.region_id)
        .subquery("reach")
    )
    regions_query = (
        select(
            region_t.c.code.label("region"),
            region_t.c.name.label("region_name"),
            region_t.c.nation,
            region_t.c.nhse_region,
            region_t.c.lat,
            region_t.c.lon,
            func.coalesce(reach.c.attendances, 0).label("attendances"),
            func.coalesce(reach.c.unique_participants, 0).label("unique_participants"),
        )
        .outerjoin(reach, reach.c.region_id == region_t.c.id)
        .where(*_selected_training_regions(filters))
        .order_by(region_t.c.sort_order)
    )
    # Names are few (one or two per region) and are the output itself, so they
    # are joined in Python: SQLite and PostgreSQL disagree on ordered string
    # aggregation.
    names_query = (
        select(region_t.c.code.label("region"), rep_t.c.name)
        .join(region_t, region_t.c.id == rep_t.c.region_id)
        .where(_active_on(as_of), *_selected_training_regions(filters))
        .distinct()
    )
    with engine.connect() as conn:
        regions = pd.DataFrame(
            conn.execute(regions_query).all(), columns=list(regions_query.selected_columns.keys())
        )
        names = conn.execute(names_query).all()

    names_by_region: dict[str, list[str]] = {}
    for region, name in names:
        names_by_region.setdefault(region, []).append(name)
    regions["active_reps"] = [len(names_by_region.get(code, ())) for code in regions["region"]]
    regions["active_rep_names"] = [
        REP_NAME_SEPARATOR.join(sorted(names_by_region.get(code, ()), key=str.casefold))
        for code in regions["region"]
    ]
    return regions.astype({"active_reps": "int64", "attendances": "int64", "unique_participants": "int64"})[
        REGION_COVERAGE_COLUMNS
    ]


def reps_table(engine: Engine, *, filters: Filters, as_of: dt.date) -> pd.DataFrame:
    """Return one row per rep appointment in the regions the region filter selects.

    Columns: ``name``, ``region`` (code), ``region_name``, ``role`` (lead,
    rep or deputy), ``start_date``, ``end_date`` (``datetime.date``; end is
    None while still serving) and ``active`` (bool: active on ``as_of``).

    The date filter keeps appointments that overlap the selected period
    (started on or before ``date_to`` and not ended before ``date_from``), so
    a rep who left before the period is not listed for it. Stage and
    event-type filters do not apply to reps. Rows are ordered by region (the
    reference order), then name, then start date.
    """
    conditions: list[ColumnElement[bool]] = list(_selected_training_regions(filters))
    if filters.date_to is not None:
        conditions.append(rep_t.c.start_date <= filters.date_to)
    if filters.date_from is not None:
        conditions.append(or_(rep_t.c.end_date.is_(None), rep_t.c.end_date >= filters.date_from))
    query = (
        select(
            rep_t.c.name,
            region_t.c.code.label("region"),
            region_t.c.name.label("region_name"),
            rep_t.c.role,
            rep_t.c.start_date,
            rep_t.c.end_date,
        )
        .join(region_t, region_t.c.id == rep_t.c.region_id)
        .where(*conditions)
        .order_by(region_t.c.sort_order, rep_t.c.name, rep_t.c.start_date)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    table = pd.DataFrame(rows, columns=REPS_TABLE_COLUMNS[:-1])
    table["active"] = [
        start <= as_of and (end is None or end >= as_of)
        for start, end in zip(table["start_date"], table["end_date"])
    ]
    return table.astype({"active": "bool"})


def _month_snapshots(first_day: dt.date, last_day: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Return (first of month, snapshot day) for each month from ``first_day`` to
    ``last_day``; the snapshot day is the month's last day, or ``last_day`` in
    the final month."""
    snapshots: list[tuple[dt.date, dt.date]] = []
    month = first_day.replace(day=1)
    while month <= last_day:
        month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        snapshots.append((month, min(month_end, last_day)))
        month = month_end + dt.timedelta(days=1)
    return snapshots


def _earliest_activity(engine: Engine, filters: Filters) -> dt.date | None:
    """Return the earlier of the first rep start in the selected regions and the
    first event of the selected types, or None when there are neither."""
    first_rep = (
        select(func.min(rep_t.c.start_date))
        .join(region_t, region_t.c.id == rep_t.c.region_id)
        .where(*_selected_training_regions(filters))
    )
    first_event = select(func.min(event_t.c.date)).where(*event_conditions(filters))
    with engine.connect() as conn:
        dates = [conn.execute(first_rep).scalar_one(), conn.execute(first_event).scalar_one()]
    known = [day for day in dates if day is not None]
    return min(known) if known else None


def regions_covered_by_month(
    engine: Engine, *, filters: Filters, today: dt.date | None = None
) -> pd.DataFrame:
    """Return one row per calendar month: how many selected training regions had an active rep.

    Columns: ``month`` (``datetime.date``, first of the month), ``as_of``
    (the snapshot day: the month's last day, or the end of the range in the
    final month), ``regions_with_active_rep`` (selected training regions with
    a rep active on ``as_of``) and ``regions_total`` (training regions the
    region filter selects, 19 when unset).

    A month is judged on one snapshot day, its last, rather than on "any day
    of the month": that is the same point-in-time rule as the rep-coverage
    KPI, so the final month equals the KPI tile for the same ``date_to``, and
    a rep who left on the 2nd does not make a whole month look covered.

    The months run from ``date_from`` (when unset: the first rep start in the
    selected regions or the first event, whichever is earlier) to ``date_to``
    (when unset: ``today``, which defaults to the current date). The frame is
    empty when there is nothing to start from or the range is empty.
    """
    last_day = filters.date_to or today or dt.date.today()
    first_day = filters.date_from or _earliest_activity(engine, filters)
    if first_day is None or first_day > last_day:
        return pd.DataFrame(columns=COVERED_BY_MONTH_COLUMNS)

    snapshots = _month_snapshots(first_day, last_day)
    months = union_all(
        *(
            select(literal(month, Date).label("month"), literal(snapshot, Date).label("as_of"))
            for month, snapshot in snapshots
        )
    ).subquery("months")
    covered_query = (
        select(months.c.month, func.count(rep_t.c.region_id.distinct()).label("regions_with_active_rep"))
        .join(rep_t, _active_on(months.c.as_of))
        .join(region_t, region_t.c.id == rep_t.c.region_id)
        .where(*_selected_training_regions(filters))
        .group_by(months.c.month)
    )
    total_query = select(func.count()).select_from(region_t).where(*_selected_training_regions(filters))
    with engine.connect() as conn:
        covered = dict(conn.execute(covered_query).all())
        regions_total = conn.execute(total_query).scalar_one()

    return pd.DataFrame(
        [(month, snapshot, covered.get(month, 0), regions_total) for month, snapshot in snapshots],
        columns=COVERED_BY_MONTH_COLUMNS,
    ).astype({"regions_with_active_rep": "int64", "regions_total": "int64"})
