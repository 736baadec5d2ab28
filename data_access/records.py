"""Records kept in the app: one event, the reps roster, one national benchmark.

Every change is written as the importer writes a file: the values become a
contract-shaped table of text cells, ``importers.prepare`` checks them with
the importer's own rules and messages, and ``importers.commit_rows`` writes
them as an import batch named "Records page: …". So each change is listed in
the Data page's import history, audited (action ``record_edit``) and undone
with ``importers.undo_batch``, like any import; nothing is written when
``prepare`` reports a problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DataError, IntegrityError

from data_access import importers, models
from data_access.batches import undo_import
from data_access.audit import record_audit_event

EVENT_ID_PREFIX = "SL"
# At least three digits, as in SL-2025-014; more once a year passes 999 events.
EVENT_NUMBER_DIGITS = 3
FILE_NAME_PREFIX = "Records page: "
RECORD_KINDS = ("events", "reps", "benchmarks")
ROSTER_COLUMNS = ["name", "region", "role", "start_date", "end_date"]
ROSTER_KEY_COLUMNS = ("name", "region", "start_date")
RECORD_CHANGE_COLUMNS = ["id", "kind", "file_name", "imported_by", "imported_at", "rows_inserted",
                         "rows_updated"]
# No field of events, reps or benchmarks is pseudonymised, so prepare never uses the key.
_NO_PSEUDONYM_KEY = b""


@dataclass(frozen=True)
class RecordChange:
    """What saving a record did: ``problems`` (then nothing was written and
    ``result`` is None) or the import batch's ``result``."""

    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    result: importers.ImportResult | None = None


class RecordUndoError(ValueError):
    """A change cannot be undone from the Records page; the message says why."""


def suggested_event_id(engine: Engine, *, year: int) -> str:
    """Return the next free event id of ``year`` in the organisation's pattern
    ``SL-<year>-<number>``: one more than the highest number used that year
    (001 for the first), zero-padded to three digits."""
    prefix = f"{EVENT_ID_PREFIX}-{year}-"
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)")
    with engine.connect() as conn:
        keys = conn.execute(select(models.Event.event_key)
                            .where(models.Event.event_key.like(f"{prefix}%"))).scalars().all()
    numbers = [int(match.group(1)) for key in keys if (match := pattern.fullmatch(key))]
    return f"{prefix}{max(numbers, default=0) + 1:0{EVENT_NUMBER_DIGITS}d}"


def measure_options(engine: Engine) -> pd.DataFrame:
    """Return every outcome measure as columns ``code`` and ``label``, in reference order."""
    measure = models.OutcomeMeasure.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(measure.c.code, measure.c.label)
                            .order_by(measure.c.sort_order, measure.c.code)).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=["code", "label"], dtype=object)


def benchmark_groups(engine: Engine) -> list[str]:
    """Return the group labels already used by benchmarks (e.g. "IMGs"), sorted."""
    benchmark = models.Benchmark.__table__
    with engine.connect() as conn:
        return list(conn.execute(select(benchmark.c.group_label).distinct()
                                 .order_by(benchmark.c.group_label)).scalars())


def event_choices(engine: Engine) -> pd.DataFrame:
    """Return every event, newest first, as columns ``event_id``, ``title`` and ``date``."""
    event = models.Event.__table__
    query = (select(event.c.event_key, event.c.title, event.c.date)
             .order_by(event.c.date.desc(), event.c.event_key))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=["event_id", "title", "date"], dtype=object)


def event_values(engine: Engine, *, event_id: str) -> dict[str, Any] | None:
    """Return the stored event ``event_id`` as the form's values (``event_type``
    and ``host_region`` as codes, host region None for a national event,
    ``mwres_indicators`` as a sorted list of codes, ``date`` a date), or None
    when there is no such event."""
    event, event_type = models.Event.__table__, models.EventType.__table__
    region, links, indicator = models.Region.__table__, models.event_mwres, models.MwresIndicator.__table__
    with engine.connect() as conn:
        row = conn.execute(
            select(event.c.id, event.c.event_key, event.c.title, event_type.c.code.label("event_type"),
                   event.c.date, event.c.delivery, region.c.code.label("host_region"), event.c.capacity)
            .join(event_type, event_type.c.id == event.c.event_type_id)
            .outerjoin(region, region.c.id == event.c.host_region_id)
            .where(event.c.event_key == event_id)).first()
        if row is None:
            return None
        codes = conn.execute(select(indicator.c.code)
                             .join(links, links.c.indicator_id == indicator.c.id)
                             .where(links.c.event_id == row.id).order_by(indicator.c.code)).scalars().all()
    return {"event_id": row.event_key, "title": row.title, "event_type": row.event_type, "date": row.date,
            "delivery": row.delivery, "host_region": row.host_region, "mwres_indicators": list(codes),
            "capacity": row.capacity}


