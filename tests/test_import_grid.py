"""The grid a file is read into: an XLSX sheet and the same table as CSV give
the same frame of "str" cells, row for row, whether it is read in one chunk of
rows or many, with blank rows and rows of different widths; the importer's
quicker sheet reader gives the values openpyxl's own reader gives."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
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


# Rows of sheet XML the quick path takes (plain inline text, with spaces or
# none) and leaves to openpyxl (rich text, an empty <is>, shared strings,
# numbers, booleans, errors, formulas), numbered and not, with a missing
# row, cells without a reference, a cell placed right of its row's last one
# and a row numbered below one already read.
VARIED_SHEET_ROWS = [
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>event_id</t></is></c><c r="B1" t="inlineStr"><is><t>email</t>'
    b'</is></c><c r="C1" t="inlineStr"><is><t xml:space="preserve"> attended </t></is></c></row>',
    b'<row r="3"><c r="B3" t="inlineStr"><is><t/></is></c><c r="C3" t="inlineStr"><is/></c>'
    b'<c r="D3" t="inlineStr"><is><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r></is></c></row>',
    b'<row><c t="inlineStr"><is><t>Caf\xc3\xa9 &amp; co</t></is></c><c><v>7</v></c><c><v>2.5</v></c>'
    b'<c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row>',
    b'<row r="5"><c r="C5"><f>SUM(1,1)</f><v>2</v></c><c r="A5" t="inlineStr"><is><t>left</t></is></c>'
    b'<c r="B5" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>',
    b'<row r="4"><c r="A4" t="inlineStr"><is><t>read twice</t></is></c></row>',
    b'<row r="6"><c r="A6" t="inlineStr" s="0"><is><t>\t</t></is></c></row>',
]


def openpyxl_values(data: bytes) -> list[list]:
    """Return the first sheet's rows as openpyxl's own read-only reader gives their values."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return values


def sheet_values(data: bytes) -> list[list]:
    """Return the first sheet's rows as the importer's reader gives their values."""
    reader = importers._WorkbookReader(io.BytesIO(data), read_only=True, data_only=False)
    reader.read()
    values = list(importers._sheet_values(reader.wb.worksheets[0]))
    reader.wb.close()
    return values


def test_sheet_values_equal_openpyxls_for_hand_written_xml(tmp_path):
    """The quick sheet reader gives the values openpyxl gives for text, numbers, formulas and odd rows."""
    data = hostile_files.write_workbook(tmp_path / "varied.xlsx", VARIED_SHEET_ROWS).read_bytes()
    assert sheet_values(data) == openpyxl_values(data)


def test_sheet_values_equal_openpyxls_for_typed_cells():
    """Dates, times, numbers, booleans and formulas in an openpyxl workbook read as openpyxl reads them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["when", "time", "count", "ratio", "flag", "sum"])
    sheet.append([dt.datetime(2025, 3, 1, 9, 30), dt.time(9, 30), 3, 0.25, True, "=SUM(C2:D2)"])
    sheet.append([dt.date(2024, 2, 29), None, -1, 1e-7, False, "text"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert sheet_values(buffer.getvalue()) == openpyxl_values(buffer.getvalue())
