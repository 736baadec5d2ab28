"""Reference option lists for the global filters, and facts about the data
itself (when it was last imported, its cache version, whether it is demo data,
where in time the filtered records lie)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Select, and_, exists, func, or_, select, union_all

from data_access.filters import Filters

from data_access.models import (
    AppMeta,
    Attendance,
    Benchmark,
    Event,
    EventType,
    Feedback,
    ImportBatch,
    MwresIndicator,
    Outcome,
    Participant,
    Region,
    Rep,
    Stage,
)
from data_access.queries.filtering import date_conditions, event_conditions, event_t, person_conditions

LAST_IMPORT_KEY = "last_import_at"
DATA_VERSION_KEY = "data_version"
# A random id per database, written by its first migration and anew by every
# restore; see data_access.columnar.
DATABASE_ID_KEY = "database_id"

IMPORT_HISTORY_COLUMNS = [
    "kind",
    "file_name",
    "imported_at",
    "is_demo",
    "rows_read",
    "rows_inserted",
    "rows_updated",
    "rows_unchanged",
    "undone_at",
]

DATA_DATES_COLUMNS = ["in_period", "earliest", "latest", "any_data"]

# Every table whose rows carry the import batch that inserted them.
_BATCHED_TABLES = (Event, Participant, Attendance, Feedback, Rep, Outcome, Benchmark)
_attendance_t = Attendance.__table__
_feedback_t = Feedback.__table__
_outcome_t = Outcome.__table__


def region_options(engine: Engine) -> pd.DataFrame:
    """Return every region as columns ``code, name, nation, is_training_region``,
    in the reference table's sort order."""
    query = select(Region.code, Region.name, Region.nation, Region.is_training_region).order_by(
        Region.sort_order, Region.code
    )
    return _frame(engine, query, ["code", "name", "nation", "is_training_region"])


def stage_options(engine: Engine) -> pd.DataFrame:
    """Return every training stage as columns ``code, label, stage_group``, in sort order."""
    query = select(Stage.code, Stage.label, Stage.stage_group).order_by(Stage.sort_order, Stage.code)
    return _frame(engine, query, ["code", "label", "stage_group"])


def event_type_options(engine: Engine) -> pd.DataFrame:
    """Return every event type as columns ``code, label``, in sort order."""
    query = select(EventType.code, EventType.label).order_by(EventType.sort_order, EventType.code)
    return _frame(engine, query, ["code", "label"])


def mwres_indicator_options(engine: Engine) -> pd.DataFrame:
    """Return every MWRES indicator as columns ``code, label``, in table order."""
    query = select(MwresIndicator.code, MwresIndicator.label).order_by(MwresIndicator.id)
    return _frame(engine, query, ["code", "label"])


