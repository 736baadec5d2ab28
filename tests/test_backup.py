"""Backup and restore: a round trip keeps every row and every KPI, on SQLite
and PostgreSQL and between them; bad archives and non-empty targets are
refused without changing anything."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select, text

from data_access import demo, importers
from data_access.backup import BackupError, backup, read_manifest, restore
from data_access.db import current_revision, head_revision, make_engine, migrate, normalise_url
from data_access.filters import Filters
from data_access.kpis import compute_kpis
from data_access.models import ImportBatch
from data_access.queries import meta

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 6, 30)
FILTER_SETS = (
    Filters(),
    Filters(regions=("LDN", "WM")),
    Filters(stages=("st1", "st2"), date_from=dt.date(2025, 8, 1), date_to=AS_OF),
    Filters(event_types=("induction",)),
)
EVENTS = (
    "event_id,title,event_type,date,host_region,mwres_indicators\n"
    "BK-1,Backup induction,induction,2025-09-01,London,4a\n"
    "BK-2,Backup exam prep,exam_prep,2026-01-15,National,\n"
)
EVENTS_RETITLED = EVENTS.replace("Backup induction", "Backup induction (retitled)")
ATTENDANCE = "event_id,email,attended,region,stage\n" + "".join(
    f"BK-{1 + n % 2},bk{n}@example.org,{'yes' if n % 3 else 'no'},{('LDN', 'WM', 'SCN')[n % 3]},st{1 + n % 4}\n"
    for n in range(40)
)
FEEDBACK = "event_id,rating,region,comments\nBK-1,5,London,Clear and kind\nBK-2,3,WM,\n"
REPS = "name,region,role,start_date\nSynthetic Backup Rep,London,rep,2025-01-01\n"


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def empty_url(engine_url, tmp_path):
    """Return the URL of a second, empty database on the same backend as ``engine_url``."""
    if engine_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    # The process id keeps two test runs at once (two developers, one server) apart.
    source_schema = re.search(r"search_path%3D(\w+)", engine_url).group(1)
    schema = f"{source_schema[:52]}_r{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema_url(base, schema)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def loaded(engine, key, tmp_path):
    """Return an Engine on a database with the small demo plus imported, updated rows."""
    demo.seed_demo(engine, scale="small", anchor=AS_OF)
    for kind, content in (("events", EVENTS), ("attendance", ATTENDANCE), ("feedback", FEEDBACK),
                          ("reps", REPS), ("events", EVENTS_RETITLED)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(content, encoding="utf-8")
        result = importers.import_file(engine, kind=kind, path=path, key=key, imported_by="backup test")
        assert not result.problems, result.problems
    return engine


def row_counts(engine) -> dict[str, int]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in metadata.tables.items()}


def all_kpis(engine) -> list[dict]:
    return [compute_kpis(engine, filters=filters, as_of=AS_OF) for filters in FILTER_SETS]


@pytest.fixture
def restored(loaded, empty_url, tmp_path):
    """Return (source engine, restored engine) after a backup and a restore."""
    archive = tmp_path / "backup.zip"
    backup(loaded, path=archive)
    target = make_engine(empty_url)
    restore(target, path=archive)
    yield loaded, target
    target.dispose()


def test_round_trip_keeps_row_counts(restored):
    """Every table has the same number of rows after backup and restore."""
    source, target = restored
    counts = row_counts(source)
    assert counts["import_change"] > 0 and counts["attendance"] > 8000
    assert row_counts(target) == counts


def test_round_trip_keeps_kpis(restored):
    """compute_kpis gives identical figures for several filters after the round trip."""
    source, target = restored
    assert all_kpis(target) == all_kpis(source)


def test_round_trip_keeps_every_value(restored, tmp_path):
    """A backup of the restored database has the same checksum for every table."""
    _, target = restored
    before = read_manifest(tmp_path / "backup.zip")
    after = backup(target, path=tmp_path / "again.zip")
    assert [(t.name, t.rows, t.sha256) for t in after.tables] == [(t.name, t.rows, t.sha256) for t in before.tables]


def test_restored_database_accepts_new_imports(restored, key, tmp_path):
    """After a restore new rows get fresh ids (PostgreSQL sequences were moved past the restored ids)."""
    _, target = restored
    path = tmp_path / "more.csv"
    path.write_text("event_id,email,attended\nBK-1,new-after-restore@example.org,yes\n", encoding="utf-8")
    result = importers.import_file(target, kind="attendance", path=path, key=key)
    assert (result.problems, result.inserted) == ([], 1)


def test_restore_upgrades_to_head(restored):
    """The restored database is at the newest schema revision."""
    source, target = restored
    assert current_revision(target) == current_revision(source)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_sqlite_backup_restores_into_postgresql(key, tmp_path):
    """An archive of a SQLite database restores into PostgreSQL with the same counts and KPIs."""
    source = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    migrate(source)
    demo.seed_demo(source, scale="small", anchor=AS_OF)
    backup(source, path=tmp_path / "move.zip")
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"t_backup_move_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    target = make_engine(schema_url(base, schema))
    try:
        restore(target, path=tmp_path / "move.zip")
        assert row_counts(target) == row_counts(source)
        for moved, original in zip(all_kpis(target), all_kpis(source), strict=True):
            assert moved == pytest.approx(original)
    finally:
        target.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_restore_refuses_non_empty_database(loaded, engine, tmp_path):
    """Restoring into a database with data raises BackupError and changes no row."""
    backup(loaded, path=tmp_path / "backup.zip")
    before = row_counts(engine)
    with pytest.raises(BackupError, match="not empty"):
        restore(engine, path=tmp_path / "backup.zip")
    assert row_counts(engine) == before


def test_restore_into_initialised_database(loaded, empty_url, tmp_path):
    """A database that was only initialised (reference rows seeded) counts as empty."""
    backup(loaded, path=tmp_path / "backup.zip")
    target = make_engine(empty_url)
    migrate(target)
    restore(target, path=tmp_path / "backup.zip")
    assert row_counts(target) == row_counts(loaded)
    target.dispose()


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy the zip at ``source`` to ``target``, passing each member's name and bytes through ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))


def test_restore_refuses_damaged_archive(loaded, empty_url, tmp_path):
    """A table file that does not match its checksum is refused before any table is created."""
    backup(loaded, path=tmp_path / "backup.zip")

    def damage(name: str, data: bytes) -> bytes:
        return data.replace(b"true", b"false", 1) if name == "tables/attendance.jsonl" else data
    rewrite_archive(tmp_path / "backup.zip", tmp_path / "damaged.zip", damage)
    target = make_engine(empty_url)
    with pytest.raises(BackupError, match="damaged: tables/attendance.jsonl"):
        restore(target, path=tmp_path / "damaged.zip")
    assert current_revision(target) is None
    target.dispose()


def test_restore_refuses_unknown_revision(loaded, empty_url, tmp_path):
    """An archive from a schema revision this code does not know is refused."""
    backup(loaded, path=tmp_path / "backup.zip")

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["revision"] = "9999_from_the_future"
        return json.dumps(manifest).encode()
    rewrite_archive(tmp_path / "backup.zip", tmp_path / "newer.zip", newer)
    target = make_engine(empty_url)
    with pytest.raises(BackupError, match="does not know"):
        restore(target, path=tmp_path / "newer.zip")
    assert current_revision(target) is None
    target.dispose()


def test_restore_refuses_a_file_that_is_not_an_archive(engine, tmp_path):
    """A CSV given to restore is refused with a clear message."""
    path = tmp_path / "events.csv"
    path.write_text(EVENTS, encoding="utf-8")
    with pytest.raises(BackupError, match="not a readable backup archive"):
        restore(engine, path=path)


def test_backup_never_overwrites(loaded, tmp_path):
    """Backing up to an existing file raises BackupError and leaves its bytes alone."""
    path = tmp_path / "existing.zip"
    path.write_bytes(b"precious")
    with pytest.raises(BackupError, match="already exists"):
        backup(loaded, path=path)
    assert path.read_bytes() == b"precious"


def test_manifest_lists_every_table(loaded, tmp_path):
    """The manifest names every table in the database, alembic_version included, with its row count."""
    manifest = backup(loaded, path=tmp_path / "backup.zip")
    expected = row_counts(loaded)
    # Less the database's instance id, which a restore writes anew.
    expected["app_meta"] -= 1
    assert manifest.row_counts() == expected


def test_restore_gives_the_database_a_new_instance_id(restored):
    """A restored database has its own random instance id, so it never opens the source's snapshot files."""
    source, target = restored
    assert len(meta.database_id(target)) == 32 and meta.database_id(target) != meta.database_id(source)


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SOFT_LANDING_PSEUDONYM_KEY": "backup-test-key"}
    return subprocess.run([sys.executable, "-m", "data_access", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli_backup_and_restore(engine_url, empty_url, tmp_path):
    """`backup FILE` then `restore FILE` exit 0 and the restored KPIs match."""
    assert cli(engine_url, "init").returncode == 0
    assert cli(engine_url, "seed-demo").returncode == 0
    made = cli(engine_url, "backup", str(tmp_path / "cli.zip"))
    assert made.returncode == 0, made.stderr
    restored = cli(empty_url, "restore", str(tmp_path / "cli.zip"))
    assert restored.returncode == 0, restored.stderr
    assert cli(empty_url, "kpis", "--json").stdout == cli(engine_url, "kpis", "--json").stdout


def test_cli_restore_refuses_non_empty_database(engine_url, tmp_path):
    """`restore` into a database with data exits 1 with a clear message and no traceback."""
    assert cli(engine_url, "init").returncode == 0
    assert cli(engine_url, "seed-demo").returncode == 0
    assert cli(engine_url, "backup", str(tmp_path / "cli.zip")).returncode == 0
    result = cli(engine_url, "restore", str(tmp_path / "cli.zip"))
    assert result.returncode == 1
    assert "the database is not empty" in result.stderr and "nothing was restored" in result.stderr
    assert "Traceback" not in result.stderr


def test_backup_from_older_revision_restores_and_upgrades(engine_url, empty_url, tmp_path):
    """An archive made at the first schema revision restores into a new database at the newest one."""
    source = make_engine(engine_url)
    migrate(source, revision="0001")
    demo.seed_demo(source, scale="small", anchor=AS_OF)
    manifest = backup(source, path=tmp_path / "old.zip")
    assert manifest.revision == "0001" != head_revision()
    target = make_engine(empty_url)
    restore(target, path=tmp_path / "old.zip")
    assert current_revision(target) == head_revision()
    restored_counts = row_counts(target)
    # Plus the new instance id the restore writes.
    restored_counts["app_meta"] -= 1
    assert {name: restored_counts[name] for name in manifest.row_counts() if name != "alembic_version"} == {
        name: rows for name, rows in manifest.row_counts().items() if name != "alembic_version"}
    assert all_kpis(target) == all_kpis(source)
    source.dispose()
    target.dispose()


# Many small imports, so that many commits fall inside the backups.
BACKUP_WRITER_FILES = 60
BACKUPS_DURING_IMPORTS = 6
WRITER = """
import sys
from data_access.cli import main
for path in sys.argv[1:]:
    if main(["import", "attendance", path]) != 0:
        sys.exit(1)
"""


def archived_rows(path: Path, table: str) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        columns = next(t["columns"] for t in manifest["tables"] if t["name"] == table)
        lines = archive.read(f"tables/{table}.jsonl").decode("utf-8").splitlines()
    return [dict(zip(columns, json.loads(line), strict=True)) for line in lines]


def test_backup_while_imports_run_is_one_consistent_moment(engine, engine_url, key, tmp_path):
    """Backups taken while another process imports hold, for every batch, exactly the rows it inserted."""
    events = tmp_path / "events.csv"
    events.write_text(EVENTS, encoding="utf-8")
    assert not importers.import_file(engine, kind="events", path=events, key=key).problems
    files = []
    for n in range(BACKUP_WRITER_FILES):
        path = tmp_path / f"attendance-{n}.csv"
        path.write_text("event_id,email,attended\n" + "".join(
            f"BK-1,writer{n}-{i}@example.org,yes\n" for i in range(1000)), encoding="utf-8")
        files.append(str(path))
    env = {**os.environ, "DATABASE_URL": engine_url, "SOFT_LANDING_PSEUDONYM_KEY": "backup-test-key"}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, *files], cwd=ROOT, env=env)
    archives = []
    attendance_batches = select(func.count()).select_from(ImportBatch).where(ImportBatch.kind == "attendance")
    try:
        with engine.connect() as conn:
            while writer.poll() is None and not conn.execute(attendance_batches).scalar_one():
                conn.rollback()
                time.sleep(0.05)
        while writer.poll() is None and len(archives) < BACKUPS_DURING_IMPORTS:
            path = tmp_path / f"during-{len(archives)}.zip"
            backup(engine, path=path)
            archives.append(path)
    finally:
        assert writer.wait(timeout=300) == 0
    assert len(archives) == BACKUPS_DURING_IMPORTS, "the imports finished before every backup was taken"
    batches_seen = 0
    for path in archives:
        inserted = {b["id"]: b["rows_inserted"] for b in archived_rows(path, "import_batch")
                    if b["kind"] == "attendance"}
        per_batch: dict[int, int] = {}
        for row in archived_rows(path, "attendance"):
            per_batch[row["batch_id"]] = per_batch.get(row["batch_id"], 0) + 1
        assert per_batch == inserted
        batches_seen += len(inserted)
    assert 0 < batches_seen < len(archives) * len(files), "no backup was taken while the imports were running"
