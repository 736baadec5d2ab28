"""Import limits: rows, columns and one cell's characters are checked while a
CSV or XLSX file is read, a workbook's unpacked size before it is parsed, and
each refusal is one line naming the limit and its setting. Hostile files are
refused with the real defaults, by ``read_table`` and by the command line,
leaving the database unchanged; ``first_rows`` reads only a preview."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access import importers, models
from data_access.config import ConfigError, ImportLimits, import_limits
from data_access.db import make_engine
from tests import hostile_files

ROOT = Path(__file__).resolve().parent.parent
# Small limits so each can be tested at, just below and just above: the file's
# rows (header included), cells in one row, characters in one cell.
SMALL = ImportLimits(max_rows=5, max_columns=4, max_cell_chars=10)
FORMATS = ("csv", "xlsx")


def file_bytes(file_format: str, rows: list[list[str]]) -> bytes:
    """Return ``rows`` as a CSV (quoted where needed) or XLSX file."""
    if file_format == "xlsx":
        return hostile_files.xlsx_bytes(rows)
    def quoted(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if '"' in cell or "," in cell else cell

    return "".join(",".join(map(quoted, row)) + "\n" for row in rows).encode()


def table_rows(count: int, width: int = 3) -> list[list[str]]:
    """Return a header and ``count - 1`` data rows, ``width`` cells each."""
    return [[f"h{c}" for c in range(width)]] + [[f"r{r}c{c}" for c in range(width)] for r in range(1, count)]


def refusal(data: bytes, limits: ImportLimits = SMALL, **options) -> str:
    """Return the message of the ``TableError`` that reading ``data`` raises."""
    with pytest.raises(importers.TableError) as raised:
        importers.read_table(data, limits=limits, **options)
    return str(raised.value)


@pytest.fixture
def no_secrets(monkeypatch, tmp_path):
    """Read settings from an absent secrets file, with no import settings in the environment."""
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    for name in ("MAX_ROWS", "MAX_COLUMNS", "MAX_CELL_CHARS"):
        monkeypatch.delenv(f"SOFT_LANDING_IMPORT_{name}", raising=False)


# --- rows, columns and cells, at, just below and just above each limit ---------------


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("count", [4, 5])
def test_rows_up_to_the_limit_read(file_format, count):
    """A file of max_rows rows or one fewer (header included) is read in full."""
    table = importers.read_table(file_bytes(file_format, table_rows(count)), limits=SMALL)
    assert len(table) == count - 1


@pytest.mark.parametrize("file_format", FORMATS)
def test_one_row_over_the_limit_refused(file_format):
    """A file of max_rows + 1 rows is refused, naming the limit and its setting."""
    assert refusal(file_bytes(file_format, table_rows(6))) == (
        "the file has more than 5 rows; the largest accepted is 5 ([import] max_rows)")


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("width", [3, 4])
def test_columns_up_to_the_limit_read(file_format, width):
    """Rows of max_columns cells or one fewer are read."""
    table = importers.read_table(file_bytes(file_format, table_rows(3, width)), limits=SMALL)
    assert list(table.columns) == [f"h{c}" for c in range(width)]


@pytest.mark.parametrize("file_format", FORMATS)
def test_one_column_over_the_limit_refused(file_format):
    """A row of max_columns + 1 cells is refused, naming its row, the limit and its setting."""
    rows = table_rows(2) + [["a", "b", "c", "d", "e"]]
    assert refusal(file_bytes(file_format, rows)) == (
        "row 3 has more than 4 columns; the largest accepted is 4 ([import] max_columns)")


def test_trailing_empty_xlsx_cells_are_not_columns(tmp_path):
    """Empty cell elements right of an XLSX row's last value do not count against max_columns."""
    empty_cells = b'<row><c t="inlineStr"><is><t>a</t></is></c>' + b"<c/>" * 5 + b"</row>"
    rows = [hostile_files.sheet_row(row) for row in table_rows(2)] + [empty_cells]
    path = hostile_files.write_workbook(tmp_path / "empty_cells.xlsx", rows)
    assert importers.read_table(path.read_bytes(), limits=SMALL)["h0"].tolist() == ["r1c0", "a"]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("chars", [9, 10])
