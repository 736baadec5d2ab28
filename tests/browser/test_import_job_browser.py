"""Imports from the Data page run in a worker process: while a 1,000,000-row
attendance import runs, another session's Overview still loads; a refused
worker import shows its problems and changes nothing. On loopback, with the
module's own server and temp database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from benchmarks.browser import dashboard_server
from benchmarks.data import write_import_files
from data_access import demo, importers, jobs, models
from data_access.db import make_engine, migrate
from tests.browser.access_helpers import upload
from tests.browser.conftest import VIEWPORT
from tests.browser.helpers import save_screenshot, wait_for_app
from tests.browser.test_data_page_browser import choose_kind

pytestmark = pytest.mark.browser

KEY = "browser-import-job-key-not-secret"
NATIONAL_ROWS = 1_000_000
NATIONAL_EVENTS = 5_000
ATTENDANCE_LABEL = "Attendance (registrations and attendees)"
# Reading a national file for the preview, and the worker's whole import, on a busy 2-core machine.
PREVIEW_TIMEOUT_MS = 600_000
IMPORT_TIMEOUT_MS = 900_000
WORKER_START_TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class ImportServer:
    """A running dashboard in local mode, the database it reads and the national attendance file."""

    base_url: str
    database_url: str
    attendance_path: Path


@pytest.fixture(scope="module")
def import_server(tmp_path_factory) -> Iterator[ImportServer]:
    """Start a dashboard on its own database holding the small demo data and
    the national benchmark's events, with the matching attendance file written."""
    workdir = tmp_path_factory.mktemp("import_job_server")
    events_path, attendance_path = write_import_files(workdir, events=NATIONAL_EVENTS, rows=NATIONAL_ROWS)
    database_url = f"sqlite:///{workdir / 'import.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    demo.seed_demo(engine, scale="small")
    events = importers.import_file(engine, kind="events", path=events_path, key=KEY.encode())
    assert events.batch_id is not None
    engine.dispose()
    env = {"DATABASE_URL": database_url, "SOFT_LANDING_PSEUDONYM_KEY": KEY,
           "SOFT_LANDING_SECRETS_FILE": str(workdir / "no-secrets.toml")}
    with dashboard_server(env, log_path=workdir / "streamlit.log") as server:
        yield ImportServer(server.base_url, database_url, attendance_path)


def row_count(database_url: str, table) -> int:
    """Return the number of rows in ``table`` of the database at ``database_url``."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return count


def newest_job(database_url: str) -> jobs.Job:
    """Return the newest import job in the database at ``database_url``."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        job_id = conn.execute(select(func.max(models.ImportJob.id))).scalar_one()
    job = jobs.get_job(engine, job_id=job_id)
    engine.dispose()
    return job


def open_attendance_upload(page, base_url: str, path: Path) -> None:
    """Open the Data page, choose attendance and upload the file at ``path``."""
    page.goto(base_url + "/Data")
    wait_for_app(page)
    choose_kind(page, ATTENDANCE_LABEL)
    upload(page, path)


def test_overview_loads_while_a_national_import_runs(import_server, page, browser):
    """While the Data page's worker imports 1,000,000 rows, a second session's Overview loads in full."""
    attendance_before = row_count(import_server.database_url, models.Attendance.__table__)
    open_attendance_upload(page, import_server.base_url, import_server.attendance_path)
    import_button = page.get_by_role("button", name="Import the whole file")
    expect(import_button).to_be_visible(timeout=PREVIEW_TIMEOUT_MS)
    import_button.click()
    expect(page.get_by_text("Importing attendance.csv", exact=False)).to_be_visible(
        timeout=WORKER_START_TIMEOUT_MS)

    other = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    try:
        overview = other.new_page()
        overview.goto(import_server.base_url + "/")
        wait_for_app(overview)
        expect(overview.get_by_role("heading", name="Overview")).to_be_visible()
        assert newest_job(import_server.database_url).active
        save_screenshot(overview, "overview-during-import")
    finally:
        other.close()

    expect(page.get_by_text("Imported attendance.csv as import", exact=False)).to_be_visible(
        timeout=IMPORT_TIMEOUT_MS)
    counts = f"{NATIONAL_ROWS:,} rows read, {NATIONAL_ROWS:,} inserted"
    expect(page.get_by_text(counts, exact=False)).to_be_visible()
    attendance_after = row_count(import_server.database_url, models.Attendance.__table__)
    assert attendance_after == attendance_before + NATIONAL_ROWS
    assert newest_job(import_server.database_url).status == "done"


def test_refused_worker_import_shows_problems_and_changes_nothing(import_server, page, tmp_path):
    """A bad row past the page's preview check: the worker refuses, the page lists why, nothing changes."""
    checked = jobs.PREVIEW_CHECK_ROWS
    attendance = tmp_path / "late_problem_attendance.csv"
    attendance.write_text("event_id,email,attended\n"
                          + "".join(f"B00001,person{i}@example.org,yes\n" for i in range(checked))
                          + "NO-SUCH-EVENT,amina@example.org,yes\n")
    engine = make_engine(import_server.database_url)
    expected = importers.import_file(engine, kind="attendance", path=attendance, key=KEY.encode()).problems
    engine.dispose()
    batches_before = row_count(import_server.database_url, models.ImportBatch.__table__)
    attendance_before = row_count(import_server.database_url, models.Attendance.__table__)

    open_attendance_upload(page, import_server.base_url, attendance)
    import_button = page.get_by_role("button", name="Import the whole file")
    expect(import_button).to_be_visible()
    import_button.click()

    found = f"{len(expected)} problem{'s' if len(expected) != 1 else ''} found, so nothing was imported."
    expect(page.get_by_text(found, exact=False)).to_be_visible(timeout=WORKER_START_TIMEOUT_MS)
    for problem in expected:
        expect(page.get_by_role("cell", name=problem)).to_be_visible()
    assert "amina@example.org" not in page.locator('[data-testid="stApp"]').inner_text()
    save_screenshot(page, "data-page-worker-refused")
    assert newest_job(import_server.database_url).status == "refused"
    assert row_count(import_server.database_url, models.ImportBatch.__table__) == batches_before
    assert row_count(import_server.database_url, models.Attendance.__table__) == attendance_before
