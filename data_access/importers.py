"""Importing the organisation's spreadsheets (CSV or XLSX) into the database.

Three steps, so that the CLI and a later "Data" page share one implementation:

1. ``read_table`` turns file bytes into a DataFrame of text cells, indexed by
   the spreadsheet row number a person sees (the header is row 1 in a plain
   file). XLSX date cells become ``YYYY-MM-DD``; formulas are kept as their
   text and never evaluated.
2. ``prepare`` maps the columns to the import contract, checks and normalises
   every value and returns the rows as they would be stored (codes, dates,
   pseudonyms; never an email), with the problems and notices. It only reads
   the database, so it can drive a preview.
3. ``commit_rows`` writes the rows in one transaction and records the batch.
   On PostgreSQL the rows go through COPY into a temporary staging table and
   are classified, recorded for undo and written by set-based statements;
   SQLite compares them in pandas and writes with executemany.

``import_file`` composes them; ``undo_batch`` reverses a batch.

Decisions where the contract is silent:

- **Header row.** Exports such as Zoom's attendee report put report and host
  blocks above the table. Unless ``header_row`` is given, the header is the
  first row that is at least as wide as every row below it (width = position
  of the last non-blank cell); a notice says when that is not row 1.
- **Repeated rows.** A key repeated with identical values (a Zoom attendee
  who rejoined) is imported once, with a notice; with different values the
  file is refused.
- **Feedback keys.** ``response_id`` is scoped to its event, because form
  tools number responses per form; without it, the key hashes the event,
  rating, submitted date, participant pseudonym, region, stage,
  would_recommend and comments plus the row's occurrence among identical
  rows, so two identical anonymous responses stay two responses and
  re-importing the file still changes nothing. A feedback email of
  ``anonymous`` (as Microsoft Forms writes it) means no participant.
- **Fixed values.** ``fixed_values`` gives a field one value for every row,
  for exports of one event that do not carry its id (Zoom, Eventbrite).
- **Emails in messages** are masked (``a***@example.org``).
- **Regions.** An event's host region and a rep's region must be one of the
  19 training regions; people's rows also accept OVS and UNK.
- **Stages.** A form choice naming one stage two ways (``Trust grade / LED``)
  is that stage.
- **Would recommend.** Only a definite yes is a recommendation: the middle
  answer of a Yes / Maybe / No question (``Maybe``, ``Not sure``) is stored
  as False with No, with a notice, so a share who would recommend keeps
  every answer in its denominator. The column is a yes/no flag, so the
  Maybe/No split is not kept. Elsewhere ``Maybe`` is not a yes/no answer
  and is refused.
- **Exports as the tools write them.** With ``export_format``,
  ``import_file`` recognises Zoom, Microsoft Forms, Google Forms and
  Eventbrite exports (``data_access.formats``) and reads them without a
  column map; they then go through the same ``prepare`` as any file.
- **MWRES links.** An events import sets the links of every event in the
  file; an event whose set did not change gets the same links back.
- **Batches.** Every successful import records a batch, even one that changed
  nothing. An update leaves the row's ``batch_id`` (the batch that inserted
  it) as it was, so undo can tell inserted rows from updated ones.
- **Refused as well:** a header with no data rows; text too long for its
  column; numbers outside the column's range; benchmark numerator above its
  denominator; an outcome category that disagrees with its measure; a rep
  appointment whose dates overlap another of the same name and region (in
  the file or already recorded); a benchmark source_url that is not an
  http(s) address.
- **Limits** (``config.import_limits``): more rows, columns or characters in
  a cell than ``[import] max_rows``, ``max_columns`` and ``max_cell_chars``
  are refused while the file is read, so reading stops at the first row
  beyond them; a workbook unpacking to more than ``MAX_XLSX_UNPACKED_BYTES``
  or ``MAX_XLSX_RATIO`` times its size, or whose shared strings and other
  parts held whole exceed ``MAX_XLSX_HELD_BYTES``, is refused before it is
  parsed.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import INLINE_STRING, SHEET_MAIN_NS, WorkSheetParser
from sqlalchemy import (
    ARRAY, Date, Engine, Integer, Table, any_, bindparam, delete, func, insert, select, text, update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from data_access import models, normalise, reference
from data_access.config import ImportLimits, import_limits
from data_access.pseudonym import pseudonymise

KINDS: tuple[str, ...] = ("events", "attendance", "feedback", "reps", "outcomes", "benchmarks")

# kind -> (required fields, optional fields), in the order problems are listed.
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "events": (("event_id", "title", "event_type", "date"),
               ("delivery", "host_region", "mwres_indicators", "capacity")),
    "attendance": (("event_id", "email", "attended"), ("region", "stage")),
    "feedback": (("event_id", "rating"),
                 ("response_id", "submitted", "email", "region", "stage", "would_recommend", "comments")),
    "reps": (("name", "region", "start_date"), ("role", "end_date")),
    "outcomes": (("email", "category", "measure", "date", "result"), ("region", "stage")),
    "benchmarks": (("year", "measure", "group", "numerator", "denominator", "source"), ("source_url",)),
}

# kind -> (prepared columns forming the natural key, the field named in a
# duplicate-key problem, how the key is described to people)
KEYS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "events": (("event_id",), "event_id", "event_id"),
    "attendance": (("event_id", "pseudonym"), "email", "event and participant"),
    "feedback": (("response_key",), "response_id", "response"),
    "reps": (("name", "region", "start_date"), "name", "name, region and start_date"),
    "outcomes": (("pseudonym", "measure", "date"), "email", "participant, measure and date"),
    "benchmarks": (("year", "measure", "group", "source"), "group", "year, measure, group and source"),
}

DELIVERIES = ("virtual", "in_person", "hybrid")
ROLES = ("lead", "rep", "deputy")
NATIONAL = "national"
ANONYMOUS = "anonymous"
FIRST_BENCHMARK_YEAR, LAST_BENCHMARK_YEAR = 1900, 2100
SHOWN_VALUE_CHARS = 60
SHOWN_ROW_NUMBERS = 10
# Stays well under SQLite's bound-parameter limit.
IN_CHUNK = 900
WRITE_CHUNK = 50_000
# Larger files are refused before they are read, so that memory stays
# bounded; a national attendance export of 1,000,000 rows is about 60 MB.
MAX_FILE_MB = 100
# An XLSX file is a zip archive: its members' stated sizes are checked before
# it is parsed. Real exports unpack to 5-14 times their size (tests/data; an
# openpyxl-written 1,000,000-row attendance file unpacks to 290 MB from 22 MB),
# so a much higher ratio is a decompression bomb.
MAX_XLSX_RATIO = 100
MAX_XLSX_UNPACKED_BYTES = 1_000 * 1024 * 1024
# openpyxl streams the sheet but holds the shared strings (and the other parts
# that are not worksheets) whole; 1,000,000 distinct 25-character emails as
# shared strings take about 40 MB.
MAX_XLSX_HELD_BYTES = 256 * 1024 * 1024
WORKSHEETS_FOLDER = "xl/worksheets/"
# zipfile builds an object for each entry of the archive's directory before
# anything else can be checked; a real workbook's directory takes a few KB
# (tens of members), and 4 MB holds at most about 90,000 entries.
MAX_XLSX_DIRECTORY_BYTES = 4 * 1024 * 1024
# The end record of a zip archive: its signature, where in it the directory's
# size sits, and how far from the end it can start (its size plus a comment).
_ZIP_END = b"PK\x05\x06"
_ZIP_END_DIRECTORY_SIZE_AT = 12
_ZIP_END_SEARCH = 22 + 65_535
# The element of a sheet holding a text cell's plain text.
_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
# Negative means KiB in SQLite: 256 MiB at most, taken only as pages are read.
SQLITE_IMPORT_CACHE_KIB = -262_144
# How far along an import is when each step starts, as a fraction of the whole.
READ_START, CHECK_START, WRITE_START = 0.0, 0.3, 0.5

# Called as an import moves on: (step, "checking" or "writing"; fraction of
# the import done, 0 to 1; rows read so far).
ImportProgress = Callable[[str, float, int], None]
# A table is read into Arrow string arrays this many rows at a time: a row held
# as a Python list of str objects takes several times the memory of its text,
# so a 1,000,000-row sheet held as lists would take about 1 GB.
GRID_CHUNK_ROWS = 65_536


@dataclass
class ImportResult:
    """What an import did, or why it was refused (then ``batch_id`` is None)."""

    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    batch_id: int | None = None


class TableError(ValueError):
    """The file is not a table that can be read; the message says why."""


class UndoError(ValueError):
    """A batch cannot be undone; the message says why."""


# --- step 1: reading -------------------------------------------------------------


def read_table(source: str | Path | bytes, *, header_row: int | None = None, first_rows: int | None = None,
               limits: ImportLimits | None = None) -> pd.DataFrame:
    """Return the table in a CSV or XLSX file (path or bytes) as text cells.

    Columns are the header cells; the index is the spreadsheet row number of
    each non-blank data row; ``attrs["header_row"]`` is the header's row
    number. ``header_row`` (1-based) overrides the detection described in
    the module docstring. ``first_rows`` stops reading after that many
    non-blank data rows, for a preview of a large file; the header is then
    looked for among the rows read. Raises ``TableError`` for anything that
    is not a readable table, and for a file beyond ``limits`` (default:
    ``config.import_limits()``) as soon as reading reaches the limit.
    """
    if first_rows is not None and first_rows < 1:
        raise ValueError(f"first_rows must be at least 1, not {first_rows}")
    limits = limits or import_limits()
    if isinstance(source, bytes):
        _check_size(len(source))
        data = source
    else:
        try:
            _check_size(Path(source).stat().st_size)
            data = Path(source).read_bytes()
        except OSError as exc:
            raise TableError(f"the file could not be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise TableError("the file is empty")
    reader = _xlsx_grid if data.startswith(b"PK\x03\x04") else _csv_grid
    grid = reader(data, limits=limits, first_rows=first_rows, header_row=header_row)
    _check_cells(grid, limits)
    widths = _widths(grid)
    if header_row is None:
        header_index = _find_header(widths)
    elif 1 <= header_row <= len(grid) and widths[header_row - 1]:
        header_index = header_row - 1
    else:
        raise TableError(f"row {header_row} is not a header row in this file")
    if header_index is None:
        raise TableError("the file is empty")
    return _frame(grid, header_index)


def _check_size(size: int) -> None:
    """Raise ``TableError`` for a file of ``size`` bytes above ``MAX_FILE_MB``."""
    if size > MAX_FILE_MB * 1024 * 1024:
        raise TableError(f"the file is {size / (1024 * 1024):,.0f} MB; the largest accepted is {MAX_FILE_MB} MB "
                         f"(split it into smaller files)")


def _within_limits(records: Iterable[list[str]], limits: ImportLimits) -> Iterator[list[str]]:
    """Yield ``records`` (rows of the file), raising ``TableError`` at the
    first row beyond the row or column limit, so reading stops there."""
    for number, record in enumerate(records, start=1):
        if number > limits.max_rows:
            raise TableError(f"the file has more than {limits.max_rows:,} rows; the largest accepted is "
                             f"{limits.max_rows:,} ([import] max_rows)")
        if len(record) > limits.max_columns:
            raise TableError(f"row {number} has more than {limits.max_columns:,} columns; the largest "
                             f"accepted is {limits.max_columns:,} ([import] max_columns)")
        yield record


def _cell_limit_error(row: int, limits: ImportLimits) -> TableError:
    return TableError(f"row {row} has a cell of more than {limits.max_cell_chars:,} characters; the longest "
                      f"accepted is {limits.max_cell_chars:,} ([import] max_cell_chars)")


def _check_cells(grid: pd.DataFrame, limits: ImportLimits) -> None:
    """Raise ``TableError`` naming the first row with a cell longer than the limit."""
    too_long = np.zeros(len(grid), dtype=bool)
    for column in grid.columns:
        too_long |= (grid[column].str.len() > limits.max_cell_chars).to_numpy()
    if too_long.any():
        raise _cell_limit_error(int(np.argmax(too_long)) + 1, limits)


def _collect(records: Iterable[list[str]], *, first_rows: int | None,
             header_row: int | None) -> pd.DataFrame:
    """Return the records as a grid (``_grid``), or with ``first_rows`` only
    those up to that many non-blank rows below the header, reading no further
    than needed."""
    if first_rows is None:
        return _grid(records)
    rows: list[list[str]] = []
    # Finding the header needs the rows below it: look again each time the
    # rows read double, so the rows are searched about twice over in all.
    check_at = (header_row or 1) + first_rows
    for record in records:
        rows.append(record)
        if len(rows) >= check_at:
            end = _preview_end(rows, first_rows=first_rows, header_row=header_row)
            if end is not None:
                return _grid(rows[:end])
            check_at *= 2
    end = _preview_end(rows, first_rows=first_rows, header_row=header_row)
    return _grid(rows if end is None else rows[:end])


def _preview_end(rows: Sequence[list[str]], *, first_rows: int, header_row: int | None) -> int | None:
    """Return how many of ``rows`` hold the header and the first ``first_rows``
    non-blank rows below it, or None when ``rows`` holds fewer."""
    widths = [max((i for i, cell in enumerate(row, start=1) if cell.strip()), default=0) for row in rows]
    header_index = header_row - 1 if header_row else _find_header(widths)
    if header_index is None:
        return None
    filled_below = 0
    for index in range(header_index + 1, len(rows)):
        if widths[index]:
            filled_below += 1
            if filled_below == first_rows:
                return index + 1
    return None


def _grid(records: Iterable[list[str]]) -> pd.DataFrame:
    """Return the records as a frame of strings (pandas "str" columns), one
    row per record, padded with "" to the widest one. At most
    ``GRID_CHUNK_ROWS`` records are held as Python lists at a time."""
    chunks: list[list[pa.Array]] = []
    lengths: list[int] = []
    rows: list[list[str]] = []
    for record in records:
        rows.append(record)
        if len(rows) == GRID_CHUNK_ROWS:
            chunks.append(_arrow_columns(rows))
            lengths.append(len(rows))
            rows = []
    if rows or not chunks:
        chunks.append(_arrow_columns(rows))
        lengths.append(len(rows))
    width = max(len(columns) for columns in chunks)
    if not width:
        return pd.DataFrame(index=pd.RangeIndex(sum(lengths)), columns=pd.RangeIndex(0))
    grid = pd.DataFrame({
        position: pd.array(pa.chunked_array(
            [columns[position] if position < len(columns) else pa.array([""] * length, type=pa.large_string())
             for columns, length in zip(chunks, lengths, strict=True)], type=pa.large_string()), dtype="str")
        for position in range(width)
    })
    grid.columns = pd.RangeIndex(width)
    return grid


def _arrow_columns(rows: Sequence[list[str]]) -> list[pa.Array]:
    """Return the columns of ``rows``, padded with "" to the widest row, as
    Arrow string arrays (the storage of pandas' "str" columns)."""
    width = max((len(row) for row in rows), default=0)
    padded = [row if len(row) == width else row + [""] * (width - len(row)) for row in rows]
    return [pa.array(column, type=pa.large_string()) for column in zip(*padded, strict=True)]


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise TableError("the file is not a table: it holds binary data, not CSV text or an XLSX workbook")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise TableError("the file is not a table: it is not text in UTF-8 or Windows-1252") from None


def _check_line_lengths(data: bytes, limits: ImportLimits) -> None:
    """Raise ``TableError`` for a line longer than any row within the limits
    can be (every cell at the longest, quoted, its quotes doubled), before the
    CSV reader would hold it: a file without line ends is one such line."""
    longest = limits.max_columns * (2 * limits.max_cell_chars + 3)
    codes = np.frombuffer(data, dtype=np.uint8)
    # LF and CR bytes are line ends in UTF-8 and Windows-1252 alike. Splitting
    # at LF alone is quick; the few stretches too long for the limit are split
    # at CR too (old Mac files end lines with CR alone).
    ends = np.flatnonzero(codes == 10)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(codes)]))
    # A character takes at least one byte, so only lines this long in bytes are counted in characters.
    too_long = stops - starts > longest
    for start, stop in zip(starts[too_long], stops[too_long], strict=True):
        for line in data[start:stop].split(b"\r"):
            try:
                characters = len(line.decode("utf-8-sig"))
            except UnicodeDecodeError:
                characters = len(line)
            if characters > longest:
                raise TableError(f"a line of the file has {characters:,} characters, more than a row within "
                                 f"the limits can hold ({limits.max_columns:,} cells of up to "
                                 f"{limits.max_cell_chars:,} characters: [import] max_columns, "
                                 f"[import] max_cell_chars)")