def test_cells_up_to_the_limit_read(file_format, chars):
    """A cell of max_cell_chars characters or one fewer, even quoted with commas, is read as it is."""
    cell = ("a,\"" * 4)[:chars]
    table = importers.read_table(file_bytes(file_format, [["h0", "h1"], ["x", cell]]), limits=SMALL)
    assert table.loc[2, "h1"] == cell


@pytest.mark.parametrize("file_format", FORMATS)
def test_one_character_over_the_cell_limit_refused(file_format):
    """A cell of max_cell_chars + 1 characters is refused, naming its row, the limit and its setting."""
    rows = [["h0", "h1"], ["x", "y"], ["x", "y" * 11]]
    assert refusal(file_bytes(file_format, rows)) == (
        "row 3 has a cell of more than 10 characters; the longest accepted is 10 ([import] max_cell_chars)")


def test_cell_beyond_the_csv_readers_own_limit_names_the_setting():
    """A CSV cell longer than Python's csv field limit gets the same one-line refusal."""
    data = b"h0,h1\nx," + b"y" * 200_000 + b"\n"
    assert refusal(data, ImportLimits()) == (
        "row 2 has a cell of more than 10,000 characters; the longest accepted is 10,000 "
        "([import] max_cell_chars)")


# --- reading stops at the limit --------------------------------------------------------


def test_reading_stops_at_the_row_after_the_limit():
    """The row count is checked as rows arrive: of an endless source, max_rows + 1 rows are taken."""
    taken = []

    def endless():
        for number in itertools.count():
            taken.append(number)
            yield [str(number)]

    with pytest.raises(importers.TableError, match=r"more than 5 rows"):
        list(importers._within_limits(endless(), SMALL))
    assert len(taken) == 6


def test_xlsx_rows_after_the_limit_are_never_parsed(tmp_path):
    """A damaged cell below row max_rows + 1 is never reached: the refusal names the row limit."""
    damaged = b'<row><c t="n"><v>not-a-number</v></c></row>'
    rows = [hostile_files.sheet_row(row) for row in table_rows(6)] + [damaged]
    path = hostile_files.write_workbook(tmp_path / "damaged_below.xlsx", rows)
    assert refusal(path.read_bytes()).endswith("([import] max_rows)")
    assert refusal(path.read_bytes(), ImportLimits()) == (
        "the file is not a table: it is not a readable XLSX workbook")


def test_csv_line_longer_than_any_row_within_the_limits_refused():
    """A line longer than max_columns cells of max_cell_chars doubled quotes is refused before parsing."""
    longest = 4 * (2 * 10 + 3)
    message = refusal(b"h0," + b"a" * (longest - 2))
    assert message == (f"a line of the file has {longest + 1} characters, more than a row within the limits "
                       "can hold (4 cells of up to 10 characters: [import] max_columns, "
                       "[import] max_cell_chars)")


def test_lines_ended_by_carriage_returns_alone_are_lines():
    """A file whose lines end with CR alone (old Mac) is read line by line, not as one long line."""
    table = importers.read_table(b"".join(b"r%02d,aaaaaaaaa,bbbbbbbbb\r" % n for n in range(5)), limits=SMALL)
    assert len(table) == 4


def test_long_line_ended_by_a_carriage_return_refused():
    """A too-long line is found between CR line ends too."""
    assert refusal(b"h0,h1\r" + b"a" * 93 + b"\rx,y\r").startswith("a line of the file has 93 characters")


def test_longest_row_within_the_limits_read():
    """Four cells of ten quote characters, quoted with their quotes doubled, are a row within the limits."""
    quotes = '"' * 10
    table = importers.read_table(file_bytes("csv", [["a", "b", "c", "d"], [quotes] * 4]), limits=SMALL)
    assert table.iloc[0].tolist() == [quotes] * 4


# --- the archive of an XLSX file, before it is parsed ---------------------------------------


