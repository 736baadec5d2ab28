"""Imports run by a worker process from a job row (``data_access.jobs``):
done, refused, a worker that dies, and one import at a time."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from benchmarks.data import write_import_files
from data_access import cli, importers, jobs, models
from data_access.mappings import remembered_mapping
from tests.test_faults import sqlite_write_in_progress
from tests.test_import import EVENTS_CSV, state

ATTENDANCE = "Event,E-mail,Came\nEV1,amina@example.org,yes\nEV2,rohan@example.org,no\n"
COLUMN_MAP = {"Event": "event_id", "E-mail": "email", "Came": "attended"}
# How long a test waits for a worker process before giving up.
WORKER_WAIT_SECONDS = 180


@pytest.fixture
def upload_dir(tmp_path, monkeypatch):
    """Keep the jobs' waiting uploads in a temp folder."""
    folder = tmp_path / "uploads"
    monkeypatch.setenv("SOFT_LANDING_IMPORT_DIR", str(folder))
    return folder


@pytest.fixture
def with_events(engine, key, tmp_path):
    """Import the events EV1 and EV2."""
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    assert importers.import_file(engine, kind="events", path=path, key=key).batch_id is not None
    return engine


def attendance_job(engine, **extra) -> int:
    """Record a queued job for the two-row attendance export with headers to map."""
    return jobs.create_job(engine, data=ATTENDANCE.encode(), file_name="zoom.csv",
                           options={"kind": "attendance", "column_map": COLUMN_MAP}, who="alice", **extra)


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_worker_imports_the_file_and_records_it(with_events, key, upload_dir):
    """A done job holds the batch and counts, audits the import, remembers the columns, deletes the upload."""
    job_id = attendance_job(with_events, source_name="Zoom webinar report")
    job = jobs.run_job(with_events, job_id=job_id, key=key)
    assert (job.status, job.rows_read, job.rows_inserted, job.progress_fraction) == ("done", 2, 2, 1.0)
    with with_events.connect() as conn:
        batch = conn.execute(select(models.ImportBatch.file_name, models.ImportBatch.imported_by)
                             .where(models.ImportBatch.id == job.batch_id)).one()
        audit = conn.execute(select(models.AuditEvent.user, models.AuditEvent.detail)
                             .where(models.AuditEvent.action == "import")).one()
    assert tuple(batch) == ("zoom.csv", "alice")
    assert audit == ("alice",
                     f"attendance from zoom.csv (import {job.batch_id}): 2 inserted, 0 updated, 0 unchanged")
    assert count(with_events, models.Attendance.__table__) == 2
    assert remembered_mapping(with_events, source_name="Zoom webinar report", kind="attendance") == COLUMN_MAP
    assert list(upload_dir.iterdir()) == []


def test_refused_job_keeps_the_problems_and_changes_nothing(engine, key, upload_dir, tmp_path):
    """Without the events, the job is refused with the importer's own problems and the data is unchanged."""
    file = tmp_path / "zoom.csv"
    file.write_text(ATTENDANCE)
    expected = importers.import_file(engine, kind="attendance", path=file, key=key,
                                     column_map=COLUMN_MAP).problems
    job_id = attendance_job(engine)
    before = {name: rows for name, rows in state(engine).items() if name != "import_job"}
    job = jobs.run_job(engine, job_id=job_id, key=key)
    assert job.status == "refused"
    assert job.problems == expected and expected
    assert {name: rows for name, rows in state(engine).items() if name != "import_job"} == before
    assert list(upload_dir.iterdir()) == []


def test_upload_waits_readable_by_its_owner_only(engine, upload_dir):
    """The saved upload holds emails, so only the app's user may read it."""
    job = jobs.get_job(engine, job_id=attendance_job(engine))
    assert os.stat(job.file_path).st_mode & 0o777 == 0o600


def test_job_runs_once(with_events, key, upload_dir):
    """A second worker for the same job finds nothing queued and imports nothing."""
    job_id = attendance_job(with_events)
    jobs.run_job(with_events, job_id=job_id, key=key)
    assert jobs.run_job(with_events, job_id=job_id, key=key) is None
    assert count(with_events, models.ImportBatch.__table__) == 2


def test_unknown_option_is_refused(engine, upload_dir):
    """Options must be import_file keywords, so a job cannot smuggle in other arguments."""
    with pytest.raises(jobs.JobError, match="unknown import option: path"):
        jobs.create_job(engine, data=b"x", file_name="a.csv",
                        options={"kind": "events", "path": "/etc/passwd"}, who=None)
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


def test_second_import_waits_for_the_running_one(engine, upload_dir):
    """While one job is active on a live worker, starting another is refused with a one-line reason."""
    job_id = attendance_job(engine)
    mark_worker(engine, job_id, host=socket.gethostname(), pid=os.getpid())
    with pytest.raises(jobs.JobError, match=r"another import \(zoom.csv, started by alice\) is still running"):
        attendance_job(engine)