def _csv_records(text: str, limits: ImportLimits) -> Iterator[list[str]]:
    """Yield each record of the CSV text as a list of strings."""
    number = 0
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            yield record
    except csv.Error as exc:
        # The csv module stops a field at its own limit while reading it.
        if str(exc).startswith("field larger than field limit"):
            raise _cell_limit_error(number + 1, limits) from None
        raise TableError(f"the file is not a readable CSV table: {exc}") from None


def _csv_grid(data: bytes, *, limits: ImportLimits, first_rows: int | None,
              header_row: int | None) -> pd.DataFrame:
    """Return every record of the CSV file as one row of strings, padded to
    the widest record, so that row i is spreadsheet row i + 1."""
    text = _decode(data)
    _check_line_lengths(data, limits)
    records = _within_limits(_csv_records(text, limits), limits)
    if first_rows is not None:
        return _collect(records, first_rows=first_rows, header_row=header_row)
    count = width = 0
    for record in records:
        count += 1
        width = max(width, len(record))
    try:
        grid = pd.read_csv(io.StringIO(text, newline=""), header=None, names=range(width), dtype=str,
                           na_filter=False, skip_blank_lines=False, engine="c")
    except (ValueError, pd.errors.ParserError):
        grid = None
    # pandas' C parser is much faster and leaner, but row numbers must be the
    # ones a person sees: use it only when it splits records as csv does.
    if grid is not None and len(grid) == count:
        return grid
    return _grid(csv.reader(io.StringIO(text, newline="")))


def _check_archive(data: bytes) -> None:
    """Raise ``TableError`` for a workbook whose zip members unpack to more
    than ``MAX_XLSX_UNPACKED_BYTES`` or more than ``MAX_XLSX_RATIO`` times the
    file's size, or whose parts other than worksheets (read whole) unpack to
    more than ``MAX_XLSX_HELD_BYTES``. zipfile never unpacks a member past its
    stated size. The directory's size is read from the archive's end record
    first, so that zipfile does not build an object for each of millions of
    entries (zipfile reads the directory by that size, not by its count)."""
    end = data.rfind(_ZIP_END, max(0, len(data) - _ZIP_END_SEARCH))
    if end >= 0:
        at = end + _ZIP_END_DIRECTORY_SIZE_AT
        directory = int.from_bytes(data[at:at + 4], "little")
        if directory > MAX_XLSX_DIRECTORY_BYTES:
            raise TableError(f"the workbook's list of parts takes {directory / 1024:,.0f} KB; the largest "
                             f"accepted is {MAX_XLSX_DIRECTORY_BYTES / 1024:,.0f} KB")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise TableError("the file is not a table: it is not a readable XLSX workbook") from None
    unpacked = sum(member.file_size for member in members)
    held = sum(member.file_size for member in members if not member.filename.startswith(WORKSHEETS_FOLDER))
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        largest_mb = MAX_XLSX_UNPACKED_BYTES / (1024 * 1024)
        raise TableError(f"the workbook unpacks to {unpacked / (1024 * 1024):,.1f} MB; the largest accepted "
                         f"is {largest_mb:,.1f} MB (split it into smaller files)")
    if unpacked > MAX_XLSX_RATIO * len(data):
        raise TableError(f"the workbook unpacks to {unpacked / len(data):,.0f} times its size, far more than "
                         f"spreadsheet exports do; the largest accepted is {MAX_XLSX_RATIO} times its size")
    if held > MAX_XLSX_HELD_BYTES:
        raise TableError(f"the workbook's shared strings and other parts outside its sheets unpack to "
                         f"{held / (1024 * 1024):,.1f} MB; the largest accepted is "
                         f"{MAX_XLSX_HELD_BYTES / (1024 * 1024):,.1f} MB (split it into smaller files)")


