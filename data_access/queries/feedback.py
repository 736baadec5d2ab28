"""Feedback (dashboard page 3).

A *counted response* is a feedback row whose event passes the date and
event-type filters and whose own region and stage pass the region and stage
filters. Responses without a region or stage were stored as UNK / unknown, so
a region or stage filter leaves them out.

Ratings run 1 (Poor) to 5 (Excellent). Months are ``datetime.date`` values,
the first of the event's month. Every function returns an empty frame with the
same columns when nothing matches.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import BigInteger, ColumnElement, Engine, Select, Subquery, Table, cast, func, select

from data_access.filters import Filters
from data_access.models import Attendance, EventType, Feedback
from data_access.queries.filtering import counted_conditions, event_t
from data_access.queries.reach import month_key, month_start

attendance_t: Table = Attendance.__table__
event_type_t: Table = EventType.__table__
feedback_t: Table = Feedback.__table__

RATING_LABELS: dict[int, str] = {1: "Poor", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent"}
DEFAULT_COMMENT_LIMIT = 500

RATING_DISTRIBUTION_COLUMNS = ["event_type", "event_type_label", "rating", "rating_label", "responses"]
EXCELLENT_BY_MONTH_COLUMNS = ["month", "responses", "excellent"]
RESPONSE_RATE_COLUMNS = ["event_type", "event_type_label", "responses", "attendances"]
MEAN_RATING_COLUMNS = ["event_id", "title", "date", "event_type", "responses", "mean_rating"]
COMMENTS_COLUMNS = ["date", "event_type_label", "comment"]


def rating_distribution_by_type(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return five rows (ratings 1-5, zero-filled) for each event type with
    counted responses: ``event_type`` (code), ``event_type_label``,
    ``rating``, ``rating_label`` and ``responses``; event types in reference
    order, ratings ascending."""
    per_type_rating = (
        select(event_t.c.event_type_id, feedback_t.c.rating, func.count().label("responses"))
        .select_from(feedback_t.join(event_t, event_t.c.id == feedback_t.c.event_id))
        .where(*counted_conditions(filters, feedback_t))
        .group_by(event_t.c.event_type_id, feedback_t.c.rating)
        .subquery("per_type_rating")
    )
    statement = (
        select(event_type_t.c.code, event_type_t.c.label, per_type_rating.c.rating, per_type_rating.c.responses)
        .join(event_type_t, event_type_t.c.id == per_type_rating.c.event_type_id)
        .order_by(event_type_t.c.sort_order, per_type_rating.c.rating)
    )
    counts = _rows(engine, statement)
    types = list(dict.fromkeys((code, label) for code, label, _, _ in counts))
    responses = {(code, int(rating)): n for code, _, rating, n in counts}
    return pd.DataFrame(
        [
            (code, label, rating, rating_label, responses.get((code, rating), 0))
            for code, label in types
            for rating, rating_label in RATING_LABELS.items()
        ],
        columns=RATING_DISTRIBUTION_COLUMNS,
    )


