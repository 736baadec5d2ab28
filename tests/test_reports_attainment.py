"""Attainment statements in the meeting pack: the outcome slide's title states the members' rate
with its interval and n, the same-year benchmark and the test's verdict; its notes and the
pack's definitions name the test and say members are self-selected.

Data: 40 members' MRCPCH FOP results in March 2025 (training year 2024/25), 30 of them passes,
against a benchmark of IMGs passing 450 of 1,000 in 2024. Worked by hand:
* Wilson 95% for 30/40: centre 0.728095, half-width 0.130033, so 59.8% to 85.8%;
* pooled z-test: pooled rate 480/1040 = 0.461538, SE = √(0.461538 × 0.538462 × (1/40 + 1/1000))
  = 0.080384, z = 0.30 / 0.080384 = 3.732, two-sided p = 0.00019: "higher".
"""

from __future__ import annotations

import datetime as dt
import html
import io
import zipfile

import pytest
from pptx import Presentation
from pptx.util import Pt
from sqlalchemy import insert, select

from data_access.filters import Filters
from data_access.models import Benchmark, OutcomeMeasure
from reports.export import make_pack
from tests.factories import FactRows

FILTERS = Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 6, 30))
FOP_TITLE = (
    "MRCPCH Foundation of Practice pass rate, 2024/25: members 75% (95% CI 60% to 86%, n = 40). "
    "Against IMGs in 2024/25 (45%, n = 1,000): members higher (p < 0.001). "
    "Members chose to take part, so any difference is an association, not an effect of Soft Landing."
)


@pytest.fixture
def outcomes(engine):
    """Return the engine with the members' FOP results and the IMG benchmark described above."""
    rows = FactRows(engine)
    for n in range(40):
        rows.outcome(person=f"m{n}", measure="mrcpch_fop", date=dt.date(2025, 3, 14),
                     result="pass" if n < 30 else "fail", region="LDN", stage="st2")
    with engine.begin() as conn:
        measure_id = conn.scalar(select(OutcomeMeasure.id).where(OutcomeMeasure.code == "mrcpch_fop"))
        conn.execute(insert(Benchmark).values(
            year=2024, measure_id=measure_id, group_label="IMGs", numerator=450, denominator=1000,
            source="Synthetic test benchmark", batch_id=rows.batch(kind="benchmarks"),
        ))
    return engine


def fop_slide(data: bytes):
    deck = Presentation(io.BytesIO(data))
    return next(slide for slide in deck.slides if any(shape.name == "outcome-mrcpch-fop"
                                                      for shape in slide.shapes))


def test_outcome_slide_title_states_interval_benchmark_verdict_and_caveat(outcomes):
    """The FOP slide's title is the full comparison sentence worked out by hand, set at 16 pt to fit."""
    _, data = make_pack(outcomes, filters=FILTERS, fmt="pptx", min_cell=5)
    title = fop_slide(data).shapes.title
    assert title.text == FOP_TITLE
    assert title.text_frame.paragraphs[0].font.size == Pt(16)


def test_outcome_slide_notes_name_the_test_and_self_selection(outcomes):
    """The speaker notes name the test used, the rule that picks it and the self-selection caveat."""
    _, data = make_pack(outcomes, filters=FILTERS, fmt="pptx", min_cell=5)
    notes = fop_slide(data).notes_slide.notes_text_frame.text
    assert "members higher (two-proportion z-test, p < 0.001)" in notes
    assert "Fisher's exact test when any expected count in the 2×2 table is below 5" in notes
    assert "self-selected" in notes


def test_definitions_file_names_the_comparison_test(outcomes):
    """definitions.txt defines the gap to a benchmark group and names both tests."""
    _, data = make_pack(outcomes, filters=FILTERS, fmt="zip", min_cell=5)
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        definitions = opened.read("definitions.txt").decode("utf-8")
        fop_rows = opened.read("outcome-mrcpch-fop.csv").decode("utf-8-sig")
    assert "Gap to a benchmark group (benchmark_gap):" in definitions
    assert "Fisher's exact test" in definitions and "two-proportion z-test" in definitions
    assert "comparison_p_value" in fop_rows and "higher" in fop_rows


def test_html_report_heads_the_outcome_chart_with_the_comparison(outcomes):
    """The HTML report's outcome section is headed by the same comparison sentence."""
    _, data = make_pack(outcomes, filters=FILTERS, fmt="html", min_cell=5)
    assert f"<h2>{html.escape(FOP_TITLE)}</h2>" in data.decode("utf-8")