def _xlsx_grid(data: bytes, *, limits: ImportLimits, first_rows: int | None,
               header_row: int | None) -> pd.DataFrame:
    """Return the cells of the workbook's first sheet as rows of strings,
    read one row at a time, padded to the widest row."""
    _check_archive(data)
    try:
        reader = _WorkbookReader(io.BytesIO(data), read_only=True, data_only=False)
        reader.read()
        workbook = reader.wb
    # openpyxl raises many exception types on damaged or foreign zip files.
    except Exception:  # noqa: BLE001
        raise TableError("the file is not a table: it is not a readable XLSX workbook") from None
    try:
        values = _sheet_values(workbook.worksheets[0])
        rows = (_trimmed([_cell_text(value) for value in row]) for row in values)
        grid = _collect(_within_limits(rows, limits), first_rows=first_rows, header_row=header_row)
    except TableError:
        raise
    except Exception:  # noqa: BLE001
        raise TableError("the file is not a table: it is not a readable XLSX workbook") from None
    finally:
        workbook.close()
    return grid


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only worksheet that does not look for its stated dimensions:
    openpyxl's read-only worksheet parses its whole sheet for them when the
    sheet states none (as openpyxl's own files do not), and reading does not
    use them, since they are often wrong."""

    def _get_size(self) -> None:
        """Leave the dimensions unknown, as ``reset_dimensions`` does."""


class _WorkbookReader(ExcelReader):
    """openpyxl's workbook reader, read-only, making each worksheet an ``_UnsizedSheet``."""

    def read_worksheets(self) -> None:
        """Add the workbook's worksheets and chart sheets, in order, as openpyxl's read-only reader does."""
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            # openpyxl reads a worksheet's relationships even when read-only, so a damaged one is refused.
            rels_path = get_rels_path(rel.target)
            if rels_path in self.valid_files:
                get_dependents(self.archive, rels_path)
            worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


class _SheetParser(WorkSheetParser):
    """openpyxl's worksheet parser, with a quicker path for a cell holding
    plain inline text (how openpyxl and many export tools write text): the
    general path builds a rich-text object for each such cell, which took
    most of the time of reading a large sheet."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        """Return the cell as openpyxl's parser does: its row, column (1-based), value, type and style."""
        if element.get("t") != "inlineStr" or len(element) != 1:
            return super().parse_cell(element)
        inline = element[0]
        if inline.tag != INLINE_STRING or len(inline) != 1 or inline[0].tag != _TEXT_TAG:
            return super().parse_cell(element)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        style_id = element.get("s", 0)
        return {"row": row, "column": column, "value": inline[0].text or "", "data_type": "s",
                "style_id": int(style_id) if style_id else style_id}


def _sheet_values(sheet: ReadOnlyWorksheet) -> Iterator[list[Any]]:
    """Yield the values of each row of a read-only ``sheet`` from row 1, up
    to its last cell, as openpyxl's ``iter_rows(values_only=True)`` does
    for a sheet whose dimensions are reset: a row missing from the file is
    an empty list, a missing cell None."""
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = _SheetParser(source, sheet._shared_strings, data_only=workbook.data_only,
                              epoch=workbook.epoch, date_formats=workbook._date_formats,
                              timedelta_formats=workbook._timedelta_formats)
        expected = 1
        for number, cells in parser.parse():
            while expected < number:
                expected += 1
                yield []
            # openpyxl skips a row numbered at or below one already read.
            if expected > number:
                continue
            expected += 1
            width = cells[-1]["column"] if cells else 0
            values: list[Any] = [None] * width
            for cell in cells:
                if cell["column"] <= width:
                    values[cell["column"] - 1] = cell["value"]
            yield values


def _trimmed(cells: list[str]) -> list[str]:
    """Return ``cells`` without trailing empty ones: formatted but empty
    cells to the right of a row are not columns of the table."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _filled(grid: pd.DataFrame) -> pd.DataFrame:
    """Return a boolean frame: True where a cell holds more than whitespace."""
    return pd.DataFrame({c: (grid[c].str.strip() != "").to_numpy() for c in grid.columns}, index=grid.index)


def _widths(grid: pd.DataFrame) -> list[int]:
    """Return, for each row, the position of its last non-blank cell (0 when blank)."""
    widths = np.zeros(len(grid), dtype=np.int64)
    for position, (_, filled) in enumerate(_filled(grid).items(), start=1):
        widths[filled.to_numpy()] = position
    return widths.tolist()


def _find_header(widths: Sequence[int]) -> int | None:
    """Return the index of the first non-blank row at least as wide as every
    row after it, or None when every row is blank."""
    header = None
    widest_below = 0
    for index in range(len(widths) - 1, -1, -1):
        if widths[index] and widths[index] >= widest_below:
            header = index
        widest_below = max(widest_below, widths[index])
    return header


def _frame(grid: pd.DataFrame, header_index: int) -> pd.DataFrame:
    header = [str(cell).strip() for cell in grid.iloc[header_index]]
    body = grid.iloc[header_index + 1:]
    body.index = pd.RangeIndex(header_index + 2, header_index + 2 + len(body))
    filled = _filled(body)
    body = body[filled.any(axis=1)]
    keep = [i for i, name in enumerate(header) if name or filled[i].any()]
    body = body[keep]
    body.columns = [header[i] for i in keep]
    body.attrs["header_row"] = header_index + 1
    return body


# --- step 2: checking and normalising ---------------------------------------------


@dataclass(frozen=True)
class _Reference:
    """The reference tables as lookups, read once per import."""

    regions: dict[str, str]
    training_regions: dict[str, str]
    stages: dict[str, str]
    event_types: dict[str, str]
    measures: dict[str, str]
    measure_category: dict[str, str]
    categories: frozenset[str]
    indicators: dict[str, str]

    @classmethod
    def load(cls, conn: Connection) -> _Reference:
        region_rows = conn.execute(
            select(models.Region.code, models.Region.name, models.Region.is_training_region)).all()
        stage_rows = conn.execute(select(models.Stage.code, models.Stage.label)).all()
        type_rows = conn.execute(select(models.EventType.code, models.EventType.label)).all()
        measure_rows = conn.execute(select(models.OutcomeMeasure.code, models.OutcomeMeasure.label,
                                           models.OutcomeMeasure.category)).all()
        indicator_codes = conn.execute(select(models.MwresIndicator.code)).scalars().all()
        return cls(
            regions=normalise.region_lookup([(c, n) for c, n, _ in region_rows], reference.REGION_ALIASES),
            training_regions=normalise.region_lookup([(c, n) for c, n, t in region_rows if t],
                                                     reference.REGION_ALIASES),
            stages=normalise.stage_lookup(stage_rows),
            event_types=normalise.label_lookup(type_rows),
            measures=normalise.label_lookup([(c, label) for c, label, _ in measure_rows]),
            measure_category={c: cat for c, _, cat in measure_rows},
            categories=frozenset(cat for _, _, cat in measure_rows),
            indicators={code.lower(): code for code in indicator_codes},
        )


class _Problems:
    """Row-level problems, listed in row order then column order."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, str]] = []

    def add_rows(self, rows: Iterable[int], order: int, label: str, shown: Iterable[str],
                 reasons: Iterable[str]) -> None:
        for row, value, reason in zip(rows, shown, reasons, strict=True):
            self._items.append((int(row), order, f"row {row}, column {label}: '{value}' — {reason}"))

    def messages(self) -> list[str]:
        return [message for _, _, message in sorted(self._items, key=lambda item: item[:2])]


def _shown(value: str, *, is_email: bool) -> str:
    value = value.strip()
    if is_email and value:
        return normalise.mask_email(value)
    return value if len(value) <= SHOWN_VALUE_CHARS else value[:SHOWN_VALUE_CHARS] + "…"


def _parse_unique(raw: pd.Series, parse: Callable[[str], Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return (values, reasons) for each cell of ``raw``, parsing each distinct
    value once. A reason is None where the value parsed."""
    codes, uniques = pd.factorize(raw)
    values = np.empty(len(uniques), dtype=object)
    reasons = np.empty(len(uniques), dtype=object)
    for i, cell in enumerate(uniques):
        try:
            values[i] = parse(cell)
        except ValueError as exc:
            reasons[i] = str(exc)
    return values[codes], reasons[codes]


def _required(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse_required(text: str) -> Any:
        if normalise.is_blank(text):
            raise ValueError("a value is required")
        return parse(text)
    return parse_required


def _optional(parse: Callable[[str], Any], default: Any = None) -> Callable[[str], Any]:
    def parse_optional(text: str) -> Any:
        return default if normalise.is_blank(text) else parse(text)
    return parse_optional


def _text(max_length: int, *, collapse: bool = False) -> Callable[[str], str]:
    def parse_text(text: str) -> str:
        value = normalise.collapse_spaces(text) if collapse else text.strip()
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        return value
    return parse_text


def _choice(options: Iterable[str], what: str) -> Callable[[str], str]:
    allowed = tuple(options)

    def parse_choice(text: str) -> str:
        token = normalise.code_token(text)
        if token not in allowed:
            raise ValueError(f"unknown {what} (use {', '.join(allowed[:-1])} or {allowed[-1]})")
        return token
    return parse_choice


def _lookup(table: Mapping[str, str], token: Callable[[str], str], reason: str) -> Callable[[str], str]:
    def parse_lookup(text: str) -> str:
        code = table.get(token(text))
        if code is None:
            raise ValueError(reason)
        return code
    return parse_lookup


def _length(column: Any) -> int:
    return column.type.length


class _Preparation:
    """Parses one table for one kind, collecting problems as it goes."""

    def __init__(self, table: pd.DataFrame, sources: dict[str, tuple[str, int, pd.Series]]) -> None:
        self.table = table
        self.sources = sources
        self.problems = _Problems()
        self.values: dict[str, pd.Series] = {}

    def raw(self, name: str) -> pd.Series:
        if name in self.sources:
            return self.sources[name][2]
        return pd.Series("", index=self.table.index, dtype=object)

    def label(self, name: str) -> str:
        return self.sources[name][0] if name in self.sources else name

    def order(self, name: str) -> int:
        return self.sources[name][1] if name in self.sources else 10_000

    def parse(self, name: str, parse: Callable[[str], Any], *, store_as: str | None = None) -> pd.Series:
        """Parse field ``name`` (stored under ``store_as`` if given), report the
        cells that fail, and return the parsed values (None where they failed)."""
        raw = self.raw(name)
        values, reasons = _parse_unique(raw, parse)
        bad = pd.notna(reasons)
        if bad.any():
            self.report(name, bad, reasons[bad])
        parsed = pd.Series(values, index=self.table.index, dtype=object)
        self.values[store_as or name] = parsed
        return parsed

    def report(self, name: str, mask: np.ndarray, reasons: Iterable[str]) -> None:
        raw = self.raw(name)[mask]
        self.problems.add_rows(raw.index, self.order(name), self.label(name),
                               (_shown(v, is_email=name == "email") for v in raw), reasons)


def _existing_event_keys(engine: Engine, raw: pd.Series) -> set[str]:
    wanted = sorted({v.strip() for v in raw.unique() if v.strip()})
    found: set[str] = set()
    with engine.connect() as conn:
        for chunk in _chunks(wanted, IN_CHUNK):
            found.update(conn.execute(
                select(models.Event.event_key).where(models.Event.event_key.in_(chunk))).scalars())
    return found


def prepare(engine: Engine, *, kind: str, table: pd.DataFrame, key: bytes,
            column_map: Mapping[str, str] | None = None,
            fixed_values: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Check and normalise ``table`` (from ``read_table``) as rows of ``kind``.

    ``column_map`` maps the file's column names to contract fields (matched
    like contract names: case-insensitive, spaces as underscores);
    ``fixed_values`` gives a field the same text in every row.

    Returns (rows, problems, notices). ``rows`` has a ``row`` column (the
    spreadsheet row number) and one column per normalised field: codes for
    reference values, ``datetime.date`` for dates, ``pseudonym`` in place of
    any email. It is only complete when ``problems`` is empty. Reads the
    database; never writes.
    """
    if kind not in KINDS:
        return pd.DataFrame(), [f"unknown kind '{kind}' (use one of: {', '.join(KINDS)})"], []
    required, optional = FIELDS[kind]
    fields = required + optional
    header_row = table.attrs.get("header_row", 1)
    problems: list[str] = []
    notices: list[str] = []
    if header_row > 1:
        found_by = table.attrs.get("header_found_by", "the first row at least as wide as every row below it")
        notices.append(f"The table's header was taken from row {header_row} ({found_by}); the rows above it "
                       f"were skipped.")

    wanted = {}
    for source, target in (column_map or {}).items():
        if target not in fields:
            problems.append(f"column map: '{source}' maps to '{target}', which is not one of the {kind} "
                            f"fields ({', '.join(fields)})")
        wanted[normalise.header_key(source)] = target
    sources: dict[str, tuple[str, int, pd.Series]] = {}
    ignored: list[str] = []
    matched_keys = set()
    for position, header in enumerate(table.columns):
        name = normalise.header_key(header)
        target = wanted.get(name, name if name in fields else None)
        if target is None:
            ignored.append(header or f"column {position + 1} (no header)")
            continue
        matched_keys.add(name)
        if target in sources:
            problems.append(f"row {header_row}, column {header}: '{header}' — a second column for "
                            f"{target} (the first is {sources[target][0]})")
            continue
        sources[target] = (header, position, table.iloc[:, position])
    for source in column_map or {}:
        if normalise.header_key(source) not in matched_keys:
            notices.append(f"The column map names '{source}', which is not in the file.")
    for target, value in (fixed_values or {}).items():
        if target not in fields:
            problems.append(f"fixed value: '{target}' is not one of the {kind} fields ({', '.join(fields)})")
        elif target in sources:
            problems.append(f"fixed value: {target} is also given by column {sources[target][0]}")
        else:
            sources[target] = (f"{target} (fixed value)", len(table.columns),
                               pd.Series(str(value), index=table.index, dtype=object))
    for name in required:
        if name not in sources:
            problems.append(f"row {header_row}, column {name}: '' — required column is missing")
    if ignored:
        notices.append(f"Ignored columns that are not {kind} fields: {', '.join(ignored)}.")
    if problems:
        return pd.DataFrame(), problems, notices
    if table.empty:
        return pd.DataFrame(), ["the file has a header row but no data rows"], notices

    with engine.connect() as conn:
        ref = _Reference.load(conn)
    work = _Preparation(table, sources)
    _PARSERS[kind](work, ref, key, engine)
    rows = pd.DataFrame({"row": table.index.to_numpy()}, index=table.index)
    for name, values in work.values.items():
        rows[name] = values
    if kind == "feedback":
        maybes = int(work.raw("would_recommend").map(normalise.is_maybe).sum())
        if maybes:
            answers, were = (("1 “Maybe” answer", "was") if maybes == 1
                             else (f"{maybes} “Maybe” answers", "were"))
            notices.append(f"{answers} to would_recommend {were} stored as not recommending: only a "
                           f"definite yes counts as a recommendation.")
    rows = _derive(kind, rows)
    rows, duplicate_notice = _check_duplicates(kind, rows, work)
    if duplicate_notice:
        notices.append(duplicate_notice)
    return rows.reset_index(drop=True), work.problems.messages(), notices


def _pseudonym_parser(key: bytes, *, optional: bool) -> Callable[[str], str | None]:
    def parse(text: str) -> str | None:
        if optional and (normalise.is_blank(text) or text.strip().lower() == ANONYMOUS):
            return None
        if normalise.is_blank(text):
            raise ValueError("a value is required")
        return pseudonymise(normalise.parse_email(text), key=key)
    return parse


def _event_ref_parser(engine: Engine, work: _Preparation) -> Callable[[str], str]:
    existing = _existing_event_keys(engine, work.raw("event_id"))

    def parse(text: str) -> str:
        event_key = text.strip()
        if event_key not in existing:
            raise ValueError("no such event (import it in an events file first)")
        return event_key
    return _required(parse)


def _label_token(text: str) -> str:
    return normalise.collapse_spaces(text).lower()


def _region_parser(ref: _Reference) -> Callable[[str], str]:
    return _optional(_lookup(ref.regions, normalise.region_token, "unknown region"), "UNK")


def _stage_parser(ref: _Reference) -> Callable[[str], str]:
    return _optional(lambda text: normalise.lookup_stage(text, ref.stages), "unknown")


def _pairwise(first: pd.Series, second: pd.Series, test: Callable[[Any, Any], bool]) -> np.ndarray:
    """Return a mask: ``test`` on the two values where both parsed, else False."""
    both = (first.notna() & second.notna()).to_numpy()
    result = np.zeros(len(first), dtype=bool)
    result[both] = [test(a, b) for a, b in zip(first[both], second[both], strict=True)]
    return result


def _parse_events(work: _Preparation, ref: _Reference, _key: bytes, _engine: Engine) -> None:
    event = models.Event.__table__.c
    work.parse("event_id", _required(_text(_length(event.event_key))))
    work.parse("title", _required(_text(_length(event.title))))
    work.parse("event_type", _required(_lookup(ref.event_types, _label_token, "unknown event type")))
    work.parse("date", _required(normalise.parse_date))
    work.parse("delivery", _optional(_choice(DELIVERIES, "delivery"), "virtual"))

    def host_region(text: str) -> str | None:
        if normalise.region_token(text) == NATIONAL:
            return None
        code = ref.training_regions.get(normalise.region_token(text))
        if code is None:
            raise ValueError("unknown region (use one of the 19 training regions or National)")
        return code
    work.parse("host_region", _optional(host_region))

    def indicators(text: str) -> tuple[str, ...]:
        codes = set()
        for part in text.split(";"):
            if not part.strip():
                continue
            code = ref.indicators.get(part.strip().lower())
            if code is None:
                raise ValueError(f"unknown MWRES indicator '{part.strip()}'")
            codes.add(code)
        return tuple(sorted(codes))
    work.parse("mwres_indicators", _optional(indicators, ()))
    work.parse("capacity", _optional(normalise.parse_whole_number))


def _parse_attendance(work: _Preparation, ref: _Reference, key: bytes, engine: Engine) -> None:
    work.parse("event_id", _event_ref_parser(engine, work))
    work.parse("email", _pseudonym_parser(key, optional=False), store_as="pseudonym")
    work.parse("attended", _required(normalise.parse_yes_no))
    work.parse("region", _region_parser(ref))
    work.parse("stage", _stage_parser(ref))


def _parse_feedback(work: _Preparation, ref: _Reference, key: bytes, engine: Engine) -> None:
    work.parse("event_id", _event_ref_parser(engine, work))
    work.parse("rating", _required(normalise.parse_rating))
    work.parse("response_id", _optional(str.strip))
    work.parse("submitted", _optional(normalise.parse_date))
    work.parse("email", _pseudonym_parser(key, optional=True), store_as="pseudonym")
    work.parse("region", _region_parser(ref))
    work.parse("stage", _stage_parser(ref))
    work.parse("would_recommend", _optional(normalise.parse_recommend))
    work.parse("comments", _optional(str.strip))


def _parse_reps(work: _Preparation, ref: _Reference, _key: bytes, engine: Engine) -> None:
    rep = models.Rep.__table__.c
    name = work.parse("name", _required(_text(_length(rep.name), collapse=True)))
    region = work.parse("region", _required(_lookup(ref.training_regions, normalise.region_token,
                                                    "not one of the 19 training regions")))
    start = work.parse("start_date", _required(normalise.parse_date))
    work.parse("role", _optional(_choice(ROLES, "role"), "rep"))
    end = work.parse("end_date", _optional(normalise.parse_date))
    before = _pairwise(start, end, lambda s, e: e < s)
    if before.any():
        work.report("end_date", before,
                    [f"end date is before the start date ({s.isoformat()})" for s in start[before]])
    complete = (name.notna() & region.notna() & start.notna()).to_numpy() & ~before
    overlaps = _overlapping_appointments(engine, name[complete], region[complete], start[complete],
                                         end[complete])
    if overlaps:
        mask = work.table.index.isin(list(overlaps))
        work.report("start_date", mask, [overlaps[row] for row in work.table.index[mask]])


def _overlapping_appointments(engine: Engine, names: pd.Series, regions: pd.Series, starts: pd.Series,
                              ends: pd.Series) -> dict[Any, str]:
    """Return {row: reason} for each appointment that shares days (end dates
    included, no end date meaning still serving) with another appointment of
    the same name in the same region, in the file or already recorded (a
    recorded one with the same name, region and start date is the row being
    replaced)."""
    appointments: dict[tuple[str, str], list[tuple[dt.date, dt.date | None, str, Any]]] = {}
    file_keys = set()
    for row, name, region, start, end in zip(names.index, names, regions, starts, ends, strict=True):
        appointments.setdefault((name, region), []).append((start, end, f"row {row}", row))
        file_keys.add((name, region, start))
    reps, regions_t = models.Rep.__table__, models.Region.__table__
    wanted = sorted({name for name, _ in appointments})
    with engine.connect() as conn:
        for chunk in _chunks(wanted, IN_CHUNK):
            for name, region, start, end in conn.execute(
                    select(reps.c.name, regions_t.c.code, reps.c.start_date, reps.c.end_date)
                    .join(regions_t, regions_t.c.id == reps.c.region_id).where(reps.c.name.in_(chunk))):
                if (name, region) in appointments and (name, region, start) not in file_keys:
                    appointments[(name, region)].append((start, end, "already recorded", None))
    reasons: dict[Any, str] = {}
    for group in appointments.values():
        for start, end, _, row in group:
            if row is None:
                continue
            for other_start, other_end, where, other_row in group:
                # Two rows with one start date share a key: the duplicate check reports them.
                if other_row is not None and other_start == start:
                    continue
                if start <= (other_end or dt.date.max) and other_start <= (end or dt.date.max):
                    until = other_end.isoformat() if other_end else "no end date"
                    reasons[row] = (f"dates overlap another appointment of this rep in this region "
                                    f"({other_start.isoformat()} to {until}, {where})")
                    break
    return reasons


def _parse_outcomes(work: _Preparation, ref: _Reference, key: bytes, _engine: Engine) -> None:
    work.parse("email", _pseudonym_parser(key, optional=False), store_as="pseudonym")
    category = work.parse("category", _required(_choice(sorted(ref.categories), "category")))
    measure = work.parse("measure", _required(_lookup(ref.measures, _label_token, "unknown measure")))
    work.parse("date", _required(normalise.parse_date))
    mismatch = _pairwise(category, measure, lambda c, m: ref.measure_category[m] != c)
    if mismatch.any():
        work.report("category", mismatch,
                    [f"does not match measure {m}, which is {ref.measure_category[m]}"
                     for m in measure[mismatch]])

    raw_result = work.raw("result")
    pairs = pd.Series(list(zip(category.where(category.notna(), ""), raw_result, strict=True)),
                      index=raw_result.index, dtype=object)

    def result(pair: tuple[str, str]) -> str | None:
        category_code, text = pair
        if normalise.is_blank(text):
            raise ValueError("a value is required")
        if not category_code:
            return None
        allowed = reference.RESULTS_BY_CATEGORY[category_code]
        value = text.strip() if category_code == "arcp" else normalise.code_token(text)
        if value not in allowed:
            raise ValueError(f"not a result for {category_code} (use {', '.join(sorted(allowed))})")
        return value
    values, reasons = _parse_unique(pairs, result)
    bad = pd.notna(reasons)
    if bad.any():
        work.report("result", bad, reasons[bad])
    work.values["result"] = pd.Series(values, index=raw_result.index, dtype=object)
    work.parse("region", _region_parser(ref))
    work.parse("stage", _stage_parser(ref))


def _web_address(max_length: int) -> Callable[[str], str]:
    """Return a parser that accepts one http or https address of at most ``max_length`` characters."""
    def parse_web_address(text: str) -> str:
        value = text.strip()
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        parts = urlsplit(value)
        has_space = any(character.isspace() for character in value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or has_space:
            raise ValueError("not a web address (use one starting https:// or http://)")
        return value
    return parse_web_address


def _parse_benchmarks(work: _Preparation, ref: _Reference, _key: bytes, _engine: Engine) -> None:
    benchmark = models.Benchmark.__table__.c
    work.parse("year", _required(lambda t: normalise.parse_whole_number(
        t, minimum=FIRST_BENCHMARK_YEAR, maximum=LAST_BENCHMARK_YEAR)))
    work.parse("measure", _required(_lookup(ref.measures, _label_token, "unknown measure")))
    work.parse("group", _required(_text(_length(benchmark.group_label), collapse=True)))
    numerator = work.parse("numerator", _required(normalise.parse_whole_number))
    denominator = work.parse("denominator", _required(normalise.parse_whole_number))
    work.parse("source", _required(_text(_length(benchmark.source), collapse=True)))
    work.parse("source_url", _optional(_web_address(_length(benchmark.source_url))))
    larger = _pairwise(numerator, denominator, lambda n, d: n > d)
    if larger.any():
        work.report("numerator", larger,
                    [f"larger than the denominator ({d})" for d in denominator[larger]])


_PARSERS: dict[str, Callable[[_Preparation, _Reference, bytes, Engine], None]] = {
    "events": _parse_events,
    "attendance": _parse_attendance,
    "feedback": _parse_feedback,
    "reps": _parse_reps,
    "outcomes": _parse_outcomes,
    "benchmarks": _parse_benchmarks,
}


def _sha(parts: Iterable[Any]) -> str:
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _derive(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Add the columns computed from several fields: the feedback key and the
    outcome flag."""
    if kind == "outcomes":
        rows["flag"] = [
            reference.outcome_flag(c, r) if c is not None and r is not None else None
            for c, r in zip(rows["category"], rows["result"], strict=True)
        ]
    if kind == "feedback":
        hashed = ["event_id", "rating", "submitted", "pseudonym", "region", "stage", "would_recommend",
                  "comments"]
        occurrence = rows.groupby(hashed, dropna=False, sort=False).cumcount()
        rows["response_key"] = [
            "r:" + _sha((event, response)) if response is not None else "h:" + _sha((*values, n))
            for event, response, n, *values in zip(
                rows["event_id"], rows["response_id"], occurrence, *(rows[c] for c in hashed), strict=True)
        ]
    return rows


def _check_duplicates(kind: str, rows: pd.DataFrame, work: _Preparation) -> tuple[pd.DataFrame, str | None]:
    """Refuse a key repeated with different values; drop exact repeats.
    Returns the rows kept and a notice about the dropped ones (or None)."""
    key_columns, shown_field, described = KEYS[kind]
    valid = rows[list(key_columns)].notna().all(axis=1)
    candidates = rows[valid]
    repeated = candidates.duplicated(subset=list(key_columns), keep="first")
    if not repeated.any():
        return rows, None
    value_columns = [c for c in rows.columns if c != "row"]
    identical = candidates.duplicated(subset=value_columns, keep="first")
    first_row = candidates.groupby(list(key_columns), sort=False)["row"].transform("first")
    conflicts = repeated & ~identical
    if conflicts.any():
        conflict_rows = candidates.loc[conflicts, "row"]
        raw = work.raw(shown_field)
        work.problems.add_rows(
            conflict_rows, work.order(shown_field), work.label(shown_field),
            (_shown(raw[r], is_email=shown_field == "email") for r in conflict_rows),
            (f"same {described} as row {first} but different values" for first in first_row[conflicts]),
        )
    dropped = candidates.loc[repeated & identical, "row"].tolist()
    if not dropped:
        return rows, None
    shown = ", ".join(str(r) for r in dropped[:SHOWN_ROW_NUMBERS])
    if len(dropped) > SHOWN_ROW_NUMBERS:
        shown += ", …"
    count = "1 row repeats" if len(dropped) == 1 else f"{len(dropped)} rows repeat"
    notice = (f"{count} an earlier row exactly (same {described}, same values); each was imported once. "
              f"Rows: {shown}.")
    return rows[~rows["row"].isin(dropped)], notice


# --- step 3: writing -----------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """A table as the writer sees it: natural key, compared values, the column
    used to fetch candidate existing rows in bulk and, for events, the link
    table (with its column naming the row and the column naming the linked
    id) whose set of ids per row is compared as ``MWRES_IDS``."""

    table: Table
    key: tuple[str, ...]
    values: tuple[str, ...]
    fetch_by: str
    links: tuple[Table, str, str] | None = None


MWRES_IDS = "mwres_indicator_ids"
_TARGETS: dict[str, _Target] = {
    "events": _Target(models.Event.__table__, ("event_key",),
                      ("title", "event_type_id", "date", "delivery", "host_region_id", "capacity"),
                      "event_key", (models.event_mwres, "event_id", "indicator_id")),
    "attendance": _Target(models.Attendance.__table__, ("event_id", "participant_id"),
                          ("attended", "region_id", "stage_id"), "event_id"),
    "feedback": _Target(models.Feedback.__table__, ("response_key",),
                        ("event_id", "rating", "submitted", "participant_id", "region_id", "stage_id",
                         "would_recommend", "comments"), "response_key"),
    "reps": _Target(models.Rep.__table__, ("name", "region_id", "start_date"), ("role", "end_date"), "name"),
    "outcomes": _Target(models.Outcome.__table__, ("participant_id", "measure_id", "date"),
                        ("result", "flag", "region_id", "stage_id"), "participant_id"),
    "benchmarks": _Target(models.Benchmark.__table__, ("year", "measure_id", "group_label", "source"),
                          ("numerator", "denominator", "source_url"), "year"),
}
_PARTICIPANTS = _Target(models.Participant.__table__, ("pseudonym",), (), "pseudonym")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _ids(conn: Connection, table: Any, column: str) -> dict[Any, int]:
    return dict(conn.execute(select(table.c[column], table.c.id)).all())


def _ids_for(conn: Connection, table: Table, column: str, values: Iterable[Any]) -> dict[Any, int]:
    """Return {value: id} for the rows of ``table`` whose ``column`` is one of ``values``."""
    wanted = list(values)
    if conn.dialect.name == "postgresql":
        # One array parameter: a national file names 100,000 participants,
        # which would be over a hundred round trips in IN-list chunks.
        column_type = table.c[column].type
        query = select(table.c[column], table.c.id).where(
            table.c[column] == any_(bindparam("wanted", wanted, type_=ARRAY(column_type))))
        return dict(conn.execute(query).all())
    found: dict[Any, int] = {}
    for chunk in _chunks(wanted, IN_CHUNK):
        query = select(table.c[column], table.c.id).where(table.c[column].in_(chunk))
        found.update(conn.execute(query).all())
    return found


def _db_column(conn: Connection, table: Table, name: str, values: pd.Series) -> list[Any]:
    """Return a column's values as DB-API parameters: native Python values,
    with dates as ISO text on SQLite (whose driver adapter is deprecated)."""
    out = values.astype(object).where(values.notna(), None).tolist()
    if values.dtype.kind in "fO" and isinstance(table.c[name].type, Integer):
        # Whole numbers with gaps arrive as floats; COPY's text format
        # refuses "1.0" for an integer column.
        out = [int(v) if isinstance(v, float) else v for v in out]
    if conn.dialect.name == "sqlite" and isinstance(table.c[name].type, Date):
        return [v.isoformat() if v is not None else None for v in out]
    return out


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _copy_rows(conn: Connection, table_name: str, columns: Sequence[str], data: Sequence[list[Any]]) -> None:
    """Stream rows into ``table_name`` with PostgreSQL's COPY FROM STDIN, in
    the connection's current transaction. ``data`` holds one list of native
    values per column; psycopg escapes every value. A refused row raises
    SQLAlchemy's ``DBAPIError`` subclass for the driver's error."""
    names = ", ".join(_quote(conn, c) for c in columns)
    statement = f"COPY {_quote(conn, table_name)} ({names}) FROM STDIN"
    driver_error = conn.dialect.loaded_dbapi.Error
    try:
        with conn.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in zip(*data, strict=True):
                copy.write_row(row)
    except driver_error as exc:
        # Raised as SQLAlchemy raises a failed statement (IntegrityError,
        # DataError, ...), which is what import_file turns into a refusal.
        raise DBAPIError.instance(statement, None, exc, driver_error, dialect=conn.dialect) from exc


def _insert_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Insert every row of ``frame`` (columns named as in ``table``): COPY on
    PostgreSQL, the driver's executemany in chunks elsewhere."""
    if frame.empty:
        return
    columns = list(frame.columns)
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table.name, columns, [_db_column(conn, table, c, frame[c]) for c in columns])
        return
    marks = ", ".join([_placeholder(conn)] * len(columns))
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    for start in range(0, len(frame), WRITE_CHUNK):
        part = frame.iloc[start:start + WRITE_CHUNK]
        conn.exec_driver_sql(statement, list(zip(*(_db_column(conn, table, c, part[c]) for c in columns))))


def _update_frame(conn: Connection, table: Table, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    if frame.empty:
        return
    mark = _placeholder(conn)
    statement = (f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in columns)} "
                 f"WHERE id = {mark}")
    for start in range(0, len(frame), WRITE_CHUNK):
        part = frame.iloc[start:start + WRITE_CHUNK]
        data = [_db_column(conn, table, c, part[c]) for c in columns] + [part["id"].astype(int).tolist()]
        conn.exec_driver_sql(statement, list(zip(*data)))


def _fetch_existing(conn: Connection, target: _Target, new: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of ``target`` that may share a key with ``new``: ``id``,
    key and value columns, and ``MWRES_IDS`` (sorted tuples) for a target with links."""
    table = target.table
    columns = ["id", *target.key, *target.values]
    wanted = new[target.fetch_by].drop_duplicates().tolist()
    found: list[Any] = []
    for chunk in _chunks(wanted, IN_CHUNK):
        found.extend(conn.execute(select(*(table.c[c] for c in columns))
                                  .where(table.c[target.fetch_by].in_(chunk))).all())
    existing = pd.DataFrame([tuple(r) for r in found], columns=columns, dtype=object)
    if target.links is not None:
        links, owner, member = target.links
        current: dict[int, list[int]] = {}
        for chunk in _chunks(existing["id"].tolist(), IN_CHUNK):
            for owner_id, member_id in conn.execute(
                    select(links.c[owner], links.c[member]).where(links.c[owner].in_(chunk))):
                current.setdefault(owner_id, []).append(member_id)
        existing[MWRES_IDS] = [tuple(sorted(current.get(i, []))) for i in existing["id"]]
    return existing


def _differs(new: pd.Series, old: pd.Series) -> np.ndarray:
    return np.array([not (a == b or (_missing(a) and _missing(b))) for a, b in zip(new, old, strict=True)],
                    dtype=bool)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return None if _missing(value) else value


def _compared(target: _Target) -> tuple[str, ...]:
    """Return the columns whose change makes a row with a known key "updated"."""
    return (*target.values, MWRES_IDS) if target.links is not None else target.values


def _classify(target: _Target, new: pd.DataFrame, existing: pd.DataFrame,
              compared: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (rows to insert, rows to update with ``id`` and ``*_old``
    columns, unchanged rows)."""
    if existing.empty:
        nothing = new.iloc[0:0].assign(id=pd.Series(dtype=object))
        return new, nothing, nothing
    keys = list(target.key)
    left = new.copy()
    for column in keys:
        left[column] = left[column].astype(object)
        existing[column] = existing[column].astype(object)
    merged = left.merge(existing, on=keys, how="left", suffixes=("", "_old"), indicator=True)
    found = (merged["_merge"] == "both").to_numpy()
    matched = merged[found]
    changed = np.zeros(len(matched), dtype=bool)
    for column in compared:
        changed |= _differs(matched[column], matched[f"{column}_old"])
    return new[~found], matched[changed], matched[~changed]


def _upsert(conn: Connection, target: _Target, new: pd.DataFrame, batch_id: int) -> tuple[int, int, int]:
    """Insert new keys and update changed rows of ``target`` (and, for a
    target with links, set each row's links to ``new[MWRES_IDS]``), recording
    the previous values of each updated row. Returns the counts of rows
    inserted, updated and unchanged."""
    if conn.dialect.name == "postgresql":
        counts = _upsert_staged(conn, target, new, batch_id)
    else:
        counts = _upsert_frames(conn, target, new, batch_id)
    if target.links is not None:
        _replace_links(conn, target, new)
    return counts


def _upsert_frames(conn: Connection, target: _Target, new: pd.DataFrame,
                   batch_id: int) -> tuple[int, int, int]:
    """``_upsert`` for SQLite: classify in pandas against the fetched rows,
    then write with executemany."""
    compared = _compared(target)
    to_insert, to_update, unchanged = _classify(target, new, _fetch_existing(conn, target, new), compared)
    # In key order, the unique index (and indexes led by its first column)
    # grow at one end instead of being written all over: several times faster.
    ordered = to_insert[[*target.key, *target.values]].sort_values(list(target.key))
    _insert_frame(conn, target.table, ordered.assign(batch_id=batch_id))
    _update_frame(conn, target.table, to_update, target.values)
    changes = [
        {"batch_id": batch_id, "table_name": target.table.name, "row_id": int(row["id"]),
         "previous": {c: _json_value(row[f"{c}_old"]) for c in compared}}
        for row in to_update.to_dict("records")
    ]
    for chunk in _chunks(changes, WRITE_CHUNK):
        conn.execute(insert(models.ImportChange.__table__), list(chunk))
    return len(to_insert), len(to_update), len(unchanged)


def _upsert_staged(conn: Connection, target: _Target, new: pd.DataFrame,
                   batch_id: int) -> tuple[int, int, int]:
    """``_upsert`` for PostgreSQL: COPY ``new`` into a temporary staging table
    (dropped at commit, so once per table and transaction), then classify and
    write with set-based statements.

    Same rules as ``_classify``: a row is updated when a compared value IS
    DISTINCT FROM the stored one (NULL equals NULL), and its previous values
    go to ``import_change`` as JSON (dates as ISO text, like ``_json_value``)."""
    q = functools.partial(_quote, conn)
    table, stage = q(target.table.name), q(f"import_stage_{target.table.name}")
    staged = [*target.key, *target.values]
    links_column = ""
    current = {c: f"t.{q(c)}" for c in target.values}
    if target.links is not None:
        links, owner, member = target.links
        links_column = f", NULL::integer[] AS {q(MWRES_IDS)}"
        current[MWRES_IDS] = (f"ARRAY(SELECT l.{q(member)} FROM {q(links.name)} l "
                              f"WHERE l.{q(owner)} = t.id ORDER BY l.{q(member)})")
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "
                         f"SELECT {', '.join(map(q, staged))}{links_column} FROM {table} WITH NO DATA")
    data = [_db_column(conn, target.table, c, new[c]) for c in staged]
    if target.links is not None:
        staged.append(MWRES_IDS)
        data.append([list(ids) for ids in new[MWRES_IDS]])
    _copy_rows(conn, f"import_stage_{target.table.name}", staged, data)
    # Temporary tables are never analysed automatically; without row counts
    # the planner may pick nested loops over a million staged rows.
    conn.exec_driver_sql(f"ANALYZE {stage}")

    same_key = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in target.key)
    updated = 0
    if current:
        changed = " OR ".join(f"s.{q(c)} IS DISTINCT FROM {value}" for c, value in current.items())
        previous = ", ".join(f"'{c}', {value}" for c, value in current.items())
        conn.execute(text(
            f"INSERT INTO {q(models.ImportChange.__tablename__)} (batch_id, table_name, row_id, previous) "
            f"SELECT :batch_id, :table_name, t.id, json_build_object({previous}) "
            f"FROM {stage} s JOIN {table} t ON {same_key} WHERE {changed} ORDER BY t.id"),
            {"batch_id": batch_id, "table_name": target.table.name})
        assignments = ", ".join(f"{q(c)} = s.{q(c)}" for c in target.values)
        updated = conn.exec_driver_sql(
            f"UPDATE {table} t SET {assignments} FROM {stage} s WHERE {same_key} AND ({changed})").rowcount
    columns = ", ".join(q(c) for c in (*target.key, *target.values))
    source = ", ".join(f"s.{q(c)}" for c in (*target.key, *target.values))
    # Key order, as in _upsert_frames, keeps index insertions at one end.
    inserted = conn.execute(text(
        f"INSERT INTO {table} ({columns}, batch_id) SELECT {source}, :batch_id FROM {stage} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {same_key}) "
        f"ORDER BY {', '.join(f's.{q(c)}' for c in target.key)}"), {"batch_id": batch_id}).rowcount
    return inserted, updated, len(new) - inserted - updated


def _replace_links(conn: Connection, target: _Target, new: pd.DataFrame) -> None:
    """Set the links of every row in ``new`` to its ``MWRES_IDS``. Rows whose
    links did not change get the same links back."""
    links, owner, member = target.links
    (key,) = target.key
    ids = _ids_for(conn, target.table, key, new[key].tolist())
    owners = [ids[k] for k in new[key]]
    for chunk in _chunks(owners, IN_CHUNK):
        conn.execute(delete(links).where(links.c[owner].in_(chunk)))
    pairs = [(row_id, linked) for row_id, linked_ids in zip(owners, new[MWRES_IDS], strict=True)
             for linked in linked_ids]
    _insert_frame(conn, links, pd.DataFrame(pairs, columns=[owner, member], dtype=object))


def _participant_ids(conn: Connection, pseudonyms: pd.Series, batch_id: int) -> dict[str, int]:
    """Return participant ids for the pseudonyms, creating the missing ones."""
    wanted = pseudonyms.dropna().unique().tolist()
    _upsert(conn, _PARTICIPANTS, pd.DataFrame({"pseudonym": pd.Series(wanted, dtype=object)}), batch_id)
    return _ids_for(conn, _PARTICIPANTS.table, "pseudonym", wanted)


def _map_ids(values: pd.Series, ids: Mapping[Any, int]) -> pd.Series:
    """Return the id of each value, None where it is missing or has no id.
    Each distinct value is looked up once: Series.map converts a million
    object cells for its hash join, which costs seconds."""
    codes, uniques = pd.factorize(values)
    found = np.array([ids.get(u) for u in uniques] + [None], dtype=object)
    mapped = pd.Series(found[codes], index=values.index, dtype=object)
    # Whole columns of ids as integers, so that writing them needs no per-value check.
    return mapped.astype(np.int64) if mapped.notna().all() else mapped


def _write_events(conn: Connection, rows: pd.DataFrame, batch_id: int) -> tuple[int, int, int]:
    types = _ids(conn, models.EventType.__table__, "code")
    regions = _ids(conn, models.Region.__table__, "code")
    indicators = _ids(conn, models.MwresIndicator.__table__, "code")
    new = pd.DataFrame({
        "event_key": rows["event_id"].astype(object),
        "title": rows["title"].astype(object),
        "event_type_id": _map_ids(rows["event_type"], types),
        "date": rows["date"],
        "delivery": rows["delivery"].astype(object),
        "host_region_id": _map_ids(rows["host_region"], regions),
        "capacity": rows["capacity"],
        MWRES_IDS: [tuple(sorted(indicators[c] for c in codes)) for codes in rows["mwres_indicators"]],
    })
    return _upsert(conn, _TARGETS["events"], new, batch_id)


def _write_attendance(conn: Connection, rows: pd.DataFrame, batch_id: int) -> tuple[int, int, int]:
    people = _participant_ids(conn, rows["pseudonym"], batch_id)
    events = _ids_for(conn, models.Event.__table__, "event_key", rows["event_id"].unique().tolist())
    new = pd.DataFrame({
        "event_id": _map_ids(rows["event_id"], events),
        "participant_id": _map_ids(rows["pseudonym"], people),
        "attended": rows["attended"].astype(bool),
        "region_id": _map_ids(rows["region"], _ids(conn, models.Region.__table__, "code")),
        "stage_id": _map_ids(rows["stage"], _ids(conn, models.Stage.__table__, "code")),
    })
    return _upsert(conn, _TARGETS["attendance"], new, batch_id)


def _write_feedback(conn: Connection, rows: pd.DataFrame, batch_id: int) -> tuple[int, int, int]:
    people = _participant_ids(conn, rows["pseudonym"], batch_id)
    events = _ids_for(conn, models.Event.__table__, "event_key", rows["event_id"].unique().tolist())
    new = pd.DataFrame({
        "response_key": rows["response_key"].astype(object),
        "event_id": _map_ids(rows["event_id"], events),
        "rating": rows["rating"].astype(int),
        "submitted": rows["submitted"],
        "participant_id": _map_ids(rows["pseudonym"], people),
        "region_id": _map_ids(rows["region"], _ids(conn, models.Region.__table__, "code")),
        "stage_id": _map_ids(rows["stage"], _ids(conn, models.Stage.__table__, "code")),
        "would_recommend": rows["would_recommend"],
        "comments": rows["comments"],
    })
    return _upsert(conn, _TARGETS["feedback"], new, batch_id)


def _write_reps(conn: Connection, rows: pd.DataFrame, batch_id: int) -> tuple[int, int, int]:
    new = pd.DataFrame({
        "name": rows["name"].astype(object),
        "region_id": _map_ids(rows["region"], _ids(conn, models.Region.__table__, "code")),
        "start_date": rows["start_date"],
        "role": rows["role"].astype(object),
        "end_date": rows["end_date"],
    })
    return _upsert(conn, _TARGETS["reps"], new, batch_id)


def _write_outcomes(conn: Connection, rows: pd.DataFrame, batch_id: int) -> tuple[int, int, int]:
    people = _participant_ids(conn, rows["pseudonym"], batch_id)
    new = pd.DataFrame({
        "participant_id": _map_ids(rows["pseudonym"], people),
        "measure_id": _map_ids(rows["measure"], _ids(conn, models.OutcomeMeasure.__table__, "code")),
        "date": rows["date"],
        "result": rows["result"].astype(object),
        "flag": rows["flag"].astype(object),
        "region_id": _map_ids(rows["region"], _ids(conn, models.Region.__table__, "code")),
        "stage_id": _map_ids(rows["stage"], _ids(conn, models.Stage.__table__, "code")),
    })
    return _upsert(conn, _TARGETS["outcomes"], new, batch_id)


def _write_benchmarks(conn: Connection, rows: pd.DataFrame, batch_id: int) -> tuple[int, int, int]:
    new = pd.DataFrame({
        "year": rows["year"].astype(int),
        "measure_id": _map_ids(rows["measure"], _ids(conn, models.OutcomeMeasure.__table__, "code")),
        "group_label": rows["group"].astype(object),
        "source": rows["source"].astype(object),
        "numerator": rows["numerator"].astype(int),
        "denominator": rows["denominator"].astype(int),
        "source_url": rows["source_url"].astype(object),
    })
    return _upsert(conn, _TARGETS["benchmarks"], new, batch_id)


_WRITERS: dict[str, Callable[[Connection, pd.DataFrame, int], tuple[int, int, int]]] = {
    "events": _write_events,
    "attendance": _write_attendance,
    "feedback": _write_feedback,
    "reps": _write_reps,
    "outcomes": _write_outcomes,
    "benchmarks": _write_benchmarks,
}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _set_meta(conn: Connection, key: str, value: str) -> None:
    meta = models.AppMeta.__table__
    if conn.execute(update(meta).where(meta.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(insert(meta).values(key=key, value=value))


def bump_data_version(conn: Connection) -> int:
    """Increase app_meta ``data_version`` by one inside the caller's
    transaction (creating it as 1) and return the new version. Caches key on
    it, so every write of fact rows should call this."""
    meta = models.AppMeta.__table__
    current = conn.execute(select(meta.c.value).where(meta.c.key == "data_version")).scalar_one_or_none()
    version = int(current) + 1 if current is not None and current.isdigit() else 1
    _set_meta(conn, "data_version", str(version))
    return version


def _record_write(conn: Connection, when: dt.datetime) -> None:
    _set_meta(conn, "last_import_at", when.isoformat(timespec="seconds"))
    bump_data_version(conn)


@contextmanager
def _large_sqlite_cache(conn: Connection) -> Iterator[None]:
    """Give SQLite a bigger page cache while a big import updates its indexes,
    then restore the connection's own setting (pooled connections are reused)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = {SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def commit_rows(engine: Engine, *, kind: str, rows: pd.DataFrame, rows_read: int, file_name: str,
                sha256: str | None = None, imported_by: str | None = None,
                notices: Sequence[str] = ()) -> ImportResult:
    """Write rows from ``prepare`` (which must have reported no problems) in
    one transaction, with their import batch, and return the counts."""
    when = _utc_now()
    batch_table = models.ImportBatch.__table__
    with engine.begin() as conn, _large_sqlite_cache(conn):
        batch_id = conn.execute(insert(batch_table).values(
            kind=kind, file_name=file_name[:_length(batch_table.c.file_name)], sha256=sha256,
            imported_by=imported_by, imported_at=when.replace(tzinfo=None), is_demo=False,
            rows_read=rows_read,
        )).inserted_primary_key[0]
        inserted, updated, unchanged = _WRITERS[kind](conn, rows, batch_id)
        conn.execute(update(batch_table).where(batch_table.c.id == batch_id).values(
            rows_inserted=inserted, rows_updated=updated, rows_unchanged=unchanged))
        _record_write(conn, when)
    return ImportResult(rows_read, inserted, updated, unchanged, [], list(notices), batch_id)


def import_file(engine: Engine, *, kind: str, path: str | Path, key: bytes, imported_by: str | None = None,
                column_map: dict[str, str] | None = None, file_name: str | None = None,
                fixed_values: dict[str, str] | None = None, header_row: int | None = None,
                export_format: str | None = None, progress: ImportProgress | None = None) -> ImportResult:
    """Import one CSV or XLSX file of ``kind``, all or nothing.

    ``export_format`` None reads the file as the import contract (through
    ``column_map``); ``"auto"`` first tries every known export shape of
    ``data_access.formats``, a format name (``"zoom"``) only that one. For a
    recognised export, ``column_map`` gives the form questions chosen
    {question: field}, over those remembered for the form and found by
    wording. Returns the counts of rows read, inserted, updated and
    unchanged, or the problems that refused the file (then nothing was
    written and ``batch_id`` is None). Bad input never raises. ``progress``,
    when given, is called as reading, checking and writing start.
    """
    def report(step: str, fraction: float, rows_read: int) -> None:
        if progress is not None:
            progress(step, fraction, rows_read)

    def refused(problems: list[str], notices: Sequence[str] = (), rows_read: int = 0) -> ImportResult:
        return ImportResult(rows_read, 0, 0, 0, problems, list(notices), None)

    if kind not in KINDS:
        return refused([f"unknown kind '{kind}' (use one of: {', '.join(KINDS)})"])
    max_user = _length(models.ImportBatch.__table__.c.imported_by)
    if imported_by is not None and len(imported_by) > max_user:
        return refused([f"the importer's name is longer than {max_user} characters"])
    report("checking", READ_START, 0)
    try:
        _check_size(Path(path).stat().st_size)
        data = Path(path).read_bytes()
        table = read_table(data, header_row=header_row)
    except OSError as exc:
        return refused([f"the file could not be read: {exc.strerror or exc}"])
    except TableError as exc:
        return refused([str(exc)])
    shaped = _export_input(engine, kind=kind, table=table, export_format=export_format,
                           column_map=column_map, fixed_values=fixed_values)
    if isinstance(shaped, str):
        return refused([shaped])
    table, column_map, fixed_values, export_notices = shaped
    report("checking", CHECK_START, len(table))
    rows, problems, notices = prepare(engine, kind=kind, table=table, key=key,
                                      column_map=column_map, fixed_values=fixed_values)
    notices = export_notices + notices
    if problems:
        return refused(problems, notices, len(table))
    report("writing", WRITE_START, len(table))
    try:
        return commit_rows(engine, kind=kind, rows=rows, rows_read=len(table),
                           file_name=file_name or Path(path).name, sha256=hashlib.sha256(data).hexdigest(),
                           imported_by=imported_by, notices=notices)
    except (IntegrityError, DataError) as exc:
        return refused([f"the database refused the rows, so nothing was imported "
                        f"(was it changed during the import?): {exc.orig}"], notices, len(table))


def _export_input(engine: Engine, *, kind: str, table: pd.DataFrame, export_format: str | None,
                  column_map: Mapping[str, str] | None, fixed_values: Mapping[str, str] | None
                  ) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], list[str]] | str:
    """Return (table, column_map, fixed_values, notices) for ``prepare``: the
    recognised export's when ``export_format`` finds one, else the arguments
    as given. Returns the one-line reason instead when the file cannot be
    read as ``export_format``."""
    as_given = (table, dict(column_map or {}), dict(fixed_values or {}), [])
    if export_format is None:
        return as_given
    # formats reads remembered choices through mappings, which imports this module.
    from data_access import formats
    if export_format != formats.AUTO and export_format not in formats.FORMATS:
        return (f"unknown export format '{export_format}' "
                f"(use {formats.AUTO} or one of: {', '.join(formats.FORMATS)})")
    recognised = formats.recognise(table, export_format=export_format)
    if recognised is None:
        if export_format != formats.AUTO:
            return f"the file is not a {formats.FORMATS[export_format].label}"
        return (*as_given[:3], [
            f"The file is not a recognised export ({formats.KNOWN_SHAPES}), so its columns were read as the "
            f"import contract's."])
    return formats.import_input(engine, recognised, kind=kind, chosen=column_map, fixed_values=fixed_values)


# --- undo ------------------------------------------------------------------------

# Children before parents, so deleting a batch's rows never breaks a foreign key.
_BATCH_TABLES: tuple[Table, ...] = (
    models.Attendance.__table__, models.Feedback.__table__, models.Outcome.__table__,
    models.Rep.__table__, models.Benchmark.__table__, models.Event.__table__, models.Participant.__table__,
)
_REFERENCES: tuple[tuple[Table, str, Table], ...] = (
    (models.Attendance.__table__, "event_id", models.Event.__table__),
    (models.Feedback.__table__, "event_id", models.Event.__table__),
    (models.Attendance.__table__, "participant_id", models.Participant.__table__),
    (models.Feedback.__table__, "participant_id", models.Participant.__table__),
    (models.Outcome.__table__, "participant_id", models.Participant.__table__),
)


def _restore_value(table: Table, column: str, value: Any) -> Any:
    if value is not None and isinstance(table.c[column].type, Date):
        return dt.date.fromisoformat(value)
    return value


def undo_batch(engine: Engine, *, batch_id: int) -> int:
    """Reverse an import batch in one transaction: restore the rows it updated
    and delete the rows it inserted. Returns how many rows were restored or
    deleted. Raises ``UndoError`` (changing nothing) when the batch does not
    exist, was already undone, or a later batch still depends on it."""
    batches = models.ImportBatch.__table__
    changes = models.ImportChange.__table__
    tables = {t.name: t for t in _BATCH_TABLES}
    with engine.begin() as conn:
        batch = conn.execute(
            select(batches.c.id, batches.c.undone_at).where(batches.c.id == batch_id)).first()
        if batch is None:
            raise UndoError(f"there is no import batch {batch_id}")
        if batch.undone_at is not None:
            raise UndoError(f"batch {batch_id} was already undone")
        _refuse_if_changed_later(conn, batch_id, tables)
        restored = 0
        for table_name, row_id, previous in conn.execute(
                select(changes.c.table_name, changes.c.row_id, changes.c.previous)
                .where(changes.c.batch_id == batch_id).order_by(changes.c.id.desc())):
            table = tables[table_name]
            mwres = previous.get(MWRES_IDS)
            values = {c: _restore_value(table, c, v) for c, v in previous.items() if c != MWRES_IDS}
            conn.execute(update(table).where(table.c.id == row_id).values(**values))
            if mwres is not None:
                links = models.event_mwres
                conn.execute(delete(links).where(links.c.event_id == row_id))
                if mwres:
                    conn.execute(insert(links), [{"event_id": row_id, "indicator_id": i} for i in mwres])
            restored += 1
        for child, column, parent in _REFERENCES:
            blocker = conn.execute(
                select(child.c.batch_id).where(
                    child.c[column].in_(select(parent.c.id).where(parent.c.batch_id == batch_id)),
                    child.c.batch_id != batch_id,
                ).limit(1)).scalar_one_or_none()
            if blocker is not None:
                raise UndoError(f"batch {blocker} has {child.name} rows that use {parent.name} rows added by "
                                f"batch {batch_id}; undo batch {blocker} first")
        links = models.event_mwres
        conn.execute(delete(links).where(links.c.event_id.in_(
            select(models.Event.id).where(models.Event.batch_id == batch_id))))
        deleted = 0
        for table in _BATCH_TABLES:
            deleted += conn.execute(delete(table).where(table.c.batch_id == batch_id)).rowcount
        when = _utc_now()
        conn.execute(update(batches).where(batches.c.id == batch_id)
                     .values(undone_at=when.replace(tzinfo=None)))
        _record_write(conn, when)
    return restored + deleted


def _refuse_if_changed_later(conn: Connection, batch_id: int, tables: Mapping[str, Table]) -> None:
    """Raise ``UndoError`` when a later, live batch updated a row this batch
    inserted or updated: undoing this one first would lose that change."""
    batches = models.ImportBatch.__table__
    changes = models.ImportChange.__table__
    live_later = select(batches.c.id).where(batches.c.id > batch_id, batches.c.undone_at.is_(None))
    for name, table in tables.items():
        touched = select(table.c.id).where(table.c.batch_id == batch_id).union(
            select(changes.c.row_id).where(changes.c.batch_id == batch_id, changes.c.table_name == name))
        later = conn.execute(
            select(func.min(changes.c.batch_id)).where(
                changes.c.table_name == name,
                changes.c.batch_id.in_(live_later),
                changes.c.row_id.in_(touched),
            )).scalar_one_or_none()
        if later is not None:
            raise UndoError(f"batch {later} changed {name} rows that batch {batch_id} wrote; "
                            f"undo batch {later} first")


__all__ = [
    "KINDS", "FIELDS", "ImportResult", "TableError", "UndoError", "read_table", "prepare", "commit_rows",
    "import_file", "undo_batch", "bump_data_version",
]
