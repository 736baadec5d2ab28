"""Import memory benchmark: ``python -m benchmarks.import_memory [--rows N] [--database-url URL]``.

Writes the synthetic national attendance file (``benchmarks.data``) as CSV
and as an equivalent one-sheet ``.xlsx``, then imports each into an empty
scratch database through ``python -m data_access import`` in a child
process, and reports per file: its size on disk, the child's peak resident
set size (``ru_maxrss`` from ``wait4``, so each import is measured alone)
and the throughput. The events file is imported first, in its own child.

It is a script, not a test: nothing here asserts a time or a size.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from benchmarks import database
from benchmarks.data import write_import_files
from benchmarks.database import ROOT

NATIONAL_ROWS = 1_000_000
NATIONAL_EVENTS = 5_000
# The target for either file.
TARGET_PEAK_MB = 1024
# The command line's last line after an import.
IMPORTED = re.compile(r"^Imported \w+ from .*: (\d+) rows read,", re.MULTILINE)


@dataclass(frozen=True)
class ImportRun:
    """One CLI import measured: the file, its size, rows, wall time and peak memory."""

    label: str
    file_mb: float
    rows: int
    seconds: float
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        """Return the throughput in rows per second."""
        return self.rows / self.seconds


def write_xlsx_copy(csv_path: Path) -> Path:
    """Write the CSV's cells, as text, to a one-sheet ``.xlsx`` beside it and return its path."""
    xlsx_path = csv_path.with_suffix(".xlsx")
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("attendance")
    with csv_path.open(newline="", encoding="utf-8") as source:
        for row in csv.reader(source):
            sheet.append(row)
    workbook.save(xlsx_path)
    return xlsx_path


def measured_import(*, kind: str, path: Path, database_url: str, label: str) -> ImportRun:
    """Run ``python -m data_access import KIND PATH`` on ``database_url`` and
    return the rows it read, its wall time and peak RSS; raise RuntimeError if it fails."""
    env = {**os.environ, "DATABASE_URL": database_url, "SOFT_LANDING_PSEUDONYM_KEY": database.BENCH_KEY}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "data_access", "import", kind, str(path)], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"import of {path.name} failed ({process.returncode}): "
                           f"{process.stderr.read().decode()}")
    rows_read = IMPORTED.search(process.stdout.read().decode())
    if rows_read is None:
        raise RuntimeError(f"import of {path.name} did not say how many rows it read")
    # Linux reports ru_maxrss in KiB.
    return ImportRun(label=label, file_mb=path.stat().st_size / 2**20, rows=int(rows_read[1]),
                     seconds=seconds, peak_rss_mb=usage.ru_maxrss / 1024)


def run(*, rows: int, events: int, server_url: str | None) -> list[ImportRun]:
    """Import the CSV and the ``.xlsx`` copy, each into its own empty scratch
    database, and return both measurements."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        events_path, attendance_path = write_import_files(folder, events=events, rows=rows)
        xlsx_path = write_xlsx_copy(attendance_path)
        for label, path in (("CSV", attendance_path), (".xlsx", xlsx_path)):
            with database.scratch_database(server_url=server_url, folder=folder,
                                           name=f"memory_{path.suffix[1:]}") as url:
                measured_import(kind="events", path=events_path, database_url=url, label="events")
                runs.append(measured_import(kind="attendance", path=path, database_url=url, label=label))
    return runs


def markdown(runs: list[ImportRun], *, backend: str) -> str:
    """Return the measurements as a Markdown table with the date and machine."""
    lines = [
        f"{backend}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}):",
        "",
        "| file | size | rows | seconds | rows/s | peak RSS | ≤ 1 GB |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for item in runs:
        met = "met" if item.peak_rss_mb <= TARGET_PEAK_MB else "**not met**"
        lines.append(f"| attendance {item.label} | {item.file_mb:,.1f} MB | {item.rows:,} | "
                     f"{item.seconds:,.1f} | {item.rows_per_second:,.0f} | {item.peak_rss_mb:,.0f} MB | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=NATIONAL_ROWS)
    parser.add_argument("--events", type=int, default=NATIONAL_EVENTS)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (default: a temp SQLite file)")
    args = parser.parse_args()
    runs = run(rows=args.rows, events=args.events, server_url=args.database_url)
    backend = database.backend_name(args.database_url) if args.database_url else "SQLite"
    print(markdown(runs, backend=backend))


if __name__ == "__main__":
    main()
