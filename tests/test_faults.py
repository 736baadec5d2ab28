"""Faults the dashboard must survive: the database unavailable, read-only or
corrupted, two imports at once, an import killed midway, and files too big or
too bad to import. Each gives a clear message (never a traceback), loses or
duplicates no row, and overwrites nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import func, select, text
from streamlit.testing.v1 import AppTest

from data_access import importers
from data_access.db import make_engine, migrate, normalise_url
from data_access.models import Attendance, ImportBatch, Participant
from tests.apptest.support import RUN_TIMEOUT_SECONDS, seed_overview_rows
from tests.factories import FactRows

ROOT = Path(__file__).resolve().parent.parent
KEY = "faults-test-key-not-secret"
SUBPROCESS_TIMEOUT_SECONDS = 300
DB_MESSAGE = "cannot read its database"
# A generous memory bound for the importer's whole process, in bytes.
MAX_IMPORT_RSS_BYTES = int(1.5 * 1024**3)
EVENTS = "event_id,title,event_type,date\nF-1,Fault induction,induction,2025-09-01\nF-2,Fault exam,exam_prep,2025-10-01\n"


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SOFT_LANDING_PSEUDONYM_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "data_access", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=SUBPROCESS_TIMEOUT_SECONDS, check=False)


def start_cli(url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SOFT_LANDING_PSEUDONYM_KEY": KEY}
    return subprocess.Popen([sys.executable, "-m", "data_access", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def attendance_csv(path: Path, *, event: str, people: range) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("event_id,email,attended,region,stage\n")
        for n in people:
            out.write(f"{event},person{n}@example.org,{'yes' if n % 4 else 'no'},{('LDN', 'WM')[n % 2]},st{1 + n % 3}\n")
    return path


def counts(engine) -> tuple[int, int, int]:
    """Return (attendance rows, participants, attendance import batches)."""
    with engine.connect() as conn:
        return (conn.scalar(select(func.count()).select_from(Attendance)),
                conn.scalar(select(func.count()).select_from(Participant)),
                conn.scalar(select(func.count()).select_from(ImportBatch).where(ImportBatch.kind == "attendance")))


@pytest.fixture
def with_events(engine, tmp_path):
    """Return an Engine on a migrated database holding events F-1 and F-2."""
    path = tmp_path / "events.csv"
    path.write_text(EVENTS, encoding="utf-8")
    result = importers.import_file(engine, kind="events", path=path, key=KEY.encode())
    assert not result.problems
    return engine


def assert_clean_refusal(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode == 1
    assert re.search(message, result.stderr), result.stderr
    assert "Traceback" not in result.stderr


# --- database unavailable: the command line ---------------------------------------


def test_cli_reports_unreachable_postgresql():
    """A PostgreSQL URL on a closed port gives one clear error line, exit 1, no traceback."""
    result = cli(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test", "kpis")
    assert_clean_refusal(result, r"error: the database could not be used: OperationalError: .*refused")


def test_cli_reports_missing_sqlite_file(tmp_path):
    """A missing SQLite file is an error, not a new empty database."""
    path = tmp_path / "moved" / "soft_landing.db"
    result = cli(f"sqlite:///{path}", "kpis")
    assert_clean_refusal(result, f"there is no database file at {re.escape(str(path))}")
    assert not path.parent.exists()


@pytest.fixture
def read_only_db(tmp_path):
    """Return the path of a seeded SQLite file that no one, root included, may write."""
    path = tmp_path / "read_only.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    seed_overview_rows(FactRows(engine), today=dt.date.today())
    engine.dispose()
    immutable = os.geteuid() == 0
    if immutable:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode != 0:
            pytest.skip("root cannot make a read-only file here (chattr +i is not supported)")
    else:
        path.chmod(0o444)
    yield path
    if immutable:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_cli_import_into_read_only_sqlite_file(read_only_db, tmp_path):
    """Reading a read-only file works; an import into it is refused clearly and changes no byte."""
    before = sha256_of(read_only_db)
    url = f"sqlite:///{read_only_db}"
    assert cli(url, "kpis").returncode == 0
    events = tmp_path / "events.csv"
    events.write_text(EVENTS, encoding="utf-8")
    assert_clean_refusal(cli(url, "import", "events", str(events)), "readonly database")
    assert sha256_of(read_only_db) == before


# --- database unavailable: the pages -------------------------------------------------


@pytest.fixture
def app_env(monkeypatch, tmp_path):
    """Point the app under test at no accounts and the faults key; return a setter for DATABASE_URL."""
    monkeypatch.setenv("SOFT_LANDING_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    return lambda url: monkeypatch.setenv("DATABASE_URL", url)


def overview() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)


def shows_database_message(at: AppTest) -> bool:
    return any(DB_MESSAGE in element.value for element in at.error)


def test_page_recovers_when_missing_sqlite_file_returns(app_env, tmp_path):
    """With the file moved away the page says so; with it back the page shows the Overview."""
    path = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    seed_overview_rows(FactRows(engine), today=dt.date.today())
    engine.dispose()
    app_env(f"sqlite:///{path}")
    at = overview().run()
    assert not at.exception and at.title[0].value == "Overview"
    path.rename(tmp_path / "elsewhere.db")
    at.run()
    assert not at.exception and shows_database_message(at)
    assert not path.exists()
    (tmp_path / "elsewhere.db").rename(path)
    at.run()
    assert not at.exception and not shows_database_message(at)
    assert at.title[0].value == "Overview" and len(at.metric) == 8


def test_page_reads_read_only_sqlite_file(app_env, read_only_db):
    """The pages only read, so a read-only database file shows the Overview as usual."""
    app_env(f"sqlite:///{read_only_db}")
    at = overview().run()
    assert not at.exception and not shows_database_message(at)
    assert at.title[0].value == "Overview"


class TcpProxy:
    """Forwards a local port to PostgreSQL while open; while closed the port
    refuses connections and every forwarded connection is cut, as when the
    server stops."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = closed_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        if self._listener is not None:
            # shutdown wakes the accepting thread; close alone would leave the port listening.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def postgresql_behind_proxy():
    """Return (proxy, URL through it) for a seeded PostgreSQL schema; the proxy starts closed."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL tests run in CI")
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"t_faults_proxy_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    direct = make_engine(f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}")
    migrate(direct)
    seed_overview_rows(FactRows(direct), today=dt.date.today())
    direct.dispose()
    proxy = TcpProxy(admin.url.port or 5432)
    proxied = admin.url.set(port=proxy.port).render_as_string(hide_password=False)
    yield proxy, f"{proxied}{'&' if '?' in proxied else '?'}options=-csearch_path%3D{schema}"
    proxy.close()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def test_page_recovers_when_postgresql_returns(app_env, postgresql_behind_proxy):
    """PostgreSQL down: a clear message. Back: the Overview. Down again once cached: the message, then back."""
    proxy, url = postgresql_behind_proxy
    app_env(url)
    at = overview().run()
    assert not at.exception and shows_database_message(at)
    proxy.open()
    at.run()
    assert not at.exception and at.title[0].value == "Overview" and len(at.metric) == 8
    proxy.close()
    # As if the data version's few seconds of caching had run out.
    st.cache_data.clear()
    at.run()
    assert not at.exception and shows_database_message(at)
    proxy.open()
    at.run()
    assert not at.exception and not shows_database_message(at) and len(at.metric) == 8


# --- a corrupted SQLite file ------------------------------------------------------------


def corrupt_by_garbage(path: Path) -> None:
    path.write_bytes(hashlib.sha256(b"garbage").digest() * 4096)


def corrupt_by_truncation(path: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    seed_overview_rows(FactRows(engine), today=dt.date.today())
    engine.dispose()
    with path.open("r+b") as db:
        db.truncate(path.stat().st_size // 2)


@pytest.mark.parametrize("corrupt", [corrupt_by_garbage, corrupt_by_truncation], ids=["garbage", "truncated"])
def test_corrupted_sqlite_file_is_reported_not_overwritten(corrupt, tmp_path):
    """Every command reports the damage in one line with exit 1, and the file's bytes are unchanged."""
    path = tmp_path / "corrupt.db"
    corrupt(path)
    before = sha256_of(path)
    events = tmp_path / "events.csv"
    events.write_text(EVENTS, encoding="utf-8")
    url = f"sqlite:///{path}"
    for args in (["kpis"], ["init"], ["import", "events", str(events)], ["backup", str(tmp_path / "b.zip")]):
        assert_clean_refusal(cli(url, *args), r"error: the database could not be used: \w*Error: "
                                              r"(file is not a database|database disk image is malformed)")
    assert sha256_of(path) == before
    assert not (tmp_path / "b.zip").exists()


