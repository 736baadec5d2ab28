"""The Overview KPIs, computed in one SQL statement.

Which rows are counted (issue 2, item 7):

- the date and event-type filters apply to the event's date and type;
- the region and stage filters apply to the region and stage recorded on the
  attendance or feedback row itself, never to the event's host region. Blank
  regions and stages were stored as UNK / unknown, so a region or stage filter
  leaves them out unless UNK / unknown is selected;
- "attendance" means a counted row with attended = yes. ``events``,
  ``unique_participants`` and ``returning_participants`` count only those;
  ``registrations`` counts every counted row, attended or not;
- rep coverage depends only on the region filter and ``as_of``.

A figure is None where its denominator is 0.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Engine, Subquery, Table, and_, cast, exists, func, or_, select, true

from data_access.filters import Filters
from data_access.models import Attendance, EventType, Feedback, Region, Rep, Stage
from data_access.queries.filtering import counted_conditions

KPI_KEYS: tuple[str, ...] = (
    "events",
    "registrations",
    "attendances",
    "attendance_rate",
    "unique_participants",
    "returning_participants",
    "feedback_responses",
    "pct_excellent",
    "mean_rating",
    "regions_total",
    "regions_with_active_rep",
    "rep_coverage_pct",
)

_COUNT_KEYS = frozenset({
    "events", "registrations", "attendances", "unique_participants", "returning_participants",
    "feedback_responses", "regions_total", "regions_with_active_rep",
})
_PERCENT_KEYS = frozenset({"pct_excellent", "rep_coverage_pct"})

attendance_t: Table = Attendance.__table__
feedback_t: Table = Feedback.__table__
region_t: Table = Region.__table__
rep_t: Table = Rep.__table__


def compute_kpis(engine: Engine, *, filters: Filters, as_of: dt.date) -> dict[str, int | float | None]:
    """Return the twelve Overview figures keyed by ``KPI_KEYS``, in that order.

    Counts are ints; ``attendance_rate`` is a fraction (0-1); ``pct_excellent``
    and ``rep_coverage_pct`` are percentages (0-100); ``mean_rating`` is on the
    1-5 scale. Reps count as active on ``as_of`` when
    start_date <= as_of and end_date is empty or >= as_of.
    """
    attendance = _attendance_figures(filters)
    participants = _participant_figures(filters)
    feedback = _feedback_figures(filters)
    reps = _rep_figures(filters, as_of)
    statement = select(attendance, participants, feedback, reps).select_from(
        attendance.join(participants, true()).join(feedback, true()).join(reps, true())
    )
    with engine.connect() as conn:
        row = conn.execute(statement).one()

    registrations = int(row.registrations or 0)
    attendances = int(row.attendances or 0)
    responses = int(row.feedback_responses)
    regions_total = int(row.regions_total)
    regions_with_active_rep = int(row.regions_with_active_rep)
    return {
        "events": int(row.events),
        "registrations": registrations,
        "attendances": attendances,
        "attendance_rate": _ratio(attendances, registrations),
        "unique_participants": int(row.unique_participants),
        "returning_participants": int(row.returning_participants),
        "feedback_responses": responses,
        "pct_excellent": _percent(int(row.excellent), responses),
        "mean_rating": _ratio(int(row.rating_total or 0), responses),
        "regions_total": regions_total,
        "regions_with_active_rep": regions_with_active_rep,
        "rep_coverage_pct": _percent(regions_with_active_rep, regions_total),
    }


def invalid_filter_values(engine: Engine, *, filters: Filters) -> list[str]:
    """Return one message per filter value the database does not know, checked
    against the reference tables, plus one if the date range is reversed;
    an empty list when the filters are usable."""
    with engine.connect() as conn:
        region_codes = set(conn.execute(select(Region.code)).scalars())
        stage_codes = set(conn.execute(select(Stage.code)).scalars())
        event_type_codes = set(conn.execute(select(EventType.code)).scalars())
    problems = [f"unknown region code '{code}'" for code in filters.regions if code not in region_codes]
    problems += [f"unknown stage code '{code}'" for code in filters.stages if code not in stage_codes]
    problems += [
        f"unknown event type code '{code}'" for code in filters.event_types if code not in event_type_codes
    ]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        problems.append(f"from date {filters.date_from} is after to date {filters.date_to}")
    return problems


def format_value(key: str, value: float | None) -> str:
    """Return ``value`` as text for people: "n/a" for None, thousands
    separators for counts, one decimal and "%" for rates and percentages,
    two decimals for the mean rating."""
    if key not in KPI_KEYS:
        raise ValueError(f"unknown KPI key {key!r}; expected one of {', '.join(KPI_KEYS)}")
    if value is None:
        return "n/a"
    if key in _COUNT_KEYS:
        return f"{int(value):,}"
    if key == "attendance_rate":
        return f"{100 * value:.1f}%"
    if key in _PERCENT_KEYS:
        return f"{value:.1f}%"
    return f"{value:.2f}"


def _attendance_figures(filters: Filters) -> Subquery:
    # Grouping by event follows ix_attendance_event_cover's order, so the
    # distinct-event count needs neither a sort nor COUNT(DISTINCT).
    per_event = (
        select(
            func.count().label("registrations"),
            func.count().filter(attendance_t.c.attended).label("attendances"),
        )
        .where(*counted_conditions(filters, attendance_t))
        .group_by(attendance_t.c.event_id)
        .subquery("per_event")
    )
    return select(
        func.count().filter(per_event.c.attendances > 0).label("events"),
        func.sum(per_event.c.registrations).label("registrations"),
        func.sum(per_event.c.attendances).label("attendances"),
    ).subquery("attendance_figures")


def _participant_figures(filters: Filters) -> Subquery:
    # uq_attendance_event_participant allows one row per (event, participant),
    # so a participant's row count is their number of distinct events.
    per_participant = (
        select(func.count().label("events_attended"))
        .where(attendance_t.c.attended, *counted_conditions(filters, attendance_t))
        .group_by(attendance_t.c.participant_id)
        .subquery("per_participant")
    )
    return select(
        func.count().label("unique_participants"),
        func.count().filter(per_participant.c.events_attended >= 2).label("returning_participants"),
    ).subquery("participant_figures")


def _feedback_figures(filters: Filters) -> Subquery:
    return select(
        func.count().label("feedback_responses"),
        func.count().filter(feedback_t.c.rating == 5).label("excellent"),
        # The sum, not AVG: backends round an average differently in its last
        # digit; a Python int divided by an int is the same everywhere.
        cast(func.sum(feedback_t.c.rating), BigInteger).label("rating_total"),
    ).where(*counted_conditions(filters, feedback_t)).subquery("feedback_figures")


def _rep_figures(filters: Filters, as_of: dt.date) -> Subquery:
    active_rep = exists().where(
        rep_t.c.region_id == region_t.c.id,
        rep_t.c.start_date <= as_of,
        or_(rep_t.c.end_date.is_(None), rep_t.c.end_date >= as_of),
    )
    selected = [region_t.c.is_training_region.is_(True)]
    if filters.regions:
        selected.append(region_t.c.code.in_(filters.regions))
    return (
        select(
            func.count().label("regions_total"),
            func.count().filter(active_rep).label("regions_with_active_rep"),
        )
        .where(and_(*selected))
        .subquery("rep_figures")
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _percent(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else 100 * numerator / denominator