def excellent_by_month(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per month with counted responses: ``month``,
    ``responses`` and ``excellent`` (responses rated 5), oldest first."""
    per_event = _responses_per_event(filters)
    month = month_key(event_t.c.date).label("month")
    statement = (
        select(month, _whole(func.sum(per_event.c.responses)), _whole(func.sum(per_event.c.excellent)))
        .select_from(per_event.join(event_t, event_t.c.id == per_event.c.event_id))
        .group_by(month)
        .order_by(month)
    )
    frame = pd.DataFrame(_rows(engine, statement), columns=EXCELLENT_BY_MONTH_COLUMNS)
    frame["month"] = [month_start(key) for key in frame["month"]]
    return frame


def response_rate_by_event_type(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per event type with counted responses or attendances:
    ``event_type`` (code), ``event_type_label``, ``responses`` and
    ``attendances`` (attended = yes); the response rate is responses /
    attendances. Responses and attendances pass the same filters."""
    responses_per_event = _responses_per_event(filters)
    responses = (
        select(event_t.c.event_type_id, _whole(func.sum(responses_per_event.c.responses)).label("n"))
        .select_from(responses_per_event.join(event_t, event_t.c.id == responses_per_event.c.event_id))
        .group_by(event_t.c.event_type_id)
        .subquery("responses")
    )
    attendances_per_event = (
        select(attendance_t.c.event_id, func.count().label("n"))
        .where(attendance_t.c.attended, *counted_conditions(filters, attendance_t))
        .group_by(attendance_t.c.event_id)
        .subquery("attendances_per_event")
    )
    attendances = (
        select(event_t.c.event_type_id, _whole(func.sum(attendances_per_event.c.n)).label("n"))
        .select_from(attendances_per_event.join(event_t, event_t.c.id == attendances_per_event.c.event_id))
        .group_by(event_t.c.event_type_id)
        .subquery("attendances")
    )
    statement = (
        select(
            event_type_t.c.code,
            event_type_t.c.label,
            func.coalesce(responses.c.n, 0),
            func.coalesce(attendances.c.n, 0),
        )
        .outerjoin(responses, responses.c.event_type_id == event_type_t.c.id)
        .outerjoin(attendances, attendances.c.event_type_id == event_type_t.c.id)
        .where(responses.c.n.is_not(None) | attendances.c.n.is_not(None))
        .order_by(event_type_t.c.sort_order)
    )
    return pd.DataFrame(_rows(engine, statement), columns=RESPONSE_RATE_COLUMNS)


def mean_rating_by_event(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return one row per event with counted responses, newest first:
    ``event_id`` (the natural key), ``title``, ``date``, ``event_type``
    (code), ``responses`` and ``mean_rating`` (1-5 scale, float)."""
    per_event = _responses_per_event(filters)
    statement = (
        select(
            event_t.c.event_key,
            event_t.c.title,
            event_t.c.date,
            event_type_t.c.code,
            per_event.c.responses,
            per_event.c.rating_total,
        )
        .join(per_event, per_event.c.event_id == event_t.c.id)
        .join(event_type_t, event_type_t.c.id == event_t.c.event_type_id)
        .order_by(event_t.c.date.desc(), event_t.c.event_key)
    )
    frame = pd.DataFrame(_rows(engine, statement), columns=[*MEAN_RATING_COLUMNS[:-1], "rating_total"])
    frame["mean_rating"] = frame["rating_total"].astype("float64") / frame["responses"].astype("float64")
    return frame.drop(columns="rating_total")


def comments(
    engine: Engine, *, filters: Filters, search: str | None = None, limit: int = DEFAULT_COMMENT_LIMIT
) -> pd.DataFrame:
    """Return up to ``limit`` non-blank comments from counted responses,
    newest event first: ``date`` (first of the event's month, never the day,
    to make responses harder to re-identify), ``event_type_label`` and
    ``comment`` (the text as stored). Never participant ids, regions or stages.

    ``search`` keeps comments containing it, ignoring case; ``%`` and ``_``
    in it match themselves. Raises ValueError when ``limit`` is not a
    positive whole number.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive whole number, not {limit!r}")
    conditions = [
        feedback_t.c.comments.is_not(None),
        func.trim(feedback_t.c.comments) != "",
        *counted_conditions(filters, feedback_t),
    ]
    if search:
        conditions.append(feedback_t.c.comments.icontains(search, autoescape=True))
    statement = (
        select(month_key(event_t.c.date), event_type_t.c.label, feedback_t.c.comments)
        .select_from(feedback_t)
        .join(event_t, event_t.c.id == feedback_t.c.event_id)
        .join(event_type_t, event_type_t.c.id == event_t.c.event_type_id)
        .where(*conditions)
        .order_by(event_t.c.date.desc(), feedback_t.c.id.desc())
        .limit(limit)
    )
    frame = pd.DataFrame(_rows(engine, statement), columns=COMMENTS_COLUMNS)
    frame["date"] = [month_start(key) for key in frame["date"]]
    return frame


def _responses_per_event(filters: Filters) -> Subquery:
    """Return counted ``responses``, ``excellent`` (rated 5) and
    ``rating_total`` (sum of ratings) per ``event_id``, grouped in the order
    of ix_feedback_event_cover so no sort is needed."""
    return (
        select(
            feedback_t.c.event_id,
            func.count().label("responses"),
            func.count().filter(feedback_t.c.rating == 5).label("excellent"),
            _whole(func.sum(feedback_t.c.rating)).label("rating_total"),
        )
        .where(*counted_conditions(filters, feedback_t))
        .group_by(feedback_t.c.event_id)
        .subquery("responses_per_event")
    )


def _whole(total: ColumnElement) -> ColumnElement[int]:
    # PostgreSQL sums integers as bigint or numeric; cast back to a whole number.
    return cast(total, BigInteger)


def _rows(engine: Engine, statement: Select) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(statement)]
