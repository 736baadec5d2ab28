"""The import memory benchmark at a tiny scale: both files are imported by a
child process and measured. No time or size is asserted: figures belong in
docs/performance.md."""

from __future__ import annotations

import csv

import openpyxl

from benchmarks import import_memory
from benchmarks.data import write_import_files


def test_xlsx_copy_holds_the_csv_cells(tmp_path):
    """The .xlsx copy has exactly the CSV's rows, cell for cell."""
    _, attendance = write_import_files(tmp_path, events=20, rows=400)
    sheet = openpyxl.load_workbook(import_memory.write_xlsx_copy(attendance), read_only=True).active
    with attendance.open(newline="") as source:
        assert [list(row) for row in sheet.iter_rows(values_only=True)] == list(csv.reader(source))


def test_both_files_are_imported_and_measured():
    """The CSV and the .xlsx are each imported in full by a child process whose peak memory is read."""
    runs = import_memory.run(rows=400, events=20, server_url=None)
    assert [(item.label, item.rows) for item in runs] == [("CSV", 400), (".xlsx", 400)]
    assert all(item.peak_rss_mb > 0 and item.seconds > 0 for item in runs)
    assert "| attendance .xlsx |" in import_memory.markdown(runs, backend="SQLite")
