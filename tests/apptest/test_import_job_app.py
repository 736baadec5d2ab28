"""The Data page with an import job of its session (AppTest, local mode so
the session is an admin): a done job is announced once, a job whose worker
died shows why in one line, and a refused one lists its problems."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from data_access import importers, jobs, models
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS

KEY = b"apptest-key-not-secret"
EVENTS_CSV = "event_id,title,event_type,date\nAJ-1,Portfolio clinic,arcp_portfolio,2026-01-15\n"
ATTENDANCE_CSV = "event_id,email,attended\nAJ-1,amina@example.org,yes\nAJ-1,rohan@example.org,no\n"
JOB_KEY = "data_import_job"


@pytest.fixture
def upload_dir(tmp_path, monkeypatch):
    """Keep the jobs' waiting uploads in a temp folder."""
    monkeypatch.setenv("SOFT_LANDING_IMPORT_DIR", str(tmp_path / "uploads"))


def attendance_job(engine) -> int:
    """Record a queued job for a two-row attendance file of event AJ-1."""
    return jobs.create_job(engine, data=ATTENDANCE_CSV.encode(), file_name="clinic.csv",
                           options={"kind": "attendance"}, who="local user")


def data_page_with_job(job_id: int) -> AppTest:
    """Return the Data page run once with ``job_id`` as its session's import job."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    at.switch_page("pages/9_Data.py")
    at.session_state[JOB_KEY] = job_id
    return at.run()


def test_done_job_is_announced_once(app_db, upload_dir, tmp_path):
    """A job the worker finished shows the import's counts once, then is forgotten."""
    events = tmp_path / "events.csv"
    events.write_text(EVENTS_CSV)
    assert importers.import_file(app_db, kind="events", path=events, key=KEY).batch_id is not None
    job = jobs.run_job(app_db, job_id=attendance_job(app_db), key=KEY)
    at = data_page_with_job(job.id)
    assert not at.exception
    assert [item.value for item in at.success] == [
        f"Imported clinic.csv as import {job.batch_id}: 2 rows read, 2 inserted, 0 updated, 0 unchanged."]
    at = at.run()
    assert not at.success and JOB_KEY not in at.session_state


def test_job_of_a_dead_worker_shows_why(app_db, upload_dir):
    """A job whose worker process has ended is shown as not imported, with the reason, and no traceback."""
    job_id = attendance_job(app_db)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    with app_db.begin() as conn:
        conn.execute(update(models.ImportJob.__table__).where(models.ImportJob.id == job_id)
                     .values(worker_host=socket.gethostname(), worker_pid=int(ended.stdout)))
    at = data_page_with_job(job_id)
    assert not at.exception
    assert any("clinic.csv was not imported:** the import stopped before it finished" in item.value
               for item in at.error)


def test_refused_job_lists_its_problems(app_db, upload_dir):
    """A job refused for an unknown event lists the importer's problems and offers them as CSV."""
    job = jobs.run_job(app_db, job_id=attendance_job(app_db), key=KEY)
    at = data_page_with_job(job.id)
    assert not at.exception
    assert job.problems and list(at.table[0].value["problem"]) == job.problems
    assert "amina@example.org" not in " ".join(job.problems)
    assert os.listdir(os.environ["SOFT_LANDING_IMPORT_DIR"]) == []
