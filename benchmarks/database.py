"""The databases the benchmarks run on.

SQLite files live in ``benchmarks/out/`` (git-ignored). On PostgreSQL every
benchmark database is its own schema (``search_path`` in the URL), so the
benchmarks never touch ``public`` or the schemas test runs create; scratch
schemas carry the process id and are dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from data_access import demo
from data_access.db import make_engine, migrate, normalise_url
from data_access.queries import meta
from data_access.queries.meta import demo_rows_present

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
# Benchmarks use a fixed, non-secret key: the synthetic data holds no real emails.
BENCH_KEY = "benchmark-key-not-secret"


def is_postgresql(url: str) -> bool:
    """True when ``url`` names a PostgreSQL server."""
    return make_url(normalise_url(url)).get_backend_name() == "postgresql"


def backend_name(url: str) -> str:
    """Return "SQLite" or "PostgreSQL" for ``url``."""
    return "PostgreSQL" if is_postgresql(url) else "SQLite"


def schema_url(server_url: str, schema: str) -> str:
    """Return ``server_url`` with its ``search_path`` set to ``schema``."""
    base = normalise_url(server_url)
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def _create_schema(server_url: str, schema: str, *, replace: bool) -> None:
    admin = make_engine(normalise_url(server_url))
    with admin.begin() as conn:
        if replace:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()


def _drop_schema(server_url: str, schema: str) -> None:
    admin = make_engine(normalise_url(server_url))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def data_version(url: str) -> int:
    """Return the data version (app_meta) of the database at ``url``."""
    engine = make_engine(url)
    try:
        return meta.data_version(engine)
    finally:
        engine.dispose()


def demo_database(*, scale: str, server_url: str | None, fresh: bool = False, folder: Path = OUT_DIR,
                  tag: str = "") -> str:
    """Return the URL of a migrated database holding the ``scale`` demo data.

    SQLite: ``<folder>/<scale><tag>.db``; PostgreSQL (``server_url``):
    schema ``bench_<scale><tag>``. Seeded once and reused, unless ``fresh``."""
    if server_url is None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{scale}{tag}.db"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        schema = f"bench_{scale}{tag}"
        _create_schema(server_url, schema, replace=fresh)
        url = schema_url(server_url, schema)
    engine = make_engine(url)
    migrate(engine)
    if not demo_rows_present(engine):
        demo.seed_demo(engine, scale=scale)
    engine.dispose()
    return url


@contextmanager
def scratch_database(*, server_url: str | None, folder: Path, name: str) -> Iterator[str]:
    """Yield the URL of an empty, migrated database that is removed afterwards:
    a file in ``folder``, or a schema named after ``name`` and this process."""
    if server_url is None:
        url = f"sqlite:///{folder / f'{name}.db'}"
        migrate_url(url)
        yield url
        return
    schema = f"bench_{name}_{os.getpid()}"
    _create_schema(server_url, schema, replace=True)
    try:
        url = schema_url(server_url, schema)
        migrate_url(url)
        yield url
    finally:
        _drop_schema(server_url, schema)


def migrate_url(url: str) -> None:
    """Create or upgrade the schema at ``url``."""
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