def test_real_exports_unpack_far_below_the_ratio_limit():
    """The sample Microsoft Forms export is read with the real limits."""
    data = (ROOT / "tests" / "data" / "msforms_feedback_export.xlsx").read_bytes()
    assert len(importers.read_table(data, limits=ImportLimits())) > 0


def test_workbook_unpacking_to_millions_of_rows_refused_before_parsing(tmp_path):
    """A 2 MB sheet of 3,000,000 rows is refused by its compression ratio, not read."""
    bomb = hostile_files.write_sheet_bomb(tmp_path / "bomb.xlsx")
    message = refusal(bomb.read_bytes(), ImportLimits())
    assert message.startswith("the workbook unpacks to ")
    assert message.endswith("; the largest accepted is 100 times its size")


def test_same_workbook_with_few_rows_is_read(tmp_path):
    """The bomb's layout is a readable workbook: with three rows it is read as a table."""
    small = hostile_files.write_sheet_bomb(tmp_path / "small.xlsx", rows=3)
    table = importers.read_table(small.read_bytes(), limits=ImportLimits())
    assert table.columns.tolist() == list(hostile_files.ATTENDANCE_HEADER)
    assert len(table) == 3


def unpacked_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(member.file_size for member in archive.infolist())


@pytest.mark.parametrize("headroom", [0, 1])
def test_workbook_unpacking_up_to_the_size_limit_read(monkeypatch, headroom):
    """A workbook whose members unpack to MAX_XLSX_UNPACKED_BYTES, or one byte less, is read."""
    data = hostile_files.xlsx_bytes(table_rows(3))
    monkeypatch.setattr(importers, "MAX_XLSX_UNPACKED_BYTES", unpacked_size(data) + headroom)
    assert len(importers.read_table(data, limits=ImportLimits())) == 2


def test_workbook_unpacking_beyond_the_size_limit_refused(monkeypatch):
    """A workbook whose members unpack to one byte more than MAX_XLSX_UNPACKED_BYTES is refused."""
    data = hostile_files.xlsx_bytes(table_rows(3))
    monkeypatch.setattr(importers, "MAX_XLSX_UNPACKED_BYTES", unpacked_size(data) - 1)
    assert "(split it into smaller files)" in refusal(data, ImportLimits())


def held_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(m.file_size for m in archive.infolist() if not m.filename.startswith("xl/worksheets/"))


@pytest.mark.parametrize("headroom", [0, 1])
def test_parts_held_whole_up_to_their_limit_read(monkeypatch, headroom):
    """Non-sheet parts (shared strings...) unpacking to MAX_XLSX_HELD_BYTES, or one byte less, are read."""
    data = hostile_files.xlsx_bytes(table_rows(3))
    monkeypatch.setattr(importers, "MAX_XLSX_HELD_BYTES", held_size(data) + headroom)
    assert len(importers.read_table(data, limits=ImportLimits())) == 2


def test_parts_held_whole_beyond_their_limit_refused(monkeypatch):
    """Non-sheet parts unpacking to one byte more than MAX_XLSX_HELD_BYTES are refused before parsing."""
    data = hostile_files.xlsx_bytes(table_rows(3))
    monkeypatch.setattr(importers, "MAX_XLSX_HELD_BYTES", held_size(data) - 1)
    assert refusal(data, ImportLimits()).startswith("the workbook's shared strings and other parts outside")


