"""Reference option lists and data facts in data_access.queries.meta."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from data_access.models import AppMeta, Event, EventType, ImportBatch
from data_access.queries import meta
from data_access.reference import EVENT_TYPES, MWRES_INDICATORS, REGIONS, STAGES


def _add_batch(engine, *, is_demo=False, imported_at=dt.datetime(2025, 3, 1, 9, 30), undone_at=None) -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(ImportBatch)
            .values(
                kind="demo" if is_demo else "events",
                file_name="events.csv",
                imported_at=imported_at,
                is_demo=is_demo,
                rows_read=0,
                rows_inserted=0,
                rows_updated=0,
                rows_unchanged=0,
                undone_at=undone_at,
            )
            .returning(ImportBatch.id)
        ).scalar_one()


def _add_event(engine, *, batch_id: int) -> None:
    with engine.begin() as conn:
        type_id = conn.scalar(select(EventType.id).where(EventType.code == "induction"))
        conn.execute(
            insert(Event).values(
                event_key="EV-1", title="Induction", event_type_id=type_id, date=dt.date(2025, 2, 1),
                delivery="virtual", batch_id=batch_id,
            )
        )


def _set_meta(engine, key: str, value: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(AppMeta).values(key=key, value=value))


def test_region_options_in_reference_order(engine):
    """Region options list every seeded region, in sort order, with its nation."""
    regions = meta.region_options(engine)
    assert list(regions.columns) == ["code", "name", "nation", "is_training_region"]
    assert list(regions["code"]) == [r.code for r in REGIONS]
    assert regions.set_index("code").loc["SCW", "nation"] == "Scotland"
    assert int(regions["is_training_region"].sum()) == 19


def test_stage_options_carry_groups(engine):
    """Stage options list every stage in sort order with its group."""
    stages = meta.stage_options(engine)
    assert list(stages.columns) == ["code", "label", "stage_group"]
    assert list(stages["code"]) == [code for code, _, _ in STAGES]
    assert stages.set_index("code").loc["sas", "stage_group"] == "non_training"


def test_event_type_options_in_order(engine):
    """Event type options list code and label in sort order."""
    types = meta.event_type_options(engine)
    assert list(types.itertuples(index=False, name=None)) == list(EVENT_TYPES)


def test_last_import_none_on_empty_database(engine):
    """With no import recorded, there is no last import time."""
    assert meta.last_import_at(engine) is None


def test_last_import_prefers_app_meta(engine):
    """The app_meta timestamp wins over the batch table, returned as aware UTC."""
    _add_batch(engine, imported_at=dt.datetime(2024, 1, 1))
    _set_meta(engine, meta.LAST_IMPORT_KEY, "2025-06-30T14:05:00+01:00")
    assert meta.last_import_at(engine) == dt.datetime(2025, 6, 30, 13, 5, tzinfo=dt.timezone.utc)


def test_last_import_falls_back_to_newest_live_batch(engine):
    """Without app_meta, the newest batch that was not undone gives the time."""
    _add_batch(engine, imported_at=dt.datetime(2025, 3, 1, 9, 30))
    _add_batch(engine, imported_at=dt.datetime(2025, 4, 1), undone_at=dt.datetime(2025, 4, 2))
    assert meta.last_import_at(engine) == dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone.utc)


def test_last_import_ignores_unparseable_meta(engine):
    """A malformed app_meta timestamp falls back to the batch table."""
    _add_batch(engine, imported_at=dt.datetime(2025, 3, 1, 9, 30))
    _set_meta(engine, meta.LAST_IMPORT_KEY, "yesterday")
    assert meta.last_import_at(engine) == dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone.utc)


def test_data_version_defaults_to_zero(engine):
    """A database that never recorded a data version is version 0."""
    assert meta.data_version(engine) == 0


def test_data_version_reads_app_meta(engine):
    """The data version is the whole number stored in app_meta."""
    _set_meta(engine, meta.DATA_VERSION_KEY, "42")
    assert meta.data_version(engine) == 42


def test_demo_rows_absent_without_demo_batch(engine):
    """Rows from a real import are not demo rows."""
    _add_event(engine, batch_id=_add_batch(engine))
    assert meta.demo_rows_present(engine) is False


def test_demo_rows_present_with_demo_event(engine):
    """A row inserted by a demo batch counts as demo data."""
    _add_event(engine, batch_id=_add_batch(engine, is_demo=True))
    assert meta.demo_rows_present(engine) is True


def test_demo_batch_without_rows_is_not_demo_data(engine):
    """A demo batch whose rows were cleared leaves no demo data."""
    _add_batch(engine, is_demo=True)
    assert meta.demo_rows_present(engine) is False


def test_import_history_lists_newest_first_without_who(engine):
    """Import history is newest first, in UTC, and leaves out who imported and the file hash."""
    _add_batch(engine, imported_at=dt.datetime(2025, 3, 1, 9, 30))
    _add_batch(engine, imported_at=dt.datetime(2025, 4, 1, 9, 30), undone_at=dt.datetime(2025, 4, 2, 8, 0))
    history = meta.import_history(engine)
    assert list(history["imported_at"]) == [
        dt.datetime(2025, 4, 1, 9, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC),
    ]
    assert history["undone_at"].iloc[0] == dt.datetime(2025, 4, 2, 8, 0, tzinfo=dt.UTC)
    assert "imported_by" not in history.columns and "sha256" not in history.columns


def test_import_history_refuses_a_bad_limit(engine):
    """A limit below 1 is refused with a clear error."""
    with pytest.raises(ValueError, match="limit"):
        meta.import_history(engine, limit=0)


def test_mwres_indicator_options_come_from_the_table(engine):
    """MWRES indicators are listed with their editable labels in table order."""
    options = meta.mwres_indicator_options(engine)
    assert list(options.itertuples(index=False, name=None)) == list(MWRES_INDICATORS)
