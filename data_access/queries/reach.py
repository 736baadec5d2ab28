"""Event reach (dashboard page 2 and the Overview's reach chart).

Which rows are counted, as for the KPIs:

- a *registration* is an attendance row whose event passes the date and
  event-type filters and whose own region and stage pass the region and stage
  filters (the event's host region plays no part);
- an *attendance* is a registration with attended = yes. Participant counts
  (unique, new, returning) count only attendances.

Months are ``datetime.date`` values, the first of the event's month. Counts
are ints. Every function returns an empty frame with the same columns when
nothing matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Engine,
    Integer,
    Select,
    Subquery,
    Table,
    and_,
    case,
    cast,
    extract,
    func,
    select,
    true,
)

from data_access.filters import Filters
from data_access.models import Attendance, EventType, Feedback, Region, Stage
from data_access.queries.filtering import counted_conditions, event_conditions, event_t, person_conditions

attendance_t: Table = Attendance.__table__
event_type_t: Table = EventType.__table__
feedback_t: Table = Feedback.__table__
region_t: Table = Region.__table__
stage_t: Table = Stage.__table__

NATIONAL = "National"

REACH_BY_MONTH_COLUMNS = ["month", "registrations", "attendances", "unique_participants"]
BY_MONTH_AND_TYPE_COLUMNS = ["month", "event_type", "event_type_label", "attendances"]
BY_REGION_COLUMNS = ["region", "region_name", "nation", "attendances", "unique_participants"]
BY_STAGE_COLUMNS = ["stage", "stage_label", "stage_group", "attendances", "unique_participants"]
CONVERSION_COLUMNS = ["event_type", "event_type_label", "registrations", "attendances"]
NEW_VS_RETURNING_COLUMNS = ["month", "new_participants", "returning_participants"]
CUMULATIVE_REACH_COLUMNS = ["month", "new_participants", "cumulative_unique_participants"]
EVENTS_TABLE_COLUMNS = [
    "event_id", "title", "date", "event_type", "event_type_label", "delivery", "host_region",
    "registrations", "attendances", "feedback_responses", "pct_excellent",
]


def month_key(date: ColumnElement) -> ColumnElement[int]:
    """Return ``year * 100 + month`` of a date column, e.g. 202408: the same
    integer on every backend, turned into a date by ``month_start``."""
    return cast(extract("year", date), Integer) * 100 + cast(extract("month", date), Integer)


def month_start(key: int) -> dt.date:
    """Return the first day of the month that ``month_key`` encoded as ``key``."""
    return dt.date(int(key) // 100, int(key) % 100, 1)


def reach_by_month(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per month with registrations: ``month``,
    ``registrations``, ``attendances`` and ``unique_participants`` (distinct
    participants attending in that month), oldest month first."""
    event_month = _event_months(filters)
    per_event = _per_event(filters)
    counts = (
        select(
            event_month.c.month,
            _whole(func.sum(per_event.c.registrations)).label("registrations"),
            _whole(func.sum(per_event.c.attendances)).label("attendances"),
        )
        .select_from(per_event.join(event_month, event_month.c.id == per_event.c.event_id))
        .group_by(event_month.c.month)
        .subquery("counts")
    )
    people = _participants_per_month(filters, event_month)
    statement = (
        select(counts, func.coalesce(people.c.unique_participants, 0))
        .outerjoin(people, people.c.month == counts.c.month)
        .order_by(counts.c.month)
    )
    return _frame(engine, statement, REACH_BY_MONTH_COLUMNS, month_columns=("month",))


