"""Fixtures for AppTest runs of the pages: a small synthetic SQLite database
whose dates sit inside the default "last 12 months" filter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine, migrate
from tests.apptest.sample_data import seed_overview_rows
from tests.factories import FactRows

ROOT = Path(__file__).resolve().parents[2]
# Generous: the first run in a process imports pandas, SQLAlchemy and plotly.
RUN_TIMEOUT_SECONDS = 60


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """Return an Engine on a seeded SQLite file that the app under test reads."""
    url = f"sqlite:///{tmp_path / 'apptest.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_overview_rows(FactRows(engine), today=dt.date.today())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SOFT_LANDING_PSEUDONYM_KEY", "apptest-key-not-secret")
    yield engine
    engine.dispose()


@pytest.fixture
def overview(app_db) -> AppTest:
    """Return an AppTest of the Overview page, not yet run."""
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
