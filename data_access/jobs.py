"""Imports that run in a worker process, outside any app process.

The Data page saves the uploaded bytes to a file, records an ``import_job``
row and starts ``python -m data_access import-job ID``, which calls the same
``importers.import_file`` as ``python -m data_access import`` with its own
database connection. The row carries the status, progress and result, so any
app process sharing the database can follow the job; nothing about it lives
only in a process's memory.

Statuses: queued -> checking -> writing -> done | refused | failed.

Decisions where the issue is silent:

- **One import at a time.** A new job is refused while another is queued,
  checking or writing: SQLite has one writer, and on PostgreSQL two imports
  of the same rows would refuse each other.
- **A dead worker.** A job whose worker stopped without finishing is marked
  failed by whoever looks at it next: on the worker's own machine when its
  process is gone, elsewhere when its heartbeat is older than
  ``STALE_AFTER_SECONDS``. The import is one transaction, so the data is
  unchanged.
- **Audit and remembered columns** are written by the worker once the
  import is done, so they are recorded even if nobody watches the page.
- **Problems are kept only until the next job.** They quote values (emails
  masked as ``a***@example.org``), so starting a job clears the problems and
  notices of every finished one.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, null, select, update
from sqlalchemy.exc import SQLAlchemyError

from data_access import importers, models
from data_access.audit import record_audit_event
from data_access.config import DATA_DIR, PROJECT_ROOT
from data_access.mappings import remember_mapping

# Rows the Data page checks for its preview before starting a job: enough to
# catch a wrong column choice at once, few enough never to hold the page.
# The worker checks every row before it writes anything.
PREVIEW_CHECK_ROWS = 1_000
ACTIVE = ("queued", "checking", "writing")
FINISHED = ("done", "refused", "failed")
# The worker touches its row this often while it runs, in seconds.
HEARTBEAT_SECONDS = 5
# A job on another machine with no heartbeat for this long has lost its worker.
STALE_AFTER_SECONDS = 600
# import_file keywords a job's options may not set: the job supplies them.
_SUPPLIED = frozenset({"engine", "path", "key", "imported_by", "file_name", "progress"})
OPTION_NAMES = frozenset(inspect.signature(importers.import_file).parameters) - _SUPPLIED

_job_table = models.ImportJob.__table__
log = logging.getLogger(__name__)


class JobError(ValueError):
    """A job cannot be started; the message says why."""


@dataclass(frozen=True)
class Job:
    """One background import as its row stands."""

    id: int
    kind: str
    file_name: str
    file_path: str
    options: dict[str, Any]
    source_name: str | None
    status: str
    progress_rows: int
    progress_fraction: float
    progress_text: str
    batch_id: int | None
    rows_read: int | None
    rows_inserted: int | None
    rows_updated: int | None
    rows_unchanged: int | None
    problems: list[str] | None
    notices: list[str] | None
    error: str | None
    who: str | None
    worker_host: str | None
    worker_pid: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """True while the job is queued, checking or writing."""
        return self.status in ACTIVE

    def counts_text(self) -> str:
        """Return "N inserted, N updated, N unchanged" for a done job."""
        return (f"{self.rows_inserted or 0:,} inserted, {self.rows_updated or 0:,} updated, "
                f"{self.rows_unchanged or 0:,} unchanged")


def upload_dir() -> Path:
    """Return the folder where uploaded files wait for their worker:
    ``SOFT_LANDING_IMPORT_DIR``, else ``data/imports``."""
    return Path(os.environ.get("SOFT_LANDING_IMPORT_DIR") or DATA_DIR / "imports")


def _utc_now() -> dt.datetime:
    """Return the current UTC time without a zone, as the tables store it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def get_job(engine: Engine, *, job_id: int) -> Job | None:
    """Return the job ``job_id`` as stored, or None when there is none."""
    with engine.connect() as conn:
        row = conn.execute(select(_job_table).where(_job_table.c.id == job_id)).mappings().one_or_none()
    return None if row is None else Job(**row)