def attendance_count(engine: Engine, *, event_id: str) -> int:
    """Return how many attendance rows (registrations) the event ``event_id`` has."""
    event, attendance = models.Event.__table__, models.Attendance.__table__
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(attendance)
                            .join(event, event.c.id == attendance.c.event_id)
                            .where(event.c.event_key == event_id)).scalar_one()


def roster(engine: Engine) -> pd.DataFrame:
    """Return every rep appointment as the roster table shows it: columns
    ``ROSTER_COLUMNS`` (region as its name, dates as dates, end date None
    while serving), ordered by region, start date and name."""
    rep, region = models.Rep.__table__, models.Region.__table__
    query = (select(rep.c.name, region.c.name.label("region"), rep.c.role, rep.c.start_date, rep.c.end_date)
             .join(region, region.c.id == rep.c.region_id)
             .order_by(region.c.sort_order, rep.c.start_date, rep.c.name))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=ROSTER_COLUMNS, dtype=object)


def save_event(engine: Engine, *, values: Mapping[str, Any], adding: bool, user: str | None) -> RecordChange:
    """Add (``adding``) or edit one event from the form's ``values`` (events
    contract fields; dates as dates, MWRES indicators as a list of codes, a
    missing host region meaning national). An edited event is updated in
    place, so its attendance and feedback stay; adding refuses an id that is
    already taken. Returns what was done."""
    event_id = str(values.get("event_id") or "").strip()
    if adding and event_values(engine, event_id=event_id) is not None:
        return RecordChange(problems=[f"event_id: '{event_id}' — already taken by another event; choose it "
                                      f"under “Event to edit” to change it, or use another id"])
    table = _contract_table("events", [values])
    return _write(engine, kind="events", table=table, user=user, described=f"event {event_id}")


def save_benchmark(engine: Engine, *, values: Mapping[str, Any], user: str | None) -> RecordChange:
    """Add or correct one published national figure from the form's
    ``values`` (benchmarks contract fields, ``source_url`` optional).
    Returns what was done."""
    table = _contract_table("benchmarks", [values])
    described = f"benchmark {values.get('year', '')} {values.get('measure', '')} {values.get('group', '')}"
    return _write(engine, kind="benchmarks", table=table, user=user, described=described.strip())


def save_roster(engine: Engine, *, recorded: pd.DataFrame, edited: pd.DataFrame,
                user: str | None) -> RecordChange:
    """Write the roster edits: ``recorded`` is the roster as ``roster``
    returned it, ``edited`` the same rows in the same order (their role and
    end date may differ) followed by any added rows. Only changed and added
    rows are written; problems name rows by their position in ``edited``
    (first row = row 1). Returns what was done, or a problem and nothing
    written when a recorded row's name, region or start date was changed or
    nothing changed at all."""
    edited = edited.reset_index(drop=True)
    recorded = recorded.reset_index(drop=True)
    problems = [
        f"row {position + 1}: the name, region and start date of a recorded appointment cannot be changed "
        f"here; set its end date and add a new row instead"
        for position in range(min(len(recorded), len(edited)))
        if any(_text(edited.at[position, c]) != _text(recorded.at[position, c]) for c in ROSTER_KEY_COLUMNS)
    ]
    if len(edited) < len(recorded):
        problems.append("recorded appointments cannot be removed here; set their end date instead")
    if problems:
        return RecordChange(problems=problems)
    changed = [
        position for position in range(len(edited))
        if position >= len(recorded)
        or any(_text(edited.at[position, c]) != _text(recorded.at[position, c]) for c in ROSTER_COLUMNS)
    ]
    if not changed:
        return RecordChange(problems=["nothing was changed in the roster"])
    rows = edited.loc[changed, ROSTER_COLUMNS]
    table = _contract_table("reps", rows.to_dict("records"), row_numbers=[p + 1 for p in changed])
    count = f"{len(changed)} roster row{'s' if len(changed) != 1 else ''}"
    return _write(engine, kind="reps", table=table, user=user, described=count)


