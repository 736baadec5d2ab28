"""PostgreSQL imports through COPY and a staging table: all or nothing, idempotent, undoable,
and really through COPY. They run where TEST_DATABASE_URL names a server (CI sets it)."""

import os

import psycopg
import pytest
from sqlalchemy import create_engine, select, text

from data_access import importers, models
from data_access.queries.meta import data_version

NO_SERVER = "TEST_DATABASE_URL is not set; PostgreSQL tests run in CI"
pytestmark = pytest.mark.parametrize("engine_url", [pytest.param(
    "postgresql", marks=pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason=NO_SERVER))],
    indirect=True)

EVENTS = ("event_id,title,event_type,date,mwres_indicators\n"
          "EV1,Virtual induction,induction,2025-03-01,4a\n"
          "EV2,ARCP webinar,arcp_portfolio,2025-03-12,\n"
          "EV3,Exam preparation,exam_prep,2025-04-02,1c;4b\n")
REGIONS = ("LDN", "TV", "NW", "")
STAGES = ("ST1", "ST3", "SAS", "")
PROVENANCE = ("import_batch", "import_change", "app_meta")
STAGING = ("import_stage_attendance", "import_stage_participant")


def attendance(events=("EV1", "EV2", "EV3"), people=range(120), *, flip=()):
    """Return an attendance CSV: one row per event and person (example.org
    emails); people in ``flip`` have the other attended answer and region."""
    lines = ["Event ID,Email,Attended,Region,Stage"]
    for event in events:
        for p in people:
            changed = p in flip
            attended = "yes" if (p % 3 != 0) != changed else "no"
            region = REGIONS[(p + changed) % 4]
            lines.append(f"{event},Person{p}@Example.org,{attended},{region},{STAGES[p % 4]}")
    return "\n".join(lines) + "\n"


def run(engine, key, tmp_path, kind, content):
    """Import ``content`` as a CSV file of ``kind`` and return the result."""
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    return importers.import_file(engine, kind=kind, path=path, key=key)


def dump(engine, skip=()):
    """Return every row of every table (but ``skip``), sorted, to compare before and after."""
    with engine.connect() as conn:
        return {table.name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for table in models.Base.metadata.sorted_tables if table.name not in skip}


def staging_left(engine):
    """Return the staging tables still visible to the session of the only pooled connection."""
    with engine.connect() as conn:
        return [name for name in STAGING
                if conn.execute(text("SELECT to_regclass(:name)"), {"name": f"pg_temp.{name}"}).scalar()]


@pytest.fixture
def one_connection(engine):
    """Return an engine on the same database with a single pooled connection,
    so that a later check sees the session the import used."""
    single = create_engine(engine.url, pool_size=1, max_overflow=0)
    yield single
    single.dispose()


def test_copy_import_refused_file_changes_nothing(engine, key, tmp_path):
    """A file with validation problems leaves every table and the data version as they were."""
    assert run(engine, key, tmp_path, "events", EVENTS).problems == []
    before, version = dump(engine), data_version(engine)
    result = run(engine, key, tmp_path, "attendance", attendance() + "EV9,late@example.org,maybe,,\n")
    assert result.batch_id is None
    assert ("row 362, column Event ID: 'EV9' — no such event (import it in an events file first)"
            in result.problems)
    assert dump(engine) == before
    assert data_version(engine) == version


def test_copy_import_failing_write_rolls_back_everything(one_connection, key, tmp_path, monkeypatch):
    """A write the database refuses after rows were staged and updated undoes
    the whole import: no half rows, no staging table, the same data version."""
    engine = one_connection
    run(engine, key, tmp_path, "events", EVENTS)
    run(engine, key, tmp_path, "attendance", attendance(events=("EV1",)))
    real_prepare = importers.prepare
    before = {}

    def prepare_then_delete_event(*args, **kwargs):
        """Prepare the file, then delete EV2 as another process might, before the write."""
        prepared = real_prepare(*args, **kwargs)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM event_mwres WHERE event_id = "
                              "(SELECT id FROM event WHERE event_key = 'EV2')"))
            conn.execute(text("DELETE FROM event WHERE event_key = 'EV2'"))
        before.update(dump(engine), version=data_version(engine))
        return prepared

    monkeypatch.setattr(importers, "prepare", prepare_then_delete_event)
    # EV1 rows update first, then the EV2 rows fail their foreign key on insert.
    changed = attendance(events=("EV1", "EV2"), flip=range(0, 120, 2))
    result = run(engine, key, tmp_path, "attendance", changed)
    assert result.batch_id is None
    assert result.problems[0].startswith("the database refused the rows, so nothing was imported")
    assert dict(dump(engine), version=data_version(engine)) == before
    assert staging_left(engine) == []


