"""Real-looking exports through the command line give exactly the KPI figures,
and no email reaches the database file."""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from data_access.audit import audit_events
from data_access.db import make_engine

ROOT = Path(__file__).resolve().parent.parent

# UTF-8 with a byte-order mark and CRLF line endings, UK dates, labels for
# event types, region names in mixed case, as people's spreadsheets have them.
EVENTS = (
    "event_id,title,event_type,date,host_region\r\n"
    "E1,Induction August,Induction,05/08/2025,National\r\n"
    "E2,ARCP webinar,ARCP & portfolio,2025-10-14,london\r\n"
    "E3,Mock interviews,interview_practice,20/01/2026,West Midlands\r\n"
)
ATTENDANCE = (
    "Event ID,Email,Attended,Region,Stage\r\n"
    "E1, Amina.Y@Example.org ,Yes,London,ST1\r\n"
    "E1,rohan@example.org,no,kent surrey and sussex,st 2\r\n"
    "E1,chioma@example.org,Y,HEIW,Trust grade\r\n"
    "E2,amina.y@example.org,TRUE,LONDON,ST-1\r\n"
    "E2,li@example.org,1,Oxford,\r\n"
    "E3,AMINA.Y@EXAMPLE.ORG,yes,London,ST1\r\n"
    "E3,rohan@example.org,yes,KSS,ST2\r\n"
)
FEEDBACK = (
    "event_id,rating,email,region,comments\r\n"
    'E1,Excellent,,London,"=HYPERLINK(""http://x.example"")"\r\n'
    "E1,4,rohan@example.org,KSS,Good\r\n"
    "E2,5,,,\r\n"
    "E3,very good,amina.y@example.org,london,Helpful for interviews\r\n"
)
REPS = (
    "name,region,role,start_date,end_date\r\n"
    "Dr Test Rep,London,lead,01/01/2024,\r\n"
    "Dr Other Rep,Wales,rep,01/01/2024,31/12/2024\r\n"
)


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_access", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def loaded(engine_url, tmp_path):
    """Return the environment of a database (SQLite, and PostgreSQL in CI)
    loaded through the CLI."""
    env = {**os.environ, "DATABASE_URL": engine_url, "SOFT_LANDING_PSEUDONYM_KEY": "end-to-end-test-key"}
    assert cli(env, "init").returncode == 0
    for kind, content in (("events", EVENTS), ("attendance", ATTENDANCE), ("feedback", FEEDBACK),
                          ("reps", REPS)):
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
        result = cli(env, "import", kind, str(path))
        assert result.returncode == 0, result.stderr
    return env


def test_real_looking_exports_give_exact_kpis(loaded):
    """Every KPI matches the figures worked out by hand from the files above."""
    result = cli(loaded, "kpis", "--to", "2026-06-30", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "events": 3,
        "registrations": 7,
        "attendances": 6,
        "attendance_rate": pytest.approx(6 / 7),
        "unique_participants": 4,
        "returning_participants": 1,
        "feedback_responses": 4,
        "pct_excellent": 50.0,
        "mean_rating": 4.5,
        "regions_total": 19,
        "regions_with_active_rep": 1,
        "rep_coverage_pct": pytest.approx(100 / 19),
    }


def test_region_filter_counts_the_rows_own_region(loaded):
    """--region LDN counts London rows only, whatever the event's host region."""
    result = cli(loaded, "kpis", "--region", "LDN", "--to", "2026-06-30", "--json")
    figures = json.loads(result.stdout)
    assert (figures["registrations"], figures["attendances"], figures["unique_participants"]) == (3, 3, 1)
    assert (figures["returning_participants"], figures["feedback_responses"]) == (1, 2)
    assert (figures["pct_excellent"], figures["mean_rating"]) == (50.0, 4.5)
    assert (figures["regions_total"], figures["regions_with_active_rep"], figures["rep_coverage_pct"]) == (
        1, 1, 100.0)


def test_reimporting_the_same_file_changes_nothing(loaded, tmp_path):
    """A second import of the attendance file reports every row unchanged."""
    result = cli(loaded, "import", "attendance", str(tmp_path / "attendance.csv"))
    assert result.returncode == 0
    assert "7 rows read, 0 inserted, 0 updated, 7 unchanged" in result.stdout


def test_no_email_in_the_database_file(loaded):
    """The SQLite file's bytes hold no email address or part of one."""
    url = loaded["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("a file-bytes check applies to the embedded SQLite file only")
    db = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db.read_bytes()
    for fragment in (b"example.org", b"EXAMPLE.ORG", b"amina", b"Amina", b"rohan", b"chioma", b"li@"):
        assert fragment not in raw


def test_bad_file_exits_1_with_row_messages_and_changes_nothing(loaded, tmp_path):
    """An impossible date refuses the whole file with a row-level message."""
    before = cli(loaded, "kpis", "--json").stdout
    bad = tmp_path / "bad_events.csv"
    bad.write_text("event_id,title,event_type,date\nE9,New,induction,2026-01-05\nE10,Bad,induction,31/02/2026\n")
    result = cli(loaded, "import", "events", str(bad))
    assert result.returncode == 1
    assert "row 3, column date: '31/02/2026'" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli(loaded, "kpis", "--json").stdout == before


def test_command_line_imports_are_in_the_audit_log(loaded):
    """Each CLI import is audited with the kind, the file name and the counts, under the login name."""
    engine = make_engine(loaded["DATABASE_URL"])
    imports = audit_events(engine, actions=("import",))
    engine.dispose()
    assert len(imports) == 4
    assert set(imports["user"]) == {f"{getpass.getuser()} (command line)"}
    assert any(detail.startswith("attendance from attendance.csv (import ") and "7 inserted" in detail
               for detail in imports["detail"])


def test_refused_import_leaves_no_audit_event(loaded, tmp_path):
    """A file refused for a bad row adds no import event to the audit log."""
    bad = tmp_path / "bad_events.csv"
    bad.write_text("event_id,title,event_type,date\nE10,Bad,induction,31/02/2026\n")
    assert cli(loaded, "import", "events", str(bad)).returncode == 1
    engine = make_engine(loaded["DATABASE_URL"])
    assert len(audit_events(engine, actions=("import",))) == 4
    engine.dispose()


def test_command_line_clear_demo_is_in_the_audit_log(loaded):
    """clear-demo records how many demo rows it removed."""
    assert cli(loaded, "clear-demo").returncode == 0
    engine = make_engine(loaded["DATABASE_URL"])
    events = audit_events(engine, actions=("clear_demo",))
    engine.dispose()
    assert list(events["detail"]) == ["0 demo rows"]
