"""A columnar copy of the facts in a DuckDB file, so that aggregates run in DuckDB.

At national scale (1,000,000 registrations) SQLite and PostgreSQL spend
0.1-0.9 s on each distinct-participant count; DuckDB runs the same SQL over
a column store in a few tens of milliseconds. A *snapshot* is a DuckDB
database holding a copy of every table the queries read (``TABLES``), taken
in one read transaction together with app_meta ``data_version``, and
exposed as a SQLAlchemy ``Engine``: the query functions run on it unchanged.

Every write that changes facts (import, undo, clear-demo, demo seeding)
raises the data version in the same transaction, and a restore, which only
goes into an empty database, brings the archive's version. ``engine_at``
hands out a snapshot only when it holds exactly the version asked for, so a
stale copy is never served; otherwise it opens or builds a fresh one (one
build at a time, in a background thread that callers may wait for). When no
snapshot can be had the caller queries the database itself, which gives the
same rows. One snapshot is kept open per database, so memory stays bounded.

Snapshots live on disk (``data_access.config.snapshot_dir``), one file per
database and data version, so a restarted process, or a second process on
the same machine, opens the file instead of copying the database again
(processes take turns to copy, so after a change one copies and the others
wait for its file). A file is built under a temporary name and renamed into place whole, then only
ever opened read-only, which several processes may do at once. Its name and
a table inside it carry the database's random instance id (app_meta
``database_id``, written by a migration and anew by every restore) and the
data version, and a file whose table does not match what was asked for, or
that cannot be opened, is rebuilt rather than served: so a file copied from
another database, or left from before a restore reused a version number, is
never used. Files of older versions of a database are deleted once a newer
one is in place, and half-built files of a process that died mid-copy by
the next build.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from duckdb_engine import ConnectionWrapper
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    SmallInteger,
    Table,
    create_engine,
    select,
)
from sqlalchemy.pool import NullPool

from data_access.config import snapshot_dir
from data_access.models import (
    AppMeta,
    Attendance,
    Benchmark,
    Event,
    EventType,
    Feedback,
    MwresIndicator,
    Outcome,
    OutcomeMeasure,
    Region,
    Rep,
    Stage,
    event_mwres,
)
from data_access.queries import meta
from data_access.queries.meta import DATA_VERSION_KEY

log = logging.getLogger(__name__)

# Every table a query in data_access.queries or data_access.kpis reads.
TABLES: tuple[Table, ...] = (
    Region.__table__,
    Stage.__table__,
    EventType.__table__,
    OutcomeMeasure.__table__,
    MwresIndicator.__table__,
    Event.__table__,
    event_mwres,
    Attendance.__table__,
    Feedback.__table__,
    Rep.__table__,
    Outcome.__table__,
    Benchmark.__table__,
)
# Provenance columns no query reads, left out of the copy.
SKIPPED_COLUMNS = frozenset({"batch_id", "response_key"})

# The table inside every snapshot file that names what it holds.
SNAPSHOT_META_TABLE = "snapshot_meta"

# DuckDB caches the file's blocks in memory; the limit bounds that and its working space.
DUCKDB_MEMORY_LIMIT = "1GB"
# Ids per packed read from SQLite: a 50 MB string at most for attendance.
PACK_CHUNK_IDS = 1_000_000
# julianday('1970-01-01') is 2440587.5; CAST(... AS INTEGER) truncates it.
UNIX_EPOCH_JULIAN_DAY = 2440587
# How long a caller waits for a build before asking the database instead.
BUILD_WAIT_SECONDS = 60
# Snapshots of this many databases at most (a server has one; tests have many).
MAX_DATABASES = 2


@dataclass(frozen=True)
class Snapshot:
    """A DuckDB copy of the mirrored tables as they were at ``data_version``,
    read-only from the file at ``path``."""

    data_version: int
    engine: Engine
    path: Path


def copied_columns(table: Table) -> list[Column]:
    """Return the columns of ``table`` that a snapshot holds, in table order."""
    return [column for column in table.columns if column.name not in SKIPPED_COLUMNS]


def snapshot_path(source: Engine, *, database_id: str, data_version: int) -> Path:
    """Return the file that holds (or would hold) the snapshot of ``source``
    at ``data_version``: in ``snapshot_dir()``, named by a hash of the URL
    (without the password) and the database's instance id, and the version."""
    return snapshot_dir() / f"{_database_key(source, database_id)}-v{data_version}.duckdb"