def record_changes(engine: Engine, *, limit: int = 20) -> pd.DataFrame:
    """Return the ``limit`` newest changes made on the Records page that were
    not undone, newest first, with columns ``RECORD_CHANGE_COLUMNS``
    (``imported_at`` timezone-aware UTC)."""
    batch = models.ImportBatch.__table__
    query = (select(*(batch.c[c] for c in RECORD_CHANGE_COLUMNS))
             .where(batch.c.file_name.like(f"{FILE_NAME_PREFIX}%"), batch.c.undone_at.is_(None),
                    batch.c.is_demo.is_(False))
             .order_by(batch.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    changes = pd.DataFrame([tuple(row) for row in rows], columns=RECORD_CHANGE_COLUMNS, dtype=object)
    changes["imported_at"] = [moment.replace(tzinfo=dt.UTC) for moment in changes["imported_at"]]
    return changes


def undo_record_change(engine: Engine, *, batch_id: int, user: str | None) -> int:
    """Undo the Records page change ``batch_id`` with ``importers.undo_batch``
    and audit it. Returns how many rows were deleted or restored. Raises
    ``RecordUndoError`` (changing nothing) for a batch that is not a Records
    page change, or one the importer cannot undo."""
    batch = models.ImportBatch.__table__
    with engine.connect() as conn:
        file_name = conn.execute(select(batch.c.file_name).where(batch.c.id == batch_id)).scalar_one_or_none()
    if file_name is None or not file_name.startswith(FILE_NAME_PREFIX):
        raise RecordUndoError(f"import {batch_id} is not a change made on the Records page")
    try:
        return undo_import(engine, batch_id=batch_id, user=user)
    except importers.UndoError as exc:
        raise RecordUndoError(str(exc)) from None


def _text(value: Any) -> str:
    """Return a form or table value as contract text: dates as ISO dates,
    lists joined with "; ", blanks (None, NaN, NaT) as ""."""
    if isinstance(value, list | tuple):
        return "; ".join(_text(item) for item in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _contract_table(kind: str, records: Sequence[Mapping[str, Any]],
                    row_numbers: Sequence[int] | None = None) -> pd.DataFrame:
    """Return ``records`` as ``importers.read_table`` would read a file of
    ``kind``: one text column per contract field, indexed by row number."""
    required, optional = importers.FIELDS[kind]
    index = list(row_numbers) if row_numbers is not None else list(range(1, len(records) + 1))
    table = pd.DataFrame({name: [_text(record.get(name)) for record in records]
                          for name in (*required, *optional)}, index=index, dtype=object)
    table.attrs["header_row"] = 1
    return table


def _write(engine: Engine, *, kind: str, table: pd.DataFrame, user: str | None,
           described: str) -> RecordChange:
    """Check ``table`` with ``importers.prepare`` and, when it has no problem,
    write it with ``importers.commit_rows`` as one audited import batch."""
    rows, problems, notices = importers.prepare(engine, kind=kind, table=table, key=_NO_PSEUDONYM_KEY)
    if problems:
        return RecordChange(problems=problems, notices=notices)
    file_name = f"{FILE_NAME_PREFIX}{described}"
    contract_csv = table.to_csv(index=False).encode("utf-8")
    try:
        result = importers.commit_rows(engine, kind=kind, rows=rows, rows_read=len(table),
                                       file_name=file_name, sha256=hashlib.sha256(contract_csv).hexdigest(),
                                       imported_by=user, notices=notices)
    except (IntegrityError, DataError) as exc:
        refused = (f"the database refused the change, so nothing was saved (was it changed at the same "
                   f"time?): {getattr(exc, 'orig', exc)}")
        return RecordChange(problems=[refused], notices=notices)
    counts = f"{result.inserted:,} inserted, {result.updated:,} updated, {result.unchanged:,} unchanged"
    record_audit_event(engine, action="record_edit", user=user,
                       detail=f"{kind}: {file_name} (import {result.batch_id}): {counts}")
    return RecordChange(notices=notices, result=result)