def refresh_job(engine: Engine, *, job_id: int) -> Job | None:
    """Return the job ``job_id``, first marking it failed if its worker has
    stopped without finishing it; None when there is no such job."""
    job = get_job(engine, job_id=job_id)
    if job is None or not job.active or not _worker_gone(job):
        return job
    with engine.begin() as conn:
        marked = conn.execute(update(_job_table).where(
            _job_table.c.id == job_id, _job_table.c.status.in_(ACTIVE)).values(
            status="failed", finished_at=_utc_now(),
            error="the import stopped before it finished (its worker process ended)")).rowcount
    if marked and job.worker_host == socket.gethostname():
        Path(job.file_path).unlink(missing_ok=True)
    return get_job(engine, job_id=job_id)


def active_job(engine: Engine) -> Job | None:
    """Return the oldest job still queued, checking or writing (after
    marking failed those whose worker has stopped), or None."""
    with engine.connect() as conn:
        ids = conn.execute(select(_job_table.c.id).where(_job_table.c.status.in_(ACTIVE))
                           .order_by(_job_table.c.id)).scalars().all()
    for job_id in ids:
        job = refresh_job(engine, job_id=job_id)
        if job is not None and job.active:
            return job
    return None


def start_import(engine: Engine, *, data: bytes, file_name: str, options: dict[str, Any], who: str | None,
                 source_name: str | None = None) -> int:
    """Save ``data``, record a queued job for it and start its worker
    process; return the job id. ``options`` are ``importers.import_file``
    keyword arguments (``kind`` required). Raises ``JobError`` when the
    options are not allowed or another import is running."""
    job_id = create_job(engine, data=data, file_name=file_name, options=options, who=who,
                        source_name=source_name)
    start_worker(engine, job_id=job_id)
    return job_id


def create_job(engine: Engine, *, data: bytes, file_name: str, options: dict[str, Any], who: str | None,
               source_name: str | None = None) -> int:
    """Save ``data`` under ``upload_dir()`` and record a queued job for it;
    return the job id (see ``start_import``)."""
    unknown = sorted(set(options) - OPTION_NAMES)
    if unknown:
        raise JobError(f"unknown import option{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    if options.get("kind") not in importers.KINDS:
        raise JobError(f"unknown kind '{options.get('kind')}' (use one of: {', '.join(importers.KINDS)})")
    try:
        json.dumps(options)
    except TypeError as exc:
        raise JobError(f"the import options are not plain values: {exc}") from None
    running = active_job(engine)
    if running is not None:
        raise JobError(f"another import ({running.file_name}, started by {running.who or 'someone'}) is "
                       f"still running; try again when it has finished")
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}{Path(file_name).suffix.lower()[:8]}"
    # Only the app's own user may read a waiting upload: it holds emails.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    try:
        with engine.begin() as conn:
            conn.execute(update(_job_table).where(
                _job_table.c.status.in_(FINISHED), _job_table.c.problems.is_not(None)
            ).values(problems=null(), notices=null()))
            return conn.execute(insert(_job_table).values(
                kind=options["kind"], file_name=file_name[:255], file_path=str(path), options=options,
                source_name=source_name, status="queued", progress_rows=0, progress_fraction=0.0,
                progress_text="Waiting for the import to start…", who=who, created_at=_utc_now(),
            )).inserted_primary_key[0]
    except SQLAlchemyError:
        path.unlink(missing_ok=True)
        raise