def test_page_reports_corrupted_sqlite_file(app_env, tmp_path):
    """The Overview of a corrupted file shows the database message, no exception, and the file is unchanged."""
    path = tmp_path / "corrupt.db"
    corrupt_by_garbage(path)
    before = sha256_of(path)
    app_env(f"sqlite:///{path}")
    at = overview().run()
    assert not at.exception and shows_database_message(at)
    assert sha256_of(path) == before


# --- two imports at once ---------------------------------------------------------------


def test_two_imports_at_once_lose_and_duplicate_nothing(engine_url, with_events, tmp_path):
    """Two processes import overlapping files together: each completes or refuses cleanly, and after
    re-running a refused one every row is there exactly once."""
    first = attendance_csv(tmp_path / "first.csv", event="F-1", people=range(20_000))
    second = attendance_csv(tmp_path / "second.csv", event="F-1", people=range(10_000, 30_000))
    running = [start_cli(engine_url, "import", "attendance", str(path)) for path in (first, second)]
    outcomes = [(process.wait(timeout=SUBPROCESS_TIMEOUT_SECONDS), process.communicate()) for process in running]
    for path, (code, (_, stderr)) in zip((first, second), outcomes, strict=True):
        assert "Traceback" not in stderr
        assert code == 0 or "nothing was changed" in stderr, stderr
        if code:
            assert cli(engine_url, "import", "attendance", str(path)).returncode == 0
    attendance, participants, _ = counts(with_events)
    assert (attendance, participants) == (30_000, 30_000)