def take_snapshot(source: Engine) -> Snapshot:
    """Copy ``source``'s mirrored tables, all read at one consistent moment,
    into a new snapshot file, and return the snapshot opened from it. Files
    of older versions of the same database are deleted. Raises ``ValueError``
    for a backend other than SQLite or PostgreSQL."""
    if source.dialect.name not in ("sqlite", "postgresql"):
        raise ValueError(f"no columnar copy for the {source.dialect.name} backend")
    database_id = meta.database_id(source)
    folder = snapshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    building = folder / f".{_database_key(source, database_id)}-building-{uuid.uuid4().hex}.duckdb"
    try:
        database = duckdb.connect(str(building), config={"memory_limit": DUCKDB_MEMORY_LIMIT})
        try:
            for table in TABLES:
                database.execute(_create_statement(table))
            version = _copy_in_parallel(source, database)
            database.execute(
                f'CREATE TABLE "{SNAPSHOT_META_TABLE}" (database_id VARCHAR, data_version BIGINT)'
            )
            database.execute(f'INSERT INTO "{SNAPSHOT_META_TABLE}" VALUES (?, ?)', [database_id, version])
        finally:
            database.close()
        path = snapshot_path(source, database_id=database_id, data_version=version)
        # Readers only ever see a whole file under the final name.
        os.replace(building, path)
    finally:
        building.unlink(missing_ok=True)
    snapshot = _opened(path, database_id=database_id, data_version=version)
    if snapshot is None:
        raise RuntimeError(f"the snapshot just written to {path} cannot be opened")
    _delete_older_files(source, database_id=database_id, data_version=version)
    return snapshot


def open_snapshot(source: Engine) -> Snapshot | None:
    """Return the snapshot of ``source`` at its current data version from the
    file on disk, or None when there is no such file or it does not hold
    exactly that database and version (such a file is deleted)."""
    database_id = meta.database_id(source)
    version = meta.data_version(source)
    path = snapshot_path(source, database_id=database_id, data_version=version)
    if not path.exists():
        return None
    snapshot = _opened(path, database_id=database_id, data_version=version)
    if snapshot is None:
        log.warning("snapshot file %s is damaged or holds other data; copying the database again", path.name)
        path.unlink(missing_ok=True)
    return snapshot


