"""Shared fixtures.

``engine`` gives a freshly migrated database: SQLite always, and PostgreSQL
too when ``TEST_DATABASE_URL`` is set (CI sets it). Each PostgreSQL test gets
its own schema, so xdist workers never share tables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from data_access.db import make_engine, migrate, normalise_url

TEST_KEY = b"test-pseudonym-key-not-secret"

requires_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="TEST_DATABASE_URL is not set; PostgreSQL tests run in CI",
)


def _backends():
    yield pytest.param("sqlite", id="sqlite")
    yield pytest.param(
        "postgresql",
        id="postgresql",
        marks=requires_postgres,
    )


@pytest.fixture(params=list(_backends()))
def engine_url(request, tmp_path):
    """Return the URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with postgres_schema(request.node.name) as url:
        yield url


@contextmanager
def postgres_schema(name: str) -> Iterator[str]:
    """Create an empty schema for ``name`` on the ``TEST_DATABASE_URL``
    server, yield a URL whose search path is that schema, then drop it."""
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # The process id keeps two test runs on one server from dropping each other's schemas.
    schema = "t_" + re.sub(r"\W", "_", f"{os.getpid()}_{worker}_{name}")[:55].lower()
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(engine_url):
    """Return an Engine on a freshly migrated, seeded database."""
    eng = make_engine(engine_url)
    migrate(eng)
    yield eng
    eng.dispose()


@contextmanager
def temp_folder_setting(tmp_path_factory, *, name: str, variable: str) -> Iterator[Path]:
    """Yield a new temp folder named after ``name``, set as environment
    ``variable`` (app servers the tests start inherit it) until the end."""
    folder = tmp_path_factory.mktemp(name)
    previous = os.environ.get(variable)
    os.environ[variable] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            del os.environ[variable]
        else:
            os.environ[variable] = previous


@pytest.fixture(scope="session", autouse=True)
def snapshot_dir(tmp_path_factory):
    """Keep columnar snapshot files of test databases out of the project's data/ folder."""
    with temp_folder_setting(tmp_path_factory, name="snapshots",
                             variable="SOFT_LANDING_SNAPSHOT_DIR") as folder:
        yield folder


@pytest.fixture(scope="session", autouse=True)
def import_upload_dir(tmp_path_factory):
    """Keep uploads waiting for an import worker out of the project's data/ folder."""
    with temp_folder_setting(tmp_path_factory, name="import_uploads",
                             variable="SOFT_LANDING_IMPORT_DIR") as folder:
        yield folder


@pytest.fixture
def key():
    """Return the pseudonym key used by tests (never a real secret)."""
    return TEST_KEY