def attendances_by_month_and_type(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per month and event type with attendances: ``month``,
    ``event_type`` (code), ``event_type_label`` and ``attendances``; ordered
    by month, then the reference order of event types."""
    event_month = _event_months(filters)
    per_event = _per_event(filters)
    per_month_type = (
        select(
            event_month.c.month,
            event_month.c.event_type_id,
            _whole(func.sum(per_event.c.attendances)).label("attendances"),
        )
        .select_from(per_event.join(event_month, event_month.c.id == per_event.c.event_id))
        .where(per_event.c.attendances > 0)
        .group_by(event_month.c.month, event_month.c.event_type_id)
        .subquery("per_month_type")
    )
    statement = (
        select(per_month_type.c.month, event_type_t.c.code, event_type_t.c.label, per_month_type.c.attendances)
        .join(event_type_t, event_type_t.c.id == per_month_type.c.event_type_id)
        .order_by(per_month_type.c.month, event_type_t.c.sort_order)
    )
    return _frame(engine, statement, BY_MONTH_AND_TYPE_COLUMNS, month_columns=("month",))


def attendances_by_region(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per region recorded on attendances, OVS and UNK
    included: ``region`` (code), ``region_name``, ``nation``, ``attendances``
    and ``unique_participants``; in the reference order of regions."""
    per_region = _attendances_per(attendance_t.c.region_id, filters)
    statement = (
        select(region_t.c.code, region_t.c.name, region_t.c.nation,
               per_region.c.attendances, per_region.c.unique_participants)
        .join(region_t, region_t.c.id == per_region.c.group_id)
        .order_by(region_t.c.sort_order)
    )
    return _frame(engine, statement, BY_REGION_COLUMNS)


def attendances_by_stage(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per training stage recorded on attendances: ``stage``
    (code), ``stage_label``, ``stage_group`` (non_training, core, specialty,
    consultant or unknown), ``attendances`` and ``unique_participants``; in
    the reference order of stages."""
    per_stage = _attendances_per(attendance_t.c.stage_id, filters)
    statement = (
        select(stage_t.c.code, stage_t.c.label, stage_t.c.stage_group,
               per_stage.c.attendances, per_stage.c.unique_participants)
        .join(stage_t, stage_t.c.id == per_stage.c.group_id)
        .order_by(stage_t.c.sort_order)
    )
    return _frame(engine, statement, BY_STAGE_COLUMNS)


def conversion_by_event_type(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per event type with registrations: ``event_type``
    (code), ``event_type_label``, ``registrations`` and ``attendances``; the
    conversion rate is attendances / registrations."""
    per_event = _per_event(filters)
    per_type = (
        select(
            event_t.c.event_type_id,
            _whole(func.sum(per_event.c.registrations)).label("registrations"),
            _whole(func.sum(per_event.c.attendances)).label("attendances"),
        )
        .select_from(per_event.join(event_t, event_t.c.id == per_event.c.event_id))
        .group_by(event_t.c.event_type_id)
        .subquery("per_type")
    )
    statement = (
        select(event_type_t.c.code, event_type_t.c.label, per_type.c.registrations, per_type.c.attendances)
        .join(event_type_t, event_type_t.c.id == per_type.c.event_type_id)
        .order_by(event_type_t.c.sort_order)
    )
    return _frame(engine, statement, CONVERSION_COLUMNS)


def new_vs_returning_by_month(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per month with attendances: ``month``,
    ``new_participants`` and ``returning_participants``; the two add up to
    that month's ``unique_participants`` in ``reach_by_month``.

    A participant attending in a month is *new* there when that month is the
    month of their first attendance at any Soft Landing event, and
    *returning* otherwise. "First ever" deliberately ignores the filters: with
    a date range starting this year, someone who first came two years ago is
    returning, not new; likewise under a region, stage or type filter.
    """
    every_event = _event_months(Filters(), name="every_event_month")
    counted_row = and_(true(), *event_conditions(filters, every_event), *person_conditions(filters, attendance_t))
    # A participant is new in some counted month exactly when their first
    # counted month is their first month ever, so one pass per participant
    # finds every new participant without listing their other months.
    first_months = (
        select(
            func.min(every_event.c.month).label("first_month"),
            func.min(case((counted_row, every_event.c.month))).label("first_counted_month"),
        )
        .select_from(attendance_t.join(every_event, every_event.c.id == attendance_t.c.event_id))
        .where(attendance_t.c.attended)
        .group_by(attendance_t.c.participant_id)
        .subquery("first_months")
    )
    new = (
        select(first_months.c.first_month.label("month"), func.count().label("new_participants"))
        .where(first_months.c.first_month == first_months.c.first_counted_month)
        .group_by(first_months.c.first_month)
        .subquery("new")
    )
    people = _participants_per_month(filters, _event_months(filters))
    new_participants = func.coalesce(new.c.new_participants, 0)
    statement = (
        select(people.c.month, new_participants, people.c.unique_participants - new_participants)
        .outerjoin(new, new.c.month == people.c.month)
        .order_by(people.c.month)
    )
    return _frame(engine, statement, NEW_VS_RETURNING_COLUMNS, month_columns=("month",))


def cumulative_unique_reach(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per month with attendances: ``month``,
    ``new_participants`` (participants whose first attendance *within the
    filters* falls in that month) and ``cumulative_unique_participants``
    (distinct participants reached from the first month up to this one).

    Unlike ``new_vs_returning_by_month``, "first" respects every filter, so
    the last cumulative value equals the ``unique_participants`` KPI for the
    same filters.
    """
    event_month = _event_months(filters)
    per_event = _per_event(filters)
    months = (
        select(event_month.c.month)
        .select_from(per_event.join(event_month, event_month.c.id == per_event.c.event_id))
        .where(per_event.c.attendances > 0)
        .distinct()
        .subquery("months")
    )
    first_month = (
        select(func.min(event_month.c.month).label("month"))
        .select_from(attendance_t.join(event_month, event_month.c.id == attendance_t.c.event_id))
        .where(attendance_t.c.attended, *person_conditions(filters, attendance_t))
        .group_by(attendance_t.c.participant_id)
        .subquery("first_month")
    )
    new_per_month = (
        select(first_month.c.month, func.count().label("new_participants"))
        .group_by(first_month.c.month)
        .subquery("new_per_month")
    )
    statement = (
        select(months.c.month, func.coalesce(new_per_month.c.new_participants, 0))
        .outerjoin(new_per_month, new_per_month.c.month == months.c.month)
        .order_by(months.c.month)
    )
    frame = _frame(engine, statement, CUMULATIVE_REACH_COLUMNS[:2], month_columns=("month",))
    frame["new_participants"] = frame["new_participants"].astype("int64")
    frame["cumulative_unique_participants"] = frame["new_participants"].cumsum()
    return frame


def events_table(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per event with at least one counted registration or
    feedback response, newest first.

    Columns: ``event_id`` (the natural key from the import), ``title``,
    ``date``, ``event_type`` (code), ``event_type_label``, ``delivery``,
    ``host_region`` (code, or "National"), ``registrations``, ``attendances``,
    ``feedback_responses`` and ``pct_excellent`` (0-100, share of responses
    rated 5; NaN when there are no responses). Feedback is counted as in the
    feedback KPIs: by the response's own region and stage.
    """
    per_event = _per_event(filters)
    feedback_per_event = (
        select(
            feedback_t.c.event_id,
            func.count().label("responses"),
            func.count().filter(feedback_t.c.rating == 5).label("excellent"),
        )
        .where(*counted_conditions(filters, feedback_t))
        .group_by(feedback_t.c.event_id)
        .subquery("feedback_per_event")
    )
    statement = (
        select(
            event_t.c.event_key,
            event_t.c.title,
            event_t.c.date,
            event_type_t.c.code,
            event_type_t.c.label,
            event_t.c.delivery,
            func.coalesce(region_t.c.code, NATIONAL),
            func.coalesce(per_event.c.registrations, 0),
            func.coalesce(per_event.c.attendances, 0),
            func.coalesce(feedback_per_event.c.responses, 0),
            func.coalesce(feedback_per_event.c.excellent, 0),
        )
        .select_from(event_t)
        .join(event_type_t, event_type_t.c.id == event_t.c.event_type_id)
        .outerjoin(region_t, region_t.c.id == event_t.c.host_region_id)
        .outerjoin(per_event, per_event.c.event_id == event_t.c.id)
        .outerjoin(feedback_per_event, feedback_per_event.c.event_id == event_t.c.id)
        .where(
            *event_conditions(filters),
            (per_event.c.event_id.is_not(None)) | (feedback_per_event.c.event_id.is_not(None)),
        )
        .order_by(event_t.c.date.desc(), event_t.c.event_key)
    )
    frame = _frame(engine, statement, [*EVENTS_TABLE_COLUMNS[:-1], "excellent"])
    responses = frame["feedback_responses"].astype("float64")
    frame["pct_excellent"] = (100 * frame["excellent"].astype("float64") / responses).where(responses > 0)
    return frame.drop(columns="excellent")


def _event_months(filters: Filters, *, name: str = "event_month") -> CTE:
    """Return the events passing the date and event-type filters, with
    ``id``, ``event_type_id``, ``date`` and ``month`` (a ``month_key``).
    Materialised, so each event's month is worked out once, not once per
    attendance row."""
    return (
        select(event_t.c.id, event_t.c.event_type_id, event_t.c.date, month_key(event_t.c.date).label("month"))
        .where(*event_conditions(filters))
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def _participants_per_month(filters: Filters, event_month: CTE) -> Subquery:
    """Return ``unique_participants`` (distinct attendees) per ``month`` of
    the events in ``event_month``, counting attendances that pass the region
    and stage filters."""
    return (
        select(event_month.c.month, func.count(attendance_t.c.participant_id.distinct()).label("unique_participants"))
        .select_from(attendance_t.join(event_month, event_month.c.id == attendance_t.c.event_id))
        .where(attendance_t.c.attended, *person_conditions(filters, attendance_t))
        .group_by(event_month.c.month)
        .subquery("people")
    )


def _per_event(filters: Filters) -> Subquery:
    """Return counted ``registrations`` and ``attendances`` per ``event_id``,
    grouped in the order of ix_attendance_event_cover (no sort)."""
    return (
        select(
            attendance_t.c.event_id,
            func.count().label("registrations"),
            func.count().filter(attendance_t.c.attended).label("attendances"),
        )
        .where(*counted_conditions(filters, attendance_t))
        .group_by(attendance_t.c.event_id)
        .subquery("per_event")
    )


def _whole(total: ColumnElement) -> ColumnElement[int]:
    # PostgreSQL sums bigint counts as numeric; cast back to a whole number.
    return cast(total, BigInteger)


def _attendances_per(group_column: ColumnElement, filters: Filters) -> Subquery:
    """Return a subquery of attendances and distinct participants per value
    of ``group_column`` (columns ``group_id``, ``attendances``,
    ``unique_participants``)."""
    return (
        select(
            group_column.label("group_id"),
            func.count().label("attendances"),
            func.count(attendance_t.c.participant_id.distinct()).label("unique_participants"),
        )
        .where(attendance_t.c.attended, *counted_conditions(filters, attendance_t))
        .group_by(group_column)
        .subquery("per_group")
    )


def _frame(
    engine: Engine, statement: Select, columns: Sequence[str], *, month_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Run ``statement`` and return its rows under ``columns``, turning
    ``month_key`` integers in ``month_columns`` into first-of-month dates."""
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=list(columns))
    for column in month_columns:
        frame[column] = [month_start(key) for key in frame[column]]
    return frame