def directory_size(data: bytes) -> int:
    """Return the size in bytes of the zip archive's central directory, entry by entry."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(46 + len(m.filename.encode()) + len(m.extra) + len(m.comment) for m in archive.infolist())


@pytest.mark.parametrize("headroom", [0, 1])
def test_workbook_directory_up_to_its_limit_read(monkeypatch, headroom):
    """A workbook whose list of parts takes MAX_XLSX_DIRECTORY_BYTES, or one byte less, is read."""
    data = hostile_files.xlsx_bytes(table_rows(3))
    monkeypatch.setattr(importers, "MAX_XLSX_DIRECTORY_BYTES", directory_size(data) + headroom)
    assert len(importers.read_table(data, limits=ImportLimits())) == 2


def test_workbook_directory_beyond_its_limit_refused(monkeypatch):
    """A workbook whose list of parts takes one byte more than MAX_XLSX_DIRECTORY_BYTES is refused."""
    data = hostile_files.xlsx_bytes(table_rows(3))
    monkeypatch.setattr(importers, "MAX_XLSX_DIRECTORY_BYTES", directory_size(data) - 1)
    assert refusal(data, ImportLimits()).startswith("the workbook's list of parts takes ")


# --- hostile files with the real defaults ------------------------------------------------


def test_ten_megabyte_cell_refused(tmp_path, no_secrets):
    """A CSV cell of 10 MB is refused with the default limits."""
    path = hostile_files.write_huge_cell_csv(tmp_path / "cell.csv")
    assert "[import] max_cell_chars" in refusal(path.read_bytes(), None)


def test_ten_megabyte_xlsx_cell_refused():
    """An XLSX cell of 10 MB of hex digits (unpacking to twice its size) is refused by default."""
    comment = os.urandom(hostile_files.HUGE_CELL_CHARS // 2).hex()
    rows = [list(hostile_files.ATTENDANCE_HEADER), ["EV1", "amina@example.org", comment]]
    data = hostile_files.xlsx_bytes(rows)
    assert refusal(data, ImportLimits()) == (
        "row 2 has a cell of more than 10,000 characters; the longest accepted is 10,000 "
        "([import] max_cell_chars)")


def test_hundred_thousand_columns_refused(tmp_path, no_secrets):
    """A 100,000-column CSV is refused at its header row with the default limits."""
    path = hostile_files.write_wide_csv(tmp_path / "wide.csv")
    assert refusal(path.read_bytes(), None) == (
        "row 1 has more than 500 columns; the largest accepted is 500 ([import] max_columns)")


def test_file_without_line_ends_refused(tmp_path, no_secrets):
    """A 12 MB CSV with no line end is refused before the CSV reader holds it as one line."""
    path = hostile_files.write_no_line_ends_csv(tmp_path / "one_line.csv")
    message = refusal(path.read_bytes(), None)
    assert message.startswith(f"a line of the file has {path.stat().st_size:,} characters")


def cli_import(env: dict[str, str], path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_access", "import", "attendance", str(path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def row_counts(url: str) -> dict[str, int]:
    """Return the number of rows in each table of the database at ``url``."""
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in models.Base.metadata.sorted_tables}
    engine.dispose()
    return counts


@pytest.mark.parametrize("write, limit", [
    (hostile_files.write_sheet_bomb, "times its size"),
    (hostile_files.write_huge_cell_csv, "[import] max_cell_chars)"),
    (hostile_files.write_wide_csv, "([import] max_columns)"),
    (hostile_files.write_no_line_ends_csv, "[import] max_columns, [import] max_cell_chars)"),
], ids=["sheet-bomb", "10MB-cell", "100000-columns", "no-line-ends"])
def test_command_line_refuses_hostile_file_in_one_line(engine_url, tmp_path, write, limit):
    """The import command exits 1 with one line naming the limit, and the database is unchanged."""
    env = {**os.environ, "DATABASE_URL": engine_url, "SOFT_LANDING_PSEUDONYM_KEY": "limits-test-key",
           "SOFT_LANDING_SECRETS_FILE": str(tmp_path / "no-secrets.toml")}
    assert subprocess.run([sys.executable, "-m", "data_access", "init"], cwd=ROOT, env=env,
                          capture_output=True, timeout=120).returncode == 0
    before = row_counts(engine_url)
    path = write(tmp_path / ("hostile.xlsx" if write is hostile_files.write_sheet_bomb else "hostile.csv"))
    result = cli_import(env, path)
    assert result.returncode == 1
    refused, problem = result.stderr.strip().splitlines()
    assert refused == f"Refused: {path} was not imported; nothing was changed."
    assert problem.endswith(limit)
    assert row_counts(engine_url) == before


# --- previews: first_rows ------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_first_rows_returns_the_first_data_rows(file_format):
    """``first_rows`` gives the header and that many data rows, with their spreadsheet row numbers."""
    table = importers.read_table(file_bytes(file_format, table_rows(50)), first_rows=3,
                                 limits=ImportLimits(max_columns=4, max_cell_chars=10))
    assert table.index.tolist() == [2, 3, 4]
    assert table["h0"].tolist() == ["r1c0", "r2c0", "r3c0"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_first_rows_stops_reading(file_format):
    """A preview stops before rows beyond the row limit or a too-wide row further down."""
    rows = table_rows(3) + [["a", "b", "c", "d", "e", "f"]] + table_rows(10)[1:]
    table = importers.read_table(file_bytes(file_format, rows), first_rows=2, limits=SMALL)
    assert len(table) == 2


def test_first_rows_finds_the_header_below_report_rows():
    """A preview finds the header below a report block and skips blank rows."""
    data = (b"Report\nTopic,Date\nX,Y\n\nname,email,attended\nA,a@example.org,yes\n\nB,b@example.org,no\n"
            b"C,c@example.org,no\n")
    table = importers.read_table(data, first_rows=2, limits=ImportLimits())
    assert table.attrs["header_row"] == 5
    assert table.index.tolist() == [6, 8]


def test_first_rows_with_a_given_header_row():
    """With ``header_row``, a preview takes the rows below that row."""
    table = importers.read_table(b"a,b\nc,d\ne,f\ng,h\n", header_row=2, first_rows=1, limits=ImportLimits())
    assert table.columns.tolist() == ["c", "d"]
    assert table.index.tolist() == [3]


def test_first_rows_of_a_short_file_is_the_whole_table():
    """A preview of more rows than the file has returns every row."""
    table = importers.read_table(b"a,b\n1,2\n3,4\n", first_rows=100, limits=ImportLimits())
    assert table.index.tolist() == [2, 3]


def test_first_rows_below_one_is_a_programming_error():
    """``first_rows`` of 0 raises ValueError, not a file refusal."""
    with pytest.raises(ValueError, match="first_rows must be at least 1"):
        importers.read_table(b"a,b\n1,2\n", first_rows=0, limits=ImportLimits())


# --- settings ------------------------------------------------------------------------------------


def test_default_limits_are_far_above_the_national_benchmark(no_secrets):
    """Without settings: 2,000,000 rows, 500 columns, 10,000 characters a cell."""
    assert import_limits() == ImportLimits(max_rows=2_000_000, max_columns=500, max_cell_chars=10_000)


def test_limits_read_from_secrets(monkeypatch, tmp_path, no_secrets):
    """``[import]`` in the secrets file sets the limits."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[import]\nmax_rows = 10\nmax_columns = 20\nmax_cell_chars = 30\n")
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(secrets))
    assert import_limits() == ImportLimits(max_rows=10, max_columns=20, max_cell_chars=30)


def test_environment_overrides_secrets(monkeypatch, tmp_path, no_secrets):
    """``SOFT_LANDING_IMPORT_MAX_ROWS`` wins over ``[import] max_rows``."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[import]\nmax_rows = 10\n")
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("SOFT_LANDING_IMPORT_MAX_ROWS", "7")
    assert import_limits().max_rows == 7


def test_read_table_uses_the_configured_limits(monkeypatch, no_secrets):
    """Without ``limits``, ``read_table`` applies the configured row limit."""
    monkeypatch.setenv("SOFT_LANDING_IMPORT_MAX_ROWS", "2")
    assert refusal(b"a,b\n1,2\n3,4\n", None).endswith("([import] max_rows)")


@pytest.mark.parametrize("value", ["0", "-3", "many", "200000"])
def test_unusable_limit_setting_refused(monkeypatch, no_secrets, value):
    """A limit that is not a whole number from 1 (cells: at most 131,072) is a ConfigError naming it."""
    monkeypatch.setenv("SOFT_LANDING_IMPORT_MAX_CELL_CHARS", value)
    with pytest.raises(ConfigError, match=r"\[import\] max_cell_chars"):
        import_limits()
