"""The import history as the Data page shows it to admins: every batch with
who imported it, when, the file's name and SHA-256, and the row counts; and
undoing one batch with its audit entry."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, exists, select

from data_access import importers
from data_access.audit import record_audit_event
from data_access.models import ImportBatch

BATCH_HISTORY_COLUMNS = [
    "id", "kind", "file_name", "sha256", "imported_by", "imported_at", "is_demo",
    "rows_read", "rows_inserted", "rows_updated", "rows_unchanged", "undone_at",
]


def batch_history(engine: Engine, *, limit: int = 200) -> pd.DataFrame:
    """Return the ``limit`` newest import batches, newest first, with the
    columns in ``BATCH_HISTORY_COLUMNS``; ``imported_at`` and ``undone_at``
    are timezone-aware UTC (``undone_at`` None unless undone)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number of at least 1, not {limit!r}")
    query = (select(*(getattr(ImportBatch, column) for column in BATCH_HISTORY_COLUMNS))
             .order_by(ImportBatch.id.desc()).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    history = pd.DataFrame([tuple(row) for row in rows], columns=BATCH_HISTORY_COLUMNS, dtype=object)
    for column in ("imported_at", "undone_at"):
        history[column] = [_utc(moment) for moment in history[column]]
    return history


def undo_import(engine: Engine, *, batch_id: int, user: str | None) -> int:
    """Undo import ``batch_id`` with ``importers.undo_batch`` and audit it as
    ``user``. Returns how many rows were deleted or restored; raises
    ``importers.UndoError`` (changing nothing) when it cannot be undone."""
    changed = importers.undo_batch(engine, batch_id=batch_id)
    with engine.connect() as conn:
        file_name = conn.execute(select(ImportBatch.file_name).where(ImportBatch.id == batch_id)).scalar_one()
    record_audit_event(engine, action="undo", user=user,
                       detail=f"import {batch_id} ({file_name}): {changed:,} rows deleted or restored")
    return changed


def real_data_present(engine: Engine) -> bool:
    """True when an import that is not demo data and was not undone exists."""
    query = select(exists().where(ImportBatch.is_demo.is_(False), ImportBatch.undone_at.is_(None)))
    with engine.connect() as conn:
        return bool(conn.scalar(query))


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(tzinfo=dt.UTC)