def test_copy_reimport_changes_nothing(one_connection, key, tmp_path):
    """Importing the same file again counts every row unchanged and writes no row
    but its batch; the staging tables are gone after each commit."""
    engine = one_connection
    run(engine, key, tmp_path, "events", EVENTS)
    first = run(engine, key, tmp_path, "attendance", attendance())
    assert (first.inserted, first.updated, first.unchanged) == (360, 0, 0)
    assert staging_left(engine) == []
    before = dump(engine, skip=("import_batch", "app_meta"))
    again = run(engine, key, tmp_path, "attendance", attendance())
    assert (again.rows_read, again.inserted, again.updated, again.unchanged) == (360, 0, 0, 360)
    assert dump(engine, skip=("import_batch", "app_meta")) == before
    assert staging_left(engine) == []


def test_copy_update_then_undo_restores_exact_tables(engine, key, tmp_path):
    """An import that updates and inserts rows, undone, gives back the exact tables,
    for attendance and for events with their MWRES links."""
    run(engine, key, tmp_path, "events", EVENTS)
    run(engine, key, tmp_path, "attendance", attendance(people=range(100)))
    before = dump(engine, skip=PROVENANCE)
    events = run(engine, key, tmp_path, "events", EVENTS.replace("4a", "1c").replace("ARCP webinar", "ARCP"))
    assert (events.inserted, events.updated, events.unchanged) == (0, 2, 1)
    result = run(engine, key, tmp_path, "attendance", attendance(people=range(120), flip=range(0, 100, 4)))
    assert (result.inserted, result.updated, result.unchanged) == (60, 75, 225)
    with engine.connect() as conn:
        changes = conn.execute(select(models.ImportChange.previous)
                               .where(models.ImportChange.batch_id == result.batch_id)).scalars().all()
    assert len(changes) == 75
    assert set(changes[0]) == {"attended", "region_id", "stage_id"}
    importers.undo_batch(engine, batch_id=result.batch_id)
    importers.undo_batch(engine, batch_id=events.batch_id)
    assert dump(engine, skip=PROVENANCE) == before


def test_copy_path_is_taken_for_postgresql_imports(engine, key, tmp_path, monkeypatch):
    """On PostgreSQL the rows and new participants go through COPY, and no row
    goes through executemany."""
    run(engine, key, tmp_path, "events", EVENTS)
    copies, many, rows = [], [], []
    real_copy, real_many, real_write = psycopg.Cursor.copy, psycopg.Cursor.executemany, psycopg.Copy.write_row

    def copy(self, statement, *args, **kwargs):
        copies.append(str(statement))
        return real_copy(self, statement, *args, **kwargs)

    def executemany(self, query, params_seq, **kwargs):
        many.append(str(query))
        return real_many(self, query, params_seq, **kwargs)

    def write_row(self, row):
        rows.append(row)
        return real_write(self, row)

    monkeypatch.setattr(psycopg.Cursor, "copy", copy)
    monkeypatch.setattr(psycopg.Cursor, "executemany", executemany)
    monkeypatch.setattr(psycopg.Copy, "write_row", write_row)
    result = run(engine, key, tmp_path, "attendance", attendance())
    assert result.inserted == 360
    assert [s.split(" (")[0] for s in copies] == [
        "COPY import_stage_participant", "COPY import_stage_attendance"]
    assert len(rows) == 120 + 360
    assert many == []


def test_copy_import_failing_copy_refused_cleanly(one_connection, key, tmp_path, monkeypatch):
    """A row the database refuses in the middle of COPY refuses the file with
    the usual one-line problem and leaves nothing behind."""
    engine = one_connection
    run(engine, key, tmp_path, "events", EVENTS)
    before, version = dump(engine), data_version(engine)
    real_write, written = psycopg.Copy.write_row, []

    def write_row(self, row):
        written.append(row)
        if len(written) == 200:
            raise psycopg.errors.NotNullViolation("injected: row 200 refused")
        return real_write(self, row)

    monkeypatch.setattr(psycopg.Copy, "write_row", write_row)
    result = run(engine, key, tmp_path, "attendance", attendance())
    assert result.batch_id is None
    assert result.problems == ["the database refused the rows, so nothing was imported "
                               "(was it changed during the import?): injected: row 200 refused"]
    assert dump(engine) == before
    assert data_version(engine) == version
    assert staging_left(engine) == []
