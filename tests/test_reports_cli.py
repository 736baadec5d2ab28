"""``python -m reports pack`` end to end: a good run writes the pack and
logs the export; bad codes, dates, formats and output paths write nothing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation

from data_access.audit import audit_events
from reports import cli
from tests.factories import FactRows
from tests.pack_data import seed_pack_rows

ROOT = Path(__file__).resolve().parent.parent
CLI_TIMEOUT_SECONDS = 300
DATES = ("--from", "2025-01-01", "--to", "2025-12-31")


@pytest.fixture
def cli_env(engine_url, engine, tmp_path):
    """Return the environment for the CLI on the pack test data set (SQLite, and PostgreSQL in CI)."""
    seed_pack_rows(FactRows(engine))
    return {**os.environ, "DATABASE_URL": engine_url,
            "SOFT_LANDING_SECRETS_FILE": str(tmp_path / "no-secrets.toml")}


def pack_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reports", "pack", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_cli_writes_a_deck_for_a_region_and_logs_it(cli_env, engine, tmp_path):
    """A good run writes the deck, says so in one line, and records who exported what with the filters."""
    out = tmp_path / "out" / "pack.pptx"
    out.parent.mkdir()
    result = pack_cli(cli_env, "--format", "pptx", "--out", str(out), "--region", "LDN", *DATES,
                      "--user", "scheduler")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {out}: PowerPoint deck (.pptx)")
    assert files_in(out.parent) == ["pack.pptx"]
    first = Presentation(out).slides[0]
    title = " ".join(shape.text_frame.text for shape in first.shapes if shape.has_text_frame)
    assert "Filters: London · all stages" in title
    events = audit_events(engine, actions=("export",))
    assert list(events["user"]) == ["scheduler"]
    assert "Meeting pack (pptx)" in events["detail"].iloc[0]
    assert "London" in events["detail"].iloc[0]


def test_cli_writes_a_zip_with_definitions(cli_env, tmp_path):
    """--format zip writes a ZIP with definitions.txt and the chart CSVs."""
    out = tmp_path / "pack.zip"
    result = pack_cli(cli_env, "--format", "zip", "--out", str(out), *DATES)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        assert "definitions.txt" in archive.namelist()
        assert "attendances-by-region.csv" in archive.namelist()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--region", "XX"), 2, "error: unknown region code 'XX'; nothing was written"),
        (("--stage", "st99"), 2, "error: unknown stage code 'st99'; nothing was written"),
        (("--event-type", "party"), 2, "error: unknown event type code 'party'; nothing was written"),
        (("--from", "2025-12-31", "--to", "2025-01-01"), 2, "error: from date 2025-12-31 is after to date"),
        (("--from", "31/12/2025"), 2, "'31/12/2025' is not a date in YYYY-MM-DD form"),
        (("--format", "pdf"), 2, "invalid choice: 'pdf'"),
    ],
    ids=["region", "stage", "event-type", "reversed-dates", "bad-date", "bad-format"],
)
def test_cli_refuses_bad_input_and_writes_nothing(cli_env, engine, tmp_path, args, code, message):
    """A bad code, date or format exits with a one-line error, and no file or audit event appears."""
    out = tmp_path / "out"
    out.mkdir()
    fmt = () if "--format" in args else ("--format", "pptx")
    result = pack_cli(cli_env, *fmt, "--out", str(out / "pack.pptx"), *args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert files_in(out) == []
    assert audit_events(engine, actions=("export",)).empty


def test_cli_never_overwrites_an_existing_file(cli_env, tmp_path):
    """An existing --out file is left untouched and the run exits 1."""
    out = tmp_path / "pack.html"
    out.write_text("keep me")
    result = pack_cli(cli_env, "--format", "html", "--out", str(out))
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert out.read_text() == "keep me"


def test_cli_refuses_an_out_in_a_missing_folder(cli_env, tmp_path):
    """An --out in a folder that does not exist (or is a file) exits 1 and writes nothing."""
    plain_file = tmp_path / "not-a-folder"
    plain_file.write_text("")
    for out in (tmp_path / "nowhere" / "pack.html", plain_file / "pack.html"):
        result = pack_cli(cli_env, "--format", "html", "--out", str(out))
        assert result.returncode == 1
        assert "there is no folder" in result.stderr
    assert not (tmp_path / "nowhere").exists()
    assert plain_file.read_text() == ""


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    """When the final rename fails, neither the pack nor its temporary file is left in the folder."""
    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "replace", refuse)
    with pytest.raises(OSError):
        cli._write_new_file(tmp_path / "pack.pptx", b"x" * 1000)
    assert files_in(tmp_path) == []
