"""Event titles that a spreadsheet would run as formulas (starting with =, +,
-, @, a tab or a carriage return) are written as text in every pack format:
the ZIP's CSV files, the deck's charts and their embedded workbooks, and the
HTML report's data tables."""

from __future__ import annotations

import csv
import io
import zipfile
from html.parser import HTMLParser

import openpyxl
import pytest
from pptx import Presentation

from reports.export import make_pack
from tests.pack_data import BACKENDS, FORMULA_TITLES, PACK_FILTERS, seeded_database

CASES = list(FORMULA_TITLES)
VIEW = "mean-rating-by-event"


@pytest.fixture(scope="module", params=BACKENDS)
def packs(request, tmp_path_factory) -> dict[str, bytes]:
    """Return the pack's bytes in each format for the pack test data set."""
    with seeded_database(request.param, tmp_path_factory.mktemp("formula"), name="reports_formula") as engine:
        yield {fmt: make_pack(engine, filters=PACK_FILTERS, fmt=fmt, min_cell=5)[1]
               for fmt in ("pptx", "html", "zip")}


class _Cells(HTMLParser):
    """Collects the text of every table cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._open = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.cells[-1] += data


def as_xml_text(text: str) -> str:
    """Return ``text`` as an XML parser reads it back: a carriage return becomes a line feed."""
    return text.replace("\r", "\n")


def mean_rating_chart(pptx: bytes):
    deck = Presentation(io.BytesIO(pptx))
    return next(shape.chart for slide in deck.slides for shape in slide.shapes
                if shape.has_chart and shape.name == VIEW)


@pytest.mark.parametrize("case", CASES)
def test_csv_writes_formula_title_as_text(packs, case):
    """In the ZIP's CSV, the event title is the original text behind an apostrophe."""
    with zipfile.ZipFile(io.BytesIO(packs["zip"])) as archive:
        text = archive.read(f"{VIEW}.csv").decode("utf-8-sig")
    titles = [row["title"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert "'" + FORMULA_TITLES[case] in titles
    assert FORMULA_TITLES[case] not in titles


@pytest.mark.parametrize("case", CASES)
def test_pptx_chart_label_is_text(packs, case):
    """In the deck, the chart's category label for the event starts with an apostrophe."""
    title = as_xml_text(FORMULA_TITLES[case])
    labels = list(mean_rating_chart(packs["pptx"]).plots[0].categories)
    ours = [label for label in labels if title in label]
    assert len(ours) == 1
    assert ours[0].startswith("'" + title)


@pytest.mark.parametrize("case", CASES)
def test_pptx_embedded_workbook_holds_text_not_formulas(packs, case):
    """The chart's embedded Excel workbook (opened by "Edit data") has the label as text and no formula."""
    chart = mean_rating_chart(packs["pptx"])
    book = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # The workbook keeps a carriage return (as _x000D_), so match on the title without its first character.
    rest = FORMULA_TITLES[case][1:]
    ours = [cell.value for cell in cells if isinstance(cell.value, str) and rest in cell.value]
    assert len(ours) == 1 and ours[0].startswith("'")


@pytest.mark.parametrize("case", CASES)
def test_html_table_cell_is_text(packs, case):
    """In the HTML report's data table, the event title cell starts with an apostrophe."""
    parser = _Cells()
    parser.feed(packs["html"].decode("utf-8"))
    ours = [cell for cell in parser.cells if FORMULA_TITLES[case].strip() in cell]
    assert ours
    assert all(cell.startswith("'") for cell in ours)
