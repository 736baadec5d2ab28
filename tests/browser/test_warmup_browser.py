"""The warm-up in a real server: after a command-line import in another
process, the Overview's first visitor is served from the warm cache."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from data_access.db import make_engine
from data_access.queries.meta import data_version
from benchmarks.database import ROOT
from tests.browser.conftest import _demo_database, _streamlit_server
from tests.browser.helpers import wait_for_app

pytestmark = pytest.mark.browser

# Seconds a warm-up may take on a busy CI machine at the small demo scale.
WARM_UP_TIMEOUT_SECONDS = 180
# What ui.cache logs (at DEBUG) each time it builds a view or runs a query: only on a cache miss.
CACHE_MISS = re.compile(r"ui\.cache: (prepared view|ran query) \S+ for data version (\d+)")


def wait_for_line(log_path: Path, pattern: str, *, after: int = 0) -> int:
    """Wait until the log holds a line matching ``pattern`` past offset
    ``after``; return the log's length then. Fails after ``WARM_UP_TIMEOUT_SECONDS``."""
    deadline = time.monotonic() + WARM_UP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if re.search(pattern, text[after:]):
            return len(text)
        time.sleep(0.2)
    pytest.fail(f"no log line matching {pattern!r} within {WARM_UP_TIMEOUT_SECONDS} s:\n{text[-3000:]}")


def test_warm_up_after_a_command_line_import_serves_the_first_visitor_from_cache(page, tmp_path):
    """A CLI import in another process is warmed by the server, so the next Overview run misses no cache."""
    database_url = _demo_database(tmp_path)
    engine = make_engine(database_url)
    before = data_version(engine)
    env = {
        "DATABASE_URL": database_url,
        "SOFT_LANDING_PSEUDONYM_KEY": "warm-up-test-key-not-secret",
        "SOFT_LANDING_SECRETS_FILE": str(tmp_path / "no-secrets.toml"),
        "SOFT_LANDING_LOG_LEVEL": "DEBUG",
    }
    log_path = tmp_path / "streamlit.log"
    events = tmp_path / "events.csv"
    events.write_text("event_id,title,event_type,date\nwarm-1,Warm-up check,induction,2026-01-15\n")
    with _streamlit_server(tmp_path, env) as base_url:
        wait_for_line(log_path, rf"warm-up: data version {before} ready")
        imported = subprocess.run(
            [sys.executable, "-m", "data_access", "import", "events", str(events)],
            cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
        )
        assert imported.returncode == 0, imported.stderr
        assert data_version(engine) == before + 1
        warmed_at = wait_for_line(log_path, rf"warm-up: data version {before + 1} ready")
        page.goto(base_url + "/")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page.locator('[data-testid="stMetric"]')).to_have_count(8)
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        visitor_log = log_path.read_text(encoding="utf-8", errors="replace")[warmed_at:]
    engine.dispose()
    misses = [match.group(0) for match in CACHE_MISS.finditer(visitor_log)]
    assert misses == []