def import_history(engine: Engine, *, limit: int = 100) -> pd.DataFrame:
    """Return the ``limit`` most recent import batches, newest first.

    Columns: ``kind``, ``file_name``, ``imported_at`` and ``undone_at``
    (timezone-aware UTC datetimes; ``undone_at`` is missing unless the
    import was undone), ``is_demo`` (bool) and the row counts
    ``rows_read``, ``rows_inserted``, ``rows_updated`` and ``rows_unchanged``.
    Who imported and the file hash are left out: this is shown on a page.
    Raises ``ValueError`` unless ``limit`` is a whole number of at least 1.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number of at least 1, not {limit!r}")
    query = (
        select(*(getattr(ImportBatch, column) for column in IMPORT_HISTORY_COLUMNS))
        .order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc())
        .limit(limit)
    )
    history = _frame(engine, query, IMPORT_HISTORY_COLUMNS)
    for column in ("imported_at", "undone_at"):
        history[column] = [None if moment is None else _as_utc(moment) for moment in history[column]]
    return history.astype({"is_demo": "bool"})


def last_import_at(engine: Engine) -> dt.datetime | None:
    """Return when data was last imported, as a timezone-aware UTC datetime,
    or None when nothing has been imported.

    Imports record the time under the app_meta key ``last_import_at`` (ISO
    8601, UTC). Without that key, the newest import batch that has not been
    undone is used.
    """
    with engine.connect() as conn:
        recorded = conn.scalar(select(AppMeta.value).where(AppMeta.key == LAST_IMPORT_KEY))
        parsed = _parse_utc(recorded)
        if parsed is not None:
            return parsed
        newest = conn.scalar(select(func.max(ImportBatch.imported_at)).where(ImportBatch.undone_at.is_(None)))
    if newest is None:
        return None
    return _as_utc(newest)


def data_version(engine: Engine) -> int:
    """Return the data version counter (app_meta ``data_version``) that imports
    increase; 0 when it was never set or is not a whole number."""
    with engine.connect() as conn:
        value = conn.scalar(select(AppMeta.value).where(AppMeta.key == DATA_VERSION_KEY))
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def database_id(engine: Engine) -> str:
    """Return the database's random instance id (app_meta ``database_id``), or
    "" when it has none."""
    with engine.connect() as conn:
        return conn.scalar(select(AppMeta.value).where(AppMeta.key == DATABASE_ID_KEY)) or ""


def demo_rows_present(engine: Engine) -> bool:
    """True when any stored row was inserted by a demo batch."""
    demo_batches = select(ImportBatch.id).where(ImportBatch.is_demo.is_(True))
    query = select(
        or_(*(exists().where(table.batch_id.in_(demo_batches)) for table in _BATCHED_TABLES))
    )
    with engine.connect() as conn:
        return bool(conn.scalar(query))


def data_dates(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return where in time the records that ``filters`` select lie, as one row.

    Records are attendance and feedback rows, dated by their event's date,
    and counted outcome rows (flag not null), dated by the outcome date; the
    region, stage and event-type filters apply as on the pages (an outcome
    has no event type, so that filter leaves outcomes alone). Columns:
    ``in_period`` (bool: a record matches every filter, dates included),
    ``earliest`` and ``latest`` (dates: the first and last record date
    matching every filter except the dates; None when no record does) and
    ``any_data`` (bool: any record is stored at all, whatever the filters).
    """
    undated = dataclasses.replace(filters, date_from=None, date_to=None)
    # Events that have a matching row: a correlated EXISTS seeks the fact
    # table's event index once per event instead of reading the table.
    by_event = [
        _date_summary(
            filters,
            event_t.c.date,
            *event_conditions(undated),
            exists().where(fact.c.event_id == event_t.c.id, *person_conditions(undated, fact)),
        )
        for fact in (_attendance_t, _feedback_t)
    ]
    outcomes = _date_summary(
        filters, _outcome_t.c.date, _outcome_t.c.flag.is_not(None), *person_conditions(undated, _outcome_t)
    )
    summaries = union_all(*by_event, outcomes).subquery("record_summaries")
    stored = or_(
        select(_attendance_t.c.id).exists(),
        select(_feedback_t.c.id).exists(),
        select(_outcome_t.c.id).where(_outcome_t.c.flag.is_not(None)).exists(),
    )
    query = select(
        func.sum(summaries.c.in_period).label("in_period"),
        func.min(summaries.c.earliest).label("earliest"),
        func.max(summaries.c.latest).label("latest"),
        stored.label("any_data"),
    ).select_from(summaries)
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return pd.DataFrame(
        [{"in_period": row.in_period > 0, "earliest": row.earliest, "latest": row.latest,
          "any_data": bool(row.any_data)}],
        columns=DATA_DATES_COLUMNS,
    )


def _date_summary(filters: Filters, date: ColumnElement[dt.date], *conditions: ColumnElement[bool]) -> Select:
    """Return a one-row select of the rows meeting ``conditions``: how many
    have a ``date`` in the period of ``filters``, and their first and last ``date``."""
    in_period = date_conditions(filters, date)
    count = func.count().filter(and_(*in_period)) if in_period else func.count()
    return select(
        count.label("in_period"), func.min(date).label("earliest"), func.max(date).label("latest")
    ).where(*conditions)


def _frame(engine: Engine, query, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


def _parse_utc(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return _as_utc(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def _as_utc(moment: dt.datetime) -> dt.datetime:
    # Stored timestamps without an offset are UTC by the import contract.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)
