"""The grid a file is read into: an XLSX sheet and the same table as CSV give
the same frame of "str" cells, row for row, whether it is read in one chunk of
rows or many, with blank rows and rows of different widths."""

from __future__ import annotations

import pandas as pd
import pytest

from data_access import importers
from data_access.config import ImportLimits
from tests import hostile_files

# Blank rows (above and inside the table: a sheet keeps none below its last
# cell, a CSV file its blank lines), rows narrower and wider
# than the header, a cell of spaces and a row wider than all before it late on.
RAGGED_ROWS = [
    ["Report"], [], ["Event ID", "Email", "Attended"], ["EV1", "a@example.org", "yes"], [],
    ["EV1", "b@example.org"], ["EV2"], ["EV2", "c@example.org", "no", "extra"], [" "], [],
    ["EV3", "", "yes"], ["EV3", "d@example.org", "yes", "", "late"],
]
LIMITS = ImportLimits()


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Return ``rows`` as CSV lines, a blank line for an empty row."""
    return "".join(",".join(row) + "\n" for row in rows).encode()


def expected_grid(rows: list[list[str]]) -> pd.DataFrame:
    """Return ``rows`` padded with "" to the widest one, as a frame of "str" columns."""
    width = max(len(row) for row in rows)
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows], columns=range(width), dtype="str")


@pytest.mark.parametrize("chunk_rows", [2, 5, importers.GRID_CHUNK_ROWS])
def test_xlsx_grid_equals_csv_grid(monkeypatch, chunk_rows):
    """An XLSX sheet's grid equals the same table's CSV grid and the padded rows, in any chunking."""
    monkeypatch.setattr(importers, "GRID_CHUNK_ROWS", chunk_rows)
    options = {"limits": LIMITS, "first_rows": None, "header_row": None}
    xlsx_grid = importers._xlsx_grid(hostile_files.xlsx_bytes(RAGGED_ROWS), **options)
    csv_grid = importers._csv_grid(csv_bytes(RAGGED_ROWS), **options)
    pd.testing.assert_frame_equal(xlsx_grid, csv_grid)
    pd.testing.assert_frame_equal(xlsx_grid, expected_grid(RAGGED_ROWS))


@pytest.mark.parametrize("chunk_rows", [2, importers.GRID_CHUNK_ROWS])
def test_xlsx_table_equals_csv_table(monkeypatch, chunk_rows):
    """``read_table`` gives an XLSX sheet and the same CSV table the same rows, row numbers and columns."""
    monkeypatch.setattr(importers, "GRID_CHUNK_ROWS", chunk_rows)
    xlsx_table = importers.read_table(hostile_files.xlsx_bytes(RAGGED_ROWS), limits=LIMITS, header_row=3)
    csv_table = importers.read_table(csv_bytes(RAGGED_ROWS), limits=LIMITS, header_row=3)
    pd.testing.assert_frame_equal(xlsx_table, csv_table)
    assert list(xlsx_table.columns) == ["Event ID", "Email", "Attended", "", ""]
    assert xlsx_table.index.tolist() == [4, 6, 7, 8, 11, 12]


def test_xlsx_preview_equals_csv_preview():
    """With ``first_rows`` an XLSX sheet and the same CSV table give the same first rows."""
    xlsx_table = importers.read_table(hostile_files.xlsx_bytes(RAGGED_ROWS), limits=LIMITS, first_rows=2,
                                      header_row=3)
    csv_table = importers.read_table(csv_bytes(RAGGED_ROWS), limits=LIMITS, first_rows=2, header_row=3)
    pd.testing.assert_frame_equal(xlsx_table, csv_table)
    assert xlsx_table.index.tolist() == [4, 6]


def test_blank_sheet_grid_keeps_its_rows():
    """A file of blank lines is a grid of that many rows and no columns, so it reads as empty."""
    grid = importers._csv_grid(b"\n\n\n", limits=LIMITS, first_rows=None, header_row=None)
    assert grid.shape == (3, 0)
    with pytest.raises(importers.TableError, match="the file is empty"):
        importers.read_table(hostile_files.xlsx_bytes([[], [" "], []]), limits=LIMITS)
