"""Fixtures for AppTest runs of the pages: a small synthetic SQLite database
whose dates sit inside the default "last 12 months" filter."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine, migrate
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS, seed_overview_rows
from tests.factories import FactRows


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """Return an Engine on a seeded SQLite file that the app under test reads."""
    url = f"sqlite:///{tmp_path / 'apptest.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_overview_rows(FactRows(engine), today=dt.date.today())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SOFT_LANDING_PSEUDONYM_KEY", "apptest-key-not-secret")
    # No accounts, whatever the developer's own secrets hold: local mode, no login.
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    yield engine
    engine.dispose()


@pytest.fixture
def overview(app_db) -> AppTest:
    """Return an AppTest of the Overview page, not yet run."""
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
