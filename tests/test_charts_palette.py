"""The colour scheme and base layout, and the rule that charts import no streamlit or database code."""

from __future__ import annotations

import ast
import pathlib

import plotly.graph_objects as go

from charts.palette import (
    BASE_FONT_SIZE,
    NHS_BLUE,
    OKABE_ITO,
    SPC_VARIATION_COLOURS,
    apply_base_layout,
    category_styles,
)

CHARTS = pathlib.Path(__file__).resolve().parent.parent / "charts"


def test_event_type_keeps_its_style_whatever_the_filter():
    """A known event type gets the same colour and pattern whether or not other types are present."""
    everything = category_styles(
        ["induction", "exam_prep", "mentoring"], known_order=("induction", "exam_prep", "mentoring")
    )
    filtered = category_styles(["mentoring"], known_order=("induction", "exam_prep", "mentoring"))
    assert filtered["mentoring"] == everything["mentoring"]


def test_categories_differ_by_pattern_and_symbol_too():
    """Distinct categories never share a pattern or marker symbol, so colour is not the only cue."""
    styles = category_styles([f"type{i}" for i in range(6)])
    assert len({s.pattern for s in styles.values()}) == 6
    assert len({s.symbol for s in styles.values()}) == 6


def test_palette_is_okabe_ito_and_nhs_blue():
    """The categorical palette is Okabe-Ito and the primary colour NHS blue."""
    assert NHS_BLUE == "#005EB8"
    assert set(OKABE_ITO) == {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }


def test_spc_colours_are_making_data_count():
    """SPC colours are the Making Data Count ones."""
    assert SPC_VARIATION_COLOURS == {
        "improvement": "#00b0f0",
        "concern": "#e46c0a",
        "neutral": "#490092",
        "common": "#a6a6a6",
    }


def test_base_layout_is_white_and_readable():
    """The base layout sets a white background, the meeting-room font size and the title."""
    fig = apply_base_layout(go.Figure(), title="Attendances rose 24%")
    assert fig.layout.paper_bgcolor == "#FFFFFF" and fig.layout.plot_bgcolor == "#FFFFFF"
    assert fig.layout.font.size == BASE_FONT_SIZE >= 16
    assert fig.layout.title.text == "Attendances rose 24%"


def test_charts_import_no_streamlit_or_database_code():
    """No module in charts/ imports streamlit, sqlalchemy or data_access."""
    banned = {"streamlit", "sqlalchemy", "data_access"}
    for path in CHARTS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {name.split(".")[0] for name in names} & banned, path.name
