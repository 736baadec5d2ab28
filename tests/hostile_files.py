"""Hostile upload files for the import-limit tests, written with synthetic
example.org people: an XLSX whose one sheet expands to millions of rows, a
CSV with one 10 MB cell, a 100,000-column CSV and a CSV with no line ends."""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterable
from pathlib import Path

import openpyxl

ATTENDANCE_HEADER = ("event_id", "email", "attended")
BOMB_ROWS = 3_000_000
HUGE_CELL_CHARS = 10 * 1024 * 1024
WIDE_COLUMNS = 100_000
NO_LINE_ENDS_BYTES = 12 * 1024 * 1024
_SHEET = "xl/worksheets/sheet1.xml"
_ROWS_PER_WRITE = 10_000


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    """Return an XLSX workbook written by openpyxl whose first sheet holds ``rows``."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_workbook(path: Path, sheet_rows: Iterable[bytes]) -> Path:
    """Write an openpyxl workbook whose first sheet's XML is replaced by the
    ``<row>`` elements in ``sheet_rows`` (deflated as they come), and return ``path``."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([list(ATTENDANCE_HEADER)]))) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as workbook:
        for member in source.infolist():
            if member.filename != _SHEET:
                workbook.writestr(member, source.read(member))
        with workbook.open(_SHEET, "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for rows in sheet_rows:
                sheet.write(rows)
            sheet.write(b"</sheetData></worksheet>")
    return path


def sheet_row(cells: Iterable[str]) -> bytes:
    """Return one ``<row>`` of inline-string cells."""
    inline = b'<c t="inlineStr"><is><t>%s</t></is></c>'
    return b"<row>" + b"".join(inline % cell.encode() for cell in cells) + b"</row>"


def write_sheet_bomb(path: Path, *, rows: int = BOMB_ROWS) -> Path:
    """Write a workbook of the attendance header and ``rows`` identical data
    rows (a few hundred KB for millions of rows) and return ``path``."""
    row = sheet_row(["EV1", "amina@example.org", "yes"])
    chunks = (row * min(_ROWS_PER_WRITE, rows - start) for start in range(0, rows, _ROWS_PER_WRITE))
    return write_workbook(path, itertools.chain([sheet_row(ATTENDANCE_HEADER)], chunks))


def write_huge_cell_csv(path: Path, *, chars: int = HUGE_CELL_CHARS) -> Path:
    """Write an attendance CSV whose one data row has an attended cell of ``chars`` characters."""
    path.write_text(",".join(ATTENDANCE_HEADER) + "\nEV1,amina@example.org," + "y" * chars + "\n")
    return path


def write_wide_csv(path: Path, *, columns: int = WIDE_COLUMNS) -> Path:
    """Write a CSV with ``columns`` columns: the attendance header, then extra ones."""
    names = list(ATTENDANCE_HEADER) + [f"extra{i}" for i in range(columns - len(ATTENDANCE_HEADER))]
    values = ["EV1", "amina@example.org", "yes"] + [""] * (columns - len(ATTENDANCE_HEADER))
    path.write_text(",".join(names) + "\n" + ",".join(values) + "\n")
    return path


def write_no_line_ends_csv(path: Path, *, size: int = NO_LINE_ENDS_BYTES) -> Path:
    """Write about ``size`` bytes of attendance cells with no line end anywhere."""
    record = b"EV1,amina@example.org,yes,"
    path.write_bytes(b"event_id,email,attended," + record * (size // len(record)))
    return path