def start_worker(engine: Engine, *, job_id: int) -> int:
    """Start ``python -m data_access import-job JOB_ID`` in its own session
    (it outlives the page's script run) and record its machine and process
    id on the job; return the process id. The worker reads the same
    environment and secrets as this process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "data_access", "import-job", str(job_id)], cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    # Reaped here, so that a finished worker is not left as a zombie that still looks alive.
    threading.Thread(target=process.wait, name=f"import-job-{job_id}-reaper", daemon=True).start()
    with engine.begin() as conn:
        conn.execute(update(_job_table).where(_job_table.c.id == job_id).values(
            worker_host=socket.gethostname(), worker_pid=process.pid))
    return process.pid


def run_job(engine: Engine, *, job_id: int, key: bytes) -> Job | None:
    """Run the queued job ``job_id`` in this process (the worker's body) and
    return it finished; None when there is no queued job ``job_id``.

    Done: the import is recorded with an audit event and the column choices
    are remembered under the job's source name. Refused: the problems are
    kept on the job. Any other error marks the job failed; the import's one
    transaction leaves the data unchanged. The uploaded file is deleted.
    """
    now = _utc_now()
    with engine.begin() as conn:
        claimed = conn.execute(update(_job_table).where(
            _job_table.c.id == job_id, _job_table.c.status == "queued").values(
            status="checking", started_at=now, heartbeat_at=now, worker_host=socket.gethostname(),
            worker_pid=os.getpid(), progress_text="Reading the file…")).rowcount
    if not claimed:
        return None
    job = get_job(engine, job_id=job_id)
    heartbeat = _Heartbeat(engine, job_id)
    heartbeat.start()
    try:
        result = importers.import_file(
            engine, path=job.file_path, key=key, imported_by=job.who, file_name=job.file_name,
            progress=lambda step, fraction, rows: _record_progress(engine, job_id, step, fraction, rows),
            **job.options,
        )
        _finish(engine, job, result)
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        with engine.begin() as conn:
            conn.execute(update(_job_table).where(
                _job_table.c.id == job_id, _job_table.c.status.in_(ACTIVE)).values(
                status="failed", finished_at=_utc_now(),
                error=f"the import stopped with an error ({exc.__class__.__name__}); nothing was changed"))
    finally:
        heartbeat.stop()
        Path(job.file_path).unlink(missing_ok=True)
    return get_job(engine, job_id=job_id)


def _finish(engine: Engine, job: Job, result: importers.ImportResult) -> None:
    """Record the result of ``job``'s import; for a done import, also the
    audit event and the remembered column choices."""
    done = result.batch_id is not None
    with engine.begin() as conn:
        conn.execute(update(_job_table).where(_job_table.c.id == job.id).values(
            status="done" if done else "refused", finished_at=_utc_now(),
            progress_fraction=1.0, progress_rows=result.rows_read,
            progress_text="Done" if done else "Refused", batch_id=result.batch_id, rows_read=result.rows_read,
            rows_inserted=result.inserted, rows_updated=result.updated, rows_unchanged=result.unchanged,
            problems=result.problems, notices=result.notices))
    if not done:
        return
    counts = (f"{result.inserted:,} inserted, {result.updated:,} updated, {result.unchanged:,} unchanged")
    record_audit_event(engine, action="import", user=job.who,
                       detail=f"{job.kind} from {job.file_name} (import {result.batch_id}): {counts}")
    if job.source_name and job.options.get("column_map"):
        try:
            remember_mapping(engine, source_name=job.source_name, kind=job.kind,
                             mapping=job.options["column_map"])
        except ValueError as exc:
            # The data is imported; only the convenience of remembered columns is lost.
            log.warning("import job %s: column choices not remembered: %s", job.id, exc)


def _record_progress(engine: Engine, job_id: int, step: str, fraction: float, rows: int) -> None:
    """Store the step the import has reached, with a line for people."""
    text = {"checking": f"Checking {rows:,} rows…" if rows else "Reading the file…",
            "writing": f"Writing {rows:,} rows in one transaction…"}[step]
    with engine.begin() as conn:
        conn.execute(update(_job_table).where(_job_table.c.id == job_id).values(
            status=step, progress_fraction=fraction, progress_rows=rows, progress_text=text,
            heartbeat_at=_utc_now()))


class _Heartbeat(threading.Thread):
    """Touches the job's ``heartbeat_at`` every ``HEARTBEAT_SECONDS`` until stopped."""

    def __init__(self, engine: Engine, job_id: int) -> None:
        super().__init__(name=f"import-job-{job_id}-heartbeat", daemon=True)
        self._engine = engine
        self._job_id = job_id
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                with self._engine.begin() as conn:
                    conn.execute(update(_job_table).where(_job_table.c.id == self._job_id)
                                 .values(heartbeat_at=_utc_now()))
            except SQLAlchemyError as exc:
                # SQLite: the import's own transaction holds the one write lock; try again later.
                log.debug("import job %s heartbeat skipped: %s", self._job_id, exc.__class__.__name__)

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def _worker_gone(job: Job) -> bool:
    """True when the active ``job`` has lost its worker: on this machine, its
    process has ended; elsewhere (or never started), no sign of life for
    ``STALE_AFTER_SECONDS``."""
    if job.worker_host == socket.gethostname() and job.worker_pid is not None:
        return not _process_running(job.worker_pid)
    last_sign = job.heartbeat_at or job.created_at
    return (_utc_now() - last_sign).total_seconds() > STALE_AFTER_SECONDS


def _process_running(pid: int) -> bool:
    """True when process ``pid`` exists and has not exited (a zombie has)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")
