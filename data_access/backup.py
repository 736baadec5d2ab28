"""Backup and restore: a portable archive of every table.

``backup`` writes one zip file, whatever the backend:

- ``manifest.json``: the archive format, when it was made, the source
  dialect, the schema revision (Alembic), and for each table, in an order
  that satisfies its foreign keys: its file, its columns, its row count and
  the SHA-256 of the file's bytes;
- ``tables/<table>.jsonl``: one JSON array per row, in primary-key order.
  Dates and times are ISO 8601 text, JSON columns nested JSON.

Decisions where the issue is silent:

- **One format for both backends.** SQLite is snapshotted with its online
  backup API (a consistent copy that does not block the running app's
  writers) and the archive is written from that copy; PostgreSQL is read in
  one REPEATABLE READ, read-only transaction. The same archive restores into
  either backend, so a backup is also the way to move from SQLite to
  PostgreSQL and back, and every table's checksum can be verified before
  anything is written.
- **Every table.** The tables are read from the database itself (reflected),
  not from a list, so a table added by a later migration is backed up without
  a code change. ``alembic_version`` is archived too; on restore the
  migrations write it. Only app_meta ``database_id`` is left out: a restore
  gives the database a new random one (see ``data_access.columnar``).
- **Empty target.** Restore refuses a database holding any row beyond those
  its migrations seed (the reference tables). A database without tables is
  migrated to the archive's revision first; after the rows are in, it is
  upgraded to the newest revision, so an archive from an older release
  restores into a newer one.
- **No overwrite.** Backup refuses an existing file and writes through a
  ``.partial`` file, so a failed backup never leaves a truncated archive
  under the requested name.

The archive holds pseudonyms and reps' names but never the pseudonym key,
which must be backed up separately (see the README).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import sqlite3
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    Table,
    Time,
    delete,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url

from data_access.db import MIGRATIONS_DIR, current_revision, head_revision, make_engine, migrate
from data_access.models import AppMeta
from data_access.queries.meta import DATABASE_ID_KEY

ARCHIVE_FORMAT = "soft-landing-backup"
ARCHIVE_FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
VERSION_TABLE = "alembic_version"
# Rows per fetch and per INSERT batch: bounded memory at national scale.
CHUNK_ROWS = 5_000
HASH_BLOCK_BYTES = 1 << 20


class BackupError(Exception):
    """A backup or restore was refused; the message says why. Nothing changed."""


@dataclass(frozen=True)
class TableSummary:
    """One table in an archive: its columns, row count and file checksum."""

    name: str
    columns: tuple[str, ...]
    rows: int
    sha256: str

    @property
    def file(self) -> str:
        return f"tables/{self.name}.jsonl"


@dataclass(frozen=True)
class Manifest:
    """What an archive holds: the schema revision and every table."""

    created_at: str
    source_dialect: str
    revision: str | None
    tables: tuple[TableSummary, ...]

    def row_counts(self) -> dict[str, int]:
        """Return the number of rows per table, by table name."""
        return {table.name: table.rows for table in self.tables}


# --- backup --------------------------------------------------------------------


def backup(engine: Engine, *, path: str | Path) -> Manifest:
    """Write a consistent snapshot of every table of ``engine``'s database to
    the zip archive ``path`` and return its manifest. Raises ``BackupError``
    (writing nothing) when ``path`` exists or the SQLite file is missing."""
    target = Path(path)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name (backups are never overwritten)")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    try:
        if engine.dialect.name == "sqlite":
            manifest = _backup_sqlite(engine, partial)
        else:
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                manifest = _write_archive(conn, partial, source_dialect=engine.dialect.name)
                conn.rollback()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _backup_sqlite(engine: Engine, partial: Path) -> Manifest:
    database = make_url(engine.url).database
    if not database or database == ":memory:" or not Path(database).exists():
        raise BackupError(f"there is no SQLite database file at {database}")
    with tempfile.TemporaryDirectory(prefix="soft-landing-backup-") as scratch:
        snapshot = Path(scratch) / "snapshot.db"
        # Through engine.connect(), so that a damaged file raises SQLAlchemy's DatabaseError.
        with engine.connect() as conn:
            copy = sqlite3.connect(snapshot)
            try:
                conn.connection.driver_connection.backup(copy)
            finally:
                copy.close()
        snapshot_engine = make_engine(f"sqlite:///{snapshot}")
        try:
            with snapshot_engine.connect() as conn:
                return _write_archive(conn, partial, source_dialect="sqlite")
        finally:
            snapshot_engine.dispose()


def _write_archive(conn: Connection, path: Path, *, source_dialect: str) -> Manifest:
    metadata = MetaData()
    metadata.reflect(conn)
    summaries = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for table in metadata.sorted_tables:
            columns = tuple(table.c.keys())
            digest = hashlib.sha256()
            rows = 0
            entry = zipfile.ZipInfo(f"tables/{table.name}.jsonl", date_time=time.localtime()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w", force_zip64=True) as out:
                for chunk in _table_chunks(conn, table):
                    data = "".join(_json_line(row) for row in chunk).encode("utf-8")
                    digest.update(data)
                    out.write(data)
                    rows += len(chunk)
            summaries.append(TableSummary(table.name, columns, rows, digest.hexdigest()))
        revision = _archived_revision(conn, metadata)
        manifest = Manifest(
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            source_dialect=source_dialect,
            revision=revision,
            tables=tuple(summaries),
        )
        archive.writestr(MANIFEST_NAME, json.dumps(_manifest_dict(manifest), indent=2))
    return manifest


def _table_chunks(conn: Connection, table: Table) -> Iterator[list[tuple]]:
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=CHUNK_ROWS)
    if table.name == AppMeta.__tablename__:
        # The instance id names this database's snapshot files; a restore writes its own.
        query = query.where(table.c.key != DATABASE_ID_KEY)
    result = conn.execute(query)
    for chunk in result.partitions():
        yield [tuple(row) for row in chunk]


def _archived_revision(conn: Connection, metadata: MetaData) -> str | None:
    if VERSION_TABLE not in metadata.tables:
        return None
    return conn.execute(select(metadata.tables[VERSION_TABLE].c.version_num)).scalar_one_or_none()


def _json_line(row: tuple) -> str:
    return json.dumps(row, default=_json_value, ensure_ascii=False, separators=(",", ":")) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a {type(value).__name__} value cannot be archived")


def _manifest_dict(manifest: Manifest) -> dict[str, Any]:
    return {
        "format": ARCHIVE_FORMAT,
        "format_version": ARCHIVE_FORMAT_VERSION,
        "created_at": manifest.created_at,
        "source_dialect": manifest.source_dialect,
        "revision": manifest.revision,
        "tables": [
            {"name": t.name, "file": t.file, "columns": list(t.columns), "rows": t.rows, "sha256": t.sha256}
            for t in manifest.tables
        ],
    }


# --- restore -------------------------------------------------------------------


def read_manifest(path: str | Path) -> Manifest:
    """Return the manifest of the archive at ``path`` after checking every
    table file against its row count and SHA-256. Raises ``BackupError``
    for anything that is not an intact archive."""
    source = Path(path)
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = _parse_manifest(archive, source)
            for table in manifest.tables:
                _verify_table_file(archive, table, source)
    except FileNotFoundError:
        raise BackupError(f"there is no file {source}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{source} is not a readable backup archive: {exc}") from None
    return manifest


def _parse_manifest(archive: zipfile.ZipFile, source: Path) -> Manifest:
    try:
        raw = json.loads(archive.read(MANIFEST_NAME))
    except KeyError:
        raise BackupError(f"{source} is not a Soft Landing backup: it has no {MANIFEST_NAME}") from None
    except ValueError:
        raise BackupError(f"{source}: {MANIFEST_NAME} is not valid JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != ARCHIVE_FORMAT:
        raise BackupError(f"{source} is not a Soft Landing backup")
    if raw.get("format_version") != ARCHIVE_FORMAT_VERSION:
        raise BackupError(f"{source} is in backup format version {raw.get('format_version')!r}; this "
                          f"version of the dashboard reads version {ARCHIVE_FORMAT_VERSION}")
    try:
        tables = tuple(
            TableSummary(str(t["name"]), tuple(str(c) for c in t["columns"]), int(t["rows"]), str(t["sha256"]))
            for t in raw["tables"]
        )
        return Manifest(str(raw["created_at"]), str(raw["source_dialect"]), raw["revision"], tables)
    except (KeyError, TypeError, ValueError):
        raise BackupError(f"{source}: {MANIFEST_NAME} is incomplete") from None


def _verify_table_file(archive: zipfile.ZipFile, table: TableSummary, source: Path) -> None:
    digest = hashlib.sha256()
    lines = 0
    try:
        with archive.open(table.file) as stream:
            while block := stream.read(HASH_BLOCK_BYTES):
                digest.update(block)
                lines += block.count(b"\n")
    except KeyError:
        raise BackupError(f"{source} is damaged: {table.file} is missing") from None
    if digest.hexdigest() != table.sha256 or lines != table.rows:
        raise BackupError(f"{source} is damaged: {table.file} does not match its checksum or row count")


def restore(engine: Engine, *, path: str | Path) -> Manifest:
    """Restore the archive at ``path`` into ``engine``'s database, which must
    hold no rows beyond those its migrations seed, and return the manifest.

    Every table is written in one transaction (PostgreSQL sequences are moved
    past the restored ids in it), then the schema is upgraded to the newest
    revision. Raises ``BackupError``, changing nothing, for a damaged archive,
    a revision this code does not know, or a database that is not empty.
    """
    manifest = read_manifest(path)
    if manifest.revision is None:
        raise BackupError(f"{path} has no schema revision, so it cannot be restored")
    _check_known_revision(manifest.revision)
    at = current_revision(engine)
    if at is not None and at != manifest.revision:
        raise BackupError(
            f"the database is at schema revision {at} but the backup is at {manifest.revision}; restore "
            f"into a new database without tables"
        )
    _refuse_if_not_empty(engine)
    if at is None:
        migrate(engine, revision=manifest.revision)
    metadata = MetaData()
    metadata.reflect(engine)
    _check_tables_match(metadata, manifest)
    with zipfile.ZipFile(path) as archive, engine.begin() as conn:
        tables = [metadata.tables[t.name] for t in manifest.tables if t.name != VERSION_TABLE]
        for table in reversed(tables):
            conn.execute(delete(table))
        for summary in manifest.tables:
            if summary.name != VERSION_TABLE:
                _insert_table(conn, archive, metadata.tables[summary.name], summary)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, tables)
        # A new instance id: snapshot files of whatever held this name before never match it.
        conn.execute(delete(AppMeta).where(AppMeta.key == DATABASE_ID_KEY))
        conn.execute(insert(AppMeta).values(key=DATABASE_ID_KEY, value=uuid.uuid4().hex))
    migrate(engine)
    return manifest


def _check_known_revision(revision: str) -> None:
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    try:
        known = scripts.get_revision(revision) is not None
    except (CommandError, RevisionError):
        known = False
    if not known:
        raise BackupError(
            f"the backup is at schema revision {revision}, which this version of the dashboard does not "
            f"know (its newest is {head_revision()}); restore it with the release that made it"
        )


@functools.cache
def _seeded_by_migrations() -> frozenset[str]:
    """Return the tables that hold rows right after migrating an empty database."""
    scratch = make_engine("sqlite://")
    try:
        migrate(scratch)
        metadata = MetaData()
        metadata.reflect(scratch)
        with scratch.connect() as conn:
            return frozenset(
                table.name for table in metadata.sorted_tables
                if table.name != VERSION_TABLE and conn.execute(select(table).limit(1)).first() is not None
            )
    finally:
        scratch.dispose()


def _refuse_if_not_empty(engine: Engine) -> None:
    seeded = _seeded_by_migrations()
    names = set(inspect(engine).get_table_names()) - {VERSION_TABLE} - seeded
    metadata = MetaData()
    metadata.reflect(engine, only=sorted(names))
    with engine.connect() as conn:
        # Reflection also brings in the tables these refer to, seeded or not.
        holding = [table.name for table in metadata.sorted_tables
                   if table.name in names and conn.execute(select(table).limit(1)).first() is not None]
    if holding:
        raise BackupError(
            f"the database is not empty (rows in: {', '.join(holding)}); restore only into a new, empty "
            f"database, so that nothing is overwritten"
        )


def _check_tables_match(metadata: MetaData, manifest: Manifest) -> None:
    archived = {t.name: set(t.columns) for t in manifest.tables}
    present = {name: set(table.c.keys()) for name, table in metadata.tables.items()}
    if archived.keys() != present.keys():
        missing = sorted(present.keys() - archived.keys())
        extra = sorted(archived.keys() - present.keys())
        raise BackupError(f"the backup's tables do not match schema revision {manifest.revision}: "
                          f"missing {missing or 'none'}, unknown {extra or 'none'}")
    for name, columns in archived.items():
        if columns != present[name]:
            raise BackupError(f"the backup's columns of {name} do not match schema revision {manifest.revision}")


def _insert_table(conn: Connection, archive: zipfile.ZipFile, table: Table, summary: TableSummary) -> None:
    decoders = [_decoder(table.c[name].type) for name in summary.columns]
    batch: list[dict[str, Any]] = []
    with archive.open(summary.file) as stream:
        for number, line in enumerate(stream, start=1):
            try:
                values = json.loads(line)
                batch.append({name: decode(value) for name, decode, value
                              in zip(summary.columns, decoders, values, strict=True)})
            except (TypeError, ValueError):
                raise BackupError(f"row {number} of {summary.file} does not fit table {table.name}") from None
            if len(batch) >= CHUNK_ROWS:
                conn.execute(insert(table), batch)
                batch = []
    if batch:
        conn.execute(insert(table), batch)


def _decoder(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, DateTime):
        parse: Callable[[str], Any] = dt.datetime.fromisoformat
    elif isinstance(column_type, Date):
        parse = dt.date.fromisoformat
    elif isinstance(column_type, Time):
        parse = dt.time.fromisoformat
    elif isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        parse = Decimal
    else:
        return _unchanged
    return lambda value: None if value is None else parse(value)


def _unchanged(value: Any) -> Any:
    return value


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Move each serial or identity sequence past the largest restored id, so
    the next insert does not collide with a restored row."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = conn.execute(select(func.pg_get_serial_sequence(table.name, keys[0].name))).scalar()
        if sequence is None:
            continue
        largest = conn.execute(select(func.max(keys[0]))).scalar()
        conn.execute(select(func.setval(sequence, largest or 1, largest is not None)))