def open_or_take_snapshot(source: Engine) -> Snapshot:
    """Return the snapshot of ``source`` at its current data version: opened
    from its file when there is a good one, else copied. Processes sharing
    the snapshot folder copy one database one at a time (a lock file per
    database), so after a data change one copies and the others open its file."""
    snapshot = open_snapshot(source)
    if snapshot is not None:
        return snapshot
    folder = snapshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = _database_key(source, meta.database_id(source))
    with (folder / f"{key}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            snapshot = open_snapshot(source)
            if snapshot is not None:
                return snapshot
            # Whoever holds the lock is the only builder: any other partial
            # file of this database was left by a process that died mid-copy.
            for left_over in folder.glob(f".{key}-building-*"):
                left_over.unlink(missing_ok=True)
            return take_snapshot(source)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _opened(path: Path, *, database_id: str, data_version: int) -> Snapshot | None:
    """Return the snapshot in the file at ``path`` opened read-only, or None
    unless it opens and its meta table names ``database_id`` and ``data_version``."""
    try:
        database = duckdb.connect(str(path), read_only=True, config={"memory_limit": DUCKDB_MEMORY_LIMIT})
    except duckdb.Error:
        return None
    try:
        held = database.execute(f'SELECT database_id, data_version FROM "{SNAPSHOT_META_TABLE}"').fetchall()
    except duckdb.Error:
        held = []
    if held != [(database_id, data_version)]:
        database.close()
        return None
    opening = threading.Lock()

    def connect() -> ConnectionWrapper:
        # Each SQLAlchemy connection is its own DuckDB connection to the one
        # database; making one is not safe from two threads at once.
        with opening:
            return ConnectionWrapper(database.cursor())

    engine = create_engine("duckdb://", creator=connect, poolclass=NullPool)
    return Snapshot(data_version=data_version, engine=engine, path=path)


def _database_key(source: Engine, database_id: str) -> str:
    url = source.url.render_as_string(hide_password=True)
    return hashlib.sha256(f"{url}\n{database_id}".encode()).hexdigest()[:20]


def _delete_older_files(source: Engine, *, database_id: str, data_version: int) -> None:
    prefix = f"{_database_key(source, database_id)}-v"
    for path in snapshot_dir().glob(f"{prefix}*.duckdb"):
        version = path.name[len(prefix):-len(".duckdb")]
        if version.isdigit() and int(version) < data_version:
            # Another process may still read it: on POSIX its open handle outlives the name.
            path.unlink(missing_ok=True)


class _Mirror:
    """The current snapshot of one database, and at most one build under way."""

    def __init__(self, source: Engine) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._build: threading.Thread | None = None

    def engine_at(self, data_version: int, *, wait: bool) -> Engine | None:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.data_version == data_version:
                return snapshot.engine
            # Versions only grow: a caller behind the snapshot (a data version
            # read a few seconds ago) is answered by the database, not by a rebuild.
            behind = snapshot is not None and snapshot.data_version > data_version
            if behind:
                return None
            if self._build is None:
                self._build = threading.Thread(target=self._rebuild, name="columnar-snapshot", daemon=True)
                self._build.start()
            build = self._build
        if not wait:
            return None
        build.join(BUILD_WAIT_SECONDS)
        with self._lock:
            snapshot = self._snapshot
        return snapshot.engine if snapshot is not None and snapshot.data_version == data_version else None

    def _rebuild(self) -> None:
        try:
            snapshot = open_or_take_snapshot(self._source)
        except Exception:
            # The database answers every query without a snapshot, only slower.
            log.exception("could not copy the data into the columnar snapshot")
            snapshot = None
        with self._lock:
            if snapshot is not None:
                self._snapshot = snapshot
            self._build = None


_mirrors: dict[str, _Mirror] = {}
_mirrors_lock = threading.Lock()


def engine_at(source: Engine, *, data_version: int, wait: bool = False) -> Engine | None:
    """Return a DuckDB engine holding ``source``'s mirrored tables exactly as
    they are at ``data_version``, or None when there is no such snapshot.

    Without a matching snapshot one is opened from its file, or else built,
    in the background (unless that is under way); ``wait=True`` waits for it, up to
    ``BUILD_WAIT_SECONDS``. None, without a build, when ``data_version`` is
    older than the snapshot's (it was read before a write), and for a
    database that cannot be copied (in-memory SQLite); the caller then
    queries ``source`` itself.
    """
    if source.dialect.name == "sqlite" and source.url.database in (None, "", ":memory:"):
        return None
    key = source.url.render_as_string(hide_password=False)
    with _mirrors_lock:
        mirror = _mirrors.pop(key, None) or _Mirror(source)
        # Most recently used last, so the oldest database is dropped first.
        _mirrors[key] = mirror
        while len(_mirrors) > MAX_DATABASES:
            del _mirrors[next(iter(_mirrors))]
    return mirror.engine_at(data_version, wait=wait)


def forget_snapshots() -> None:
    """Drop every open snapshot (and so their memory), e.g. between tests;
    the files stay for the next process."""
    with _mirrors_lock:
        _mirrors.clear()


def _duckdb_type(column: Column) -> str:
    column_type = column.type
    if isinstance(column_type, Boolean):
        return "BOOLEAN"
    if isinstance(column_type, Integer):
        # Every model Integer is 32-bit (PostgreSQL INTEGER); sums are HUGEINT.
        return "INTEGER"
    if isinstance(column_type, Float):
        return "DOUBLE"
    if isinstance(column_type, DateTime):
        return "TIMESTAMP"
    if isinstance(column_type, Date):
        return "DATE"
    return "VARCHAR"


def _create_statement(table: Table) -> str:
    # Names come from the models, never from input.
    columns = ", ".join(f'"{column.name}" {_duckdb_type(column)}' for column in copied_columns(table))
    return f'CREATE TABLE "{table.name}" ({columns})'


def _insert_arrow(database: duckdb.DuckDBPyConnection, table: Table, rows: pa.Table) -> None:
    """Insert ``rows`` (holding every copied column) into the copy of ``table``."""
    database.register("incoming", rows)
    _insert_from(database, table, "incoming")
    database.unregister("incoming")


def _insert_from(database: duckdb.DuckDBPyConnection, table: Table, source: str) -> None:
    """Insert into the copy of ``table`` from ``source`` (a relation with
    every copied column), casting each column to its DuckDB type."""
    casts = ", ".join(
        f'CAST("{column.name}" AS {_duckdb_type(column)})' for column in copied_columns(table)
    )
    database.execute(f'INSERT INTO "{table.name}" SELECT {casts} FROM {source}')


def _select_list(table: Table) -> str:
    return ", ".join(f'"{column.name}"' for column in copied_columns(table))


def _copy_in_parallel(source: Engine, database: duckdb.DuckDBPyConnection) -> int:
    """Copy every table and return the data version the copy holds.

    Attendance, half the work, is copied on a second thread and connection,
    so the copy uses both cores. Each connection reads in one transaction
    and notes the data version; every write of facts raises it, so equal
    versions mean both saw the same commit. Otherwise (a write landed in
    between) everything is copied again on one connection.
    """
    largest = Attendance.__table__
    others = tuple(table for table in TABLES if table is not largest)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="columnar-copy") as pool:
        copies = [pool.submit(_copy_tables, source, database.cursor(), tables)
                  for tables in ((largest,), others)]
        versions = {copy.result() for copy in copies}
    if len(versions) == 1:
        return versions.pop()
    for table in TABLES:
        database.execute(f'DELETE FROM "{table.name}"')
    return _copy_tables(source, database, TABLES)