# --- an import killed midway -----------------------------------------------------------


def sqlite_write_in_progress(path: Path) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def postgresql_sessions(engine, application: str, *, writing: bool) -> int:
    query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"
    if writing:
        query += " AND backend_xid IS NOT NULL"
    with engine.connect() as conn:
        return conn.execute(text(query), {"app": application}).scalar_one()


def test_import_killed_midway_leaves_database_consistent(engine_url, with_events, tmp_path):
    """SIGKILL during the write leaves no partial rows and a sound file, and a re-run imports everything."""
    path = attendance_csv(tmp_path / "big.csv", event="F-2", people=range(150_000))
    application = f"killtest_{uuid.uuid4().hex[:8]}"
    url = engine_url if engine_url.startswith("sqlite") else f"{engine_url}&application_name={application}"
    database = Path(with_events.url.database) if engine_url.startswith("sqlite") else None

    def writing() -> bool:
        if database is not None:
            return sqlite_write_in_progress(database)
        return postgresql_sessions(with_events, application, writing=True) > 0

    process = start_cli(url, "import", "attendance", str(path))
    while process.poll() is None and not writing():
        time.sleep(0.01)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=SUBPROCESS_TIMEOUT_SECONDS)
    process.communicate()
    if database is None:
        # The server rolls the killed session back once it sees the socket close.
        for _ in range(1200):
            if not postgresql_sessions(with_events, application, writing=False):
                break
            time.sleep(0.05)
    else:
        with sqlite3.connect(database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert counts(with_events) == (0, 0, 0)
    rerun = cli(url, "import", "attendance", str(path))
    assert rerun.returncode == 0, rerun.stderr
    assert counts(with_events) == (150_000, 150_000, 1)


# --- files too big or too bad ---------------------------------------------------------

RSS_RUNNER = """
import resource, sys
from data_access.cli import main
code = main(sys.argv[1:])
print(f"peak_rss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def import_with_peak_rss(url: str, kind: str, path: Path) -> tuple[subprocess.CompletedProcess, int]:
    """Run the import command in a subprocess; return its result and its peak RSS in bytes."""
    env = {**os.environ, "DATABASE_URL": url, "SOFT_LANDING_PSEUDONYM_KEY": KEY}
    result = subprocess.run([sys.executable, "-c", RSS_RUNNER, "import", kind, str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_SECONDS, check=False)
    peak_kib = int(re.search(r"peak_rss_kib=(\d+)", result.stderr).group(1))
    return result, peak_kib * 1024


def test_200_mb_file_is_refused_before_reading(engine, engine_url, tmp_path):
    """A 200 MB CSV is refused for its size before it is read, and nothing is written."""
    path = tmp_path / "huge.csv"
    row = "F-1,someone@example.org,yes,LDN,st1\n" * 1000
    with path.open("w", encoding="utf-8") as out:
        out.write("event_id,email,attended,region,stage\n")
        while out.tell() < 200 * 1024 * 1024:
            out.write(row)
    small = tmp_path / "small.csv"
    small.write_text("event_id,email,attended,region,stage\n", encoding="utf-8")
    _, baseline = import_with_peak_rss(engine_url, "attendance", small)
    result, peak = import_with_peak_rss(engine_url, "attendance", path)
    assert_clean_refusal(result, f"the file is 200 MB; the largest accepted is {importers.MAX_FILE_MB} MB")
    # Well under the file's size above a run that read a one-line file: the big file was never read.
    assert peak < baseline + 50 * 1024 * 1024
    assert counts(engine) == (0, 0, 0)


def test_million_bad_rows_reported_in_bounded_memory(engine, engine_url, tmp_path):
    """A file of 1,000,000 bad rows lists the first 50 problems and the count, within the memory bound."""
    path = tmp_path / "bad.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("event_id,title,event_type,date\n")
        out.writelines(f"B-{n},Synthetic event,induction,31/02/2025\n" for n in range(1_000_000))
    result, peak = import_with_peak_rss(engine_url, "events", path)
    assert_clean_refusal(result, "impossible date")
    problems = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert len(problems) == 50
    assert "... and 999950 more problems" in result.stderr
    assert peak < MAX_IMPORT_RSS_BYTES