def test_job_of_a_finished_process_is_failed(engine, upload_dir):
    """A job whose worker process on this machine has ended is marked failed and its upload deleted."""
    job_id = attendance_job(engine)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    mark_worker(engine, job_id, host=socket.gethostname(), pid=int(ended.stdout))
    job = jobs.refresh_job(engine, job_id=job_id)
    assert job.status == "failed" and "stopped before it finished" in job.error
    assert list(upload_dir.iterdir()) == []
    assert jobs.active_job(engine) is None


def test_silent_worker_on_another_machine_is_failed(engine, upload_dir):
    """A job on another machine whose heartbeat is older than the limit is failed."""
    job_id = attendance_job(engine)
    mark_worker(engine, job_id, host="another-host", pid=1,
                heartbeat=jobs._utc_now() - dt.timedelta(seconds=jobs.STALE_AFTER_SECONDS + 1))
    assert jobs.refresh_job(engine, job_id=job_id).status == "failed"


def test_recent_heartbeat_on_another_machine_keeps_the_job(engine, upload_dir):
    """A job on another machine with a recent heartbeat is left running."""
    job_id = attendance_job(engine)
    mark_worker(engine, job_id, host="another-host", pid=1, heartbeat=jobs._utc_now())
    assert jobs.refresh_job(engine, job_id=job_id).status == "queued"


def test_worker_killed_while_writing_changes_nothing(engine, key, upload_dir, tmp_path, monkeypatch):
    """A worker process killed inside its write transaction leaves the data unchanged and the job failed."""
    events_path, attendance_path = write_import_files(tmp_path, events=200, rows=200_000)
    assert importers.import_file(engine, kind="events", path=events_path, key=key).batch_id is not None
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SOFT_LANDING_PSEUDONYM_KEY", key.decode())
    before = state(engine)
    job_id = jobs.create_job(engine, data=attendance_path.read_bytes(), file_name="national.csv",
                             options={"kind": "attendance"}, who="alice")
    pid = jobs.start_worker(engine, job_id=job_id)
    wait_until(lambda: jobs.get_job(engine, job_id=job_id).status == "writing"
               and writer_inside_transaction(engine))
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not jobs._process_running(pid))
    job = jobs.refresh_job(engine, job_id=job_id)
    assert job.status == "failed"
    assert {name: rows for name, rows in state(engine).items() if name != "import_job"} == \
        {name: rows for name, rows in before.items() if name != "import_job"}


def mark_worker(engine, job_id, *, host, pid, heartbeat=None) -> None:
    """Record ``host`` and ``pid`` as the job's worker, with an optional heartbeat time."""
    with engine.begin() as conn:
        conn.execute(update(models.ImportJob.__table__).where(models.ImportJob.id == job_id)
                     .values(worker_host=host, worker_pid=pid, heartbeat_at=heartbeat))


def writer_inside_transaction(engine) -> bool:
    """True while another connection holds an open write transaction on the
    database: SQLite's write lock, or PostgreSQL's lock of a row insert into import_batch."""
    if engine.dialect.name == "sqlite":
        return sqlite_write_in_progress(Path(engine.url.database))
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE relation = 'import_batch'::regclass "
            "AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()")).scalar_one() > 0


def wait_until(condition) -> None:
    """Poll ``condition`` until it holds; fail the test after ``WORKER_WAIT_SECONDS``."""
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {WORKER_WAIT_SECONDS} s")
        time.sleep(0.05)


def test_import_reports_each_step(with_events, key, tmp_path):
    """import_file calls its progress callback as reading, checking and writing start, with the rows read."""
    file = tmp_path / "zoom.csv"
    file.write_text(ATTENDANCE)
    steps = []
    importers.import_file(with_events, kind="attendance", path=file, key=key, column_map=COLUMN_MAP,
                          progress=lambda step, fraction, rows: steps.append((step, fraction, rows)))
    assert steps == [("checking", importers.READ_START, 0), ("checking", importers.CHECK_START, 2),
                     ("writing", importers.WRITE_START, 2)]


def test_command_line_runs_a_queued_job(with_events, key, upload_dir, monkeypatch, capsys):
    """import-job ID imports the queued file and says so; run again, it finds nothing queued."""
    monkeypatch.setenv("DATABASE_URL", with_events.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SOFT_LANDING_PSEUDONYM_KEY", key.decode())
    job_id = attendance_job(with_events)
    assert cli.main(["import-job", str(job_id)]) == 0
    assert "imported attendance from zoom.csv" in capsys.readouterr().out
    assert cli.main(["import-job", str(job_id)]) == 1
    assert f"there is no queued import job {job_id}" in capsys.readouterr().err


def test_next_job_clears_earlier_problems(engine, key, upload_dir):
    """Problems quote (masked) values, so a new job clears those of finished jobs."""
    refused = attendance_job(engine)
    assert jobs.run_job(engine, job_id=refused, key=key).problems
    attendance_job(engine)
    assert jobs.get_job(engine, job_id=refused).problems is None