def _copy_tables(source: Engine, database: duckdb.DuckDBPyConnection, tables: tuple[Table, ...]) -> int:
    """Copy ``tables`` in one read transaction and return the data version it saw."""
    if source.dialect.name == "sqlite":
        return _copy_sqlite_tables(source, database, tables)
    return _copy_postgresql_tables(source, database, tables)


def _copy_sqlite_tables(
    source: Engine, database: duckdb.DuckDBPyConnection, tables: tuple[Table, ...]
) -> int:
    """Copy ``tables`` in one read transaction and return the data version it
    saw, through the engine's own SQLite library (a second SQLite library in
    one process would break SQLite's file locks)."""
    with source.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        # pysqlite begins only before writes; in WAL mode an explicit read
        # transaction sees the same commit for every table.
        cursor.execute("BEGIN")
        try:
            cursor.execute("SELECT value FROM app_meta WHERE key = ?", (DATA_VERSION_KEY,))
            version = _whole_number(cursor.fetchone())
            for table in tables:
                _copy_sqlite_table(cursor, table, database)
        finally:
            cursor.execute("ROLLBACK")
            cursor.close()
    return version


def _is_packable(column: Column) -> bool:
    return isinstance(column.type, (Integer, Boolean, Date)) and not isinstance(column.type, DateTime)


def _copy_sqlite_table(cursor, table: Table, database: duckdb.DuckDBPyConnection) -> None:
    """Copy ``table`` from SQLite into DuckDB.

    Fetching through the DB-API makes a Python object per value, about 3 s
    for the million attendance rows. So for a table keyed by an integer
    ``id``, SQLite itself writes the whole-number, boolean and date columns
    as fixed-width hex (``_packed_sql``), one string per chunk of ids, which
    numpy decodes at once. Only text and real columns are fetched row by
    row, and only the rows where one is set, joined back on ``id``.
    """
    columns = copied_columns(table)
    if [column.name for column in table.primary_key.columns] != ["id"]:
        _insert_arrow(database, table, _fetched(cursor, table, columns, where=""))
        return
    packed = [column for column in columns if _is_packable(column)]
    rest = [column for column in columns if not _is_packable(column)]
    database.register("packed", pa.table(_unpacked(cursor, table, packed)))
    if rest:
        id_column = table.c.id
        where = " OR ".join(f'"{column.name}" IS NOT NULL' for column in rest)
        database.register("fetched", _fetched(cursor, table, [id_column, *rest], where=f"WHERE {where}"))
        _insert_from(database, table, "packed LEFT JOIN fetched USING (id)")
        database.unregister("fetched")
    else:
        _insert_from(database, table, "packed")
    database.unregister("packed")


# numpy's unsigned and signed integers for each hex width.
_INTEGER_TYPES = {2: (np.uint8, np.int8), 4: (np.uint16, np.int16), 8: (np.uint32, np.int32)}


def _hex_width(column: Column) -> tuple[int, str]:
    """Return the hex digits and the numpy field type one value of a
    packable column takes: 2 for a boolean, 4 for a SmallInteger, else 8 (every
    model Integer is 32-bit; a date is its Julian day number)."""
    if isinstance(column.type, Boolean):
        return 2, "u1"
    if isinstance(column.type, SmallInteger):
        return 4, ">u2"
    return 8, ">u4"


def _packed_sql(column: Column) -> tuple[str, list[str], list[tuple[str, str]]]:
    """Return a printf format, its arguments (SQL) and the numpy fields that
    decode it, for one packable column: its value's low bits in fixed-width
    hex, then for a nullable column 2 digits that are 01 for NULL."""
    name = f'"{column.name}"'
    value = f"CAST(julianday({name}) AS INTEGER)" if isinstance(column.type, Date) else name
    digits, field = _hex_width(column)
    mask = (1 << (4 * digits)) - 1
    if not column.nullable:
        return f"%0{digits}x", [f"{value} & {mask}"], [(column.name, field)]
    return (
        f"%0{digits}x%02x",
        [f"coalesce({value}, 0) & {mask}", f"{name} IS NULL"],
        [(column.name, field), (f"{column.name} is null", "u1")],
    )


def _unpacked(cursor, table: Table, columns: list[Column]) -> dict[str, pa.Array]:
    """Return ``columns`` of ``table`` (``id`` among them) as Arrow arrays,
    read as packed hex ``PACK_CHUNK_IDS`` ids at a time."""
    pattern, arguments, fields = "", [], []
    for column in columns:
        column_pattern, column_arguments, column_fields = _packed_sql(column)
        pattern += column_pattern
        arguments += column_arguments
        fields += column_fields
    layout = np.dtype(fields)
    statement = (
        f"SELECT group_concat(printf('{pattern}', {', '.join(arguments)}), '') FROM \"{table.name}\" "
        "WHERE id >= ? AND id < ?"
    )
    low, high = cursor.execute(f'SELECT min(id), max(id) FROM "{table.name}"').fetchone()
    chunks = [np.zeros(0, dtype=layout)]
    if low is not None:
        for start in range(low, high + 1, PACK_CHUNK_IDS):
            packed = cursor.execute(statement, (start, start + PACK_CHUNK_IDS)).fetchone()[0]
            if packed:
                chunks.append(np.frombuffer(bytes.fromhex(packed), dtype=layout))
    rows = np.concatenate(chunks)
    arrays = {}
    for column in columns:
        # The low bits, read back as signed.
        digits, _ = _hex_width(column)
        unsigned, signed = _INTEGER_TYPES[digits]
        values = rows[column.name].astype(unsigned).view(signed)
        if isinstance(column.type, Date):
            values = (values.astype(np.int64) - UNIX_EPOCH_JULIAN_DAY).astype("datetime64[D]")
        mask = rows[f"{column.name} is null"].astype(bool) if column.nullable else None
        arrays[column.name] = pa.array(values, mask=mask)
    return arrays


def _fetched(cursor, table: Table, columns: list[Column], *, where: str) -> pa.Table:
    select_list = ", ".join(f'"{column.name}"' for column in columns)
    rows = cursor.execute(f'SELECT {select_list} FROM "{table.name}" {where}').fetchall()
    values = list(zip(*rows)) if rows else [() for _ in columns]
    return pa.table({column.name: pa.array(list(data)) for column, data in zip(columns, values, strict=True)})


def _copy_postgresql_tables(
    source: Engine, database: duckdb.DuckDBPyConnection, tables: tuple[Table, ...]
) -> int:
    """Copy ``tables`` in one REPEATABLE READ transaction and return the data
    version it saw, with COPY ... TO STDOUT (CSV) parsed by Arrow's C reader."""
    with source.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        version = _whole_number(
            conn.execute(select(AppMeta.value).where(AppMeta.key == DATA_VERSION_KEY)).first()
        )
        cursor = conn.connection.driver_connection.cursor()
        for table in tables:
            buffer = io.BytesIO()
            with cursor.copy(
                f'COPY (SELECT {_select_list(table)} FROM "{table.name}") TO STDOUT WITH (FORMAT csv)'
            ) as copy:
                for block in copy:
                    buffer.write(block)
            _insert_arrow(database, table, _postgresql_arrow(buffer.getvalue(), table))
        conn.rollback()
    return version


def _postgresql_arrow(data: bytes, table: Table) -> pa.Table:
    names = [column.name for column in copied_columns(table)]
    if not data:
        return pa.table({name: pa.array([], pa.string()) for name in names})
    return pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=names),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        # Everything as text: DuckDB casts to the column types. PostgreSQL
        # writes NULL as an unquoted empty field and '' as a quoted one.
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def _whole_number(row) -> int:
    try:
        return int(row[0])
    except (TypeError, ValueError):
        return 0
