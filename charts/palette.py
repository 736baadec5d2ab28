"""The dashboard's named colour scheme and the base layout every chart uses.

- Primary: NHS blue #005EB8 (NHS identity guidelines).
- Categories (event types, stage groups, comparison groups): the Okabe-Ito
  palette (Okabe & Ito, "Color Universal Design", 2008), which stays
  distinguishable under the common colour-vision deficiencies. Yellow is put
  last because it has poor contrast on white.
- Likert ratings Poor..Excellent: ColorBrewer "PuOr" 5-class, a diverging
  scheme marked colour-blind safe by ColorBrewer.
- SPC: the NHS England "Making Data Count" colours, taken from ``domain.spc``.

Colour is never the only encoding: each category also gets a bar pattern and
a marker symbol, and builders add text labels.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from charts.spec import FigureSpec
from domain.spc import (
    COMMON_CAUSE_COLOUR,
    CONCERN_COLOUR,
    IMPROVEMENT_COLOUR,
    NEUTRAL_COLOUR,
    TARGET_COLOUR,
    VARIATION_COLOURS,
)

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_TEXT = "#212B32"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
WHITE = "#FFFFFF"

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
    "#F0E442",  # yellow
)
PATTERNS: tuple[str, ...] = ("", "/", "\\", "x", ".", "+", "-", "|")
SYMBOLS: tuple[str, ...] = (
    "circle",
    "diamond",
    "square",
    "triangle-up",
    "cross",
    "star",
    "triangle-down",
    "hexagon",
)

# Known event types keep one colour on every chart whatever the filters;
# codes added later in the editable table take the next free style.
EVENT_TYPE_ORDER: tuple[str, ...] = (
    "induction",
    "arcp_portfolio",
    "interview_practice",
    "exam_prep",
    "academic_careers",
    "mentoring",
    "other",
)
STAGE_GROUP_ORDER: tuple[str, ...] = ("non_training", "core", "specialty", "consultant", "unknown")

LIKERT_COLOURS: tuple[str, ...] = ("#E66101", "#FDB863", "#F7F7F7", "#B2ABD2", "#5E3C99")
LIKERT_TEXT_COLOURS: tuple[str, ...] = (WHITE, NHS_TEXT, NHS_TEXT, NHS_TEXT, WHITE)

SPC_COMMON = COMMON_CAUSE_COLOUR
SPC_IMPROVEMENT = IMPROVEMENT_COLOUR
SPC_CONCERN = CONCERN_COLOUR
SPC_NEUTRAL = NEUTRAL_COLOUR
SPC_TARGET = TARGET_COLOUR
SPC_VARIATION_COLOURS: dict[str, str] = dict(VARIATION_COLOURS)
# Making Data Count marks variation by colour; a symbol per kind adds a
# non-colour cue.
SPC_SYMBOLS: dict[str, str] = {
    "common": "circle",
    "improvement": "diamond",
    "concern": "square",
    "neutral": "star",
}


@dataclass(frozen=True, slots=True)
class CategoryStyle:
    """How one category is drawn: colour plus a non-colour cue (pattern, symbol)."""

    colour: str
    pattern: str
    symbol: str


def category_styles(codes: list[str], *, known_order: tuple[str, ...] = ()) -> dict[str, CategoryStyle]:
    """Return a style per code; codes in ``known_order`` keep a fixed slot."""
    styles: dict[str, CategoryStyle] = {}
    spare = itertools.count(len(known_order))
    for code in codes:
        if code in styles:
            continue
        slot = known_order.index(code) if code in known_order else next(spare)
        styles[code] = CategoryStyle(
            colour=OKABE_ITO[slot % len(OKABE_ITO)],
            pattern=PATTERNS[slot % len(PATTERNS)],
            symbol=SYMBOLS[slot % len(SYMBOLS)],
        )
    return styles


FigureT = TypeVar("FigureT", FigureSpec, go.Figure)

BASE_FONT_SIZE = 16
TITLE_FONT_SIZE = 22

# Passed by pages to ``st.plotly_chart(config=...)``: no logo, no cloud links.
PLOTLY_CONFIG: dict[str, object] = {"displaylogo": False, "showLink": False, "responsive": True}


# Plotly's "simple_white" look, for the only trace types the charts draw and
# without its settings for kinds of subplot (maps, polar, ternary, 3-D) and
# colour scales that no chart has. The whole template styles 24 trace types,
# and copying and validating it into every figure took most of a figure's
# build time (and bytes sent to the browser).
_SIMPLE_WHITE = pio.templates["simple_white"]
_UNUSED_LAYOUT = frozenset({"coloraxis", "colorscale", "geo", "polar", "scene", "ternary"})
BASE_TEMPLATE = go.layout.Template(
    layout={
        name: value
        for name, value in _SIMPLE_WHITE.layout.to_plotly_json().items()
        if name not in _UNUSED_LAYOUT
    },
    data={"bar": _SIMPLE_WHITE.data.bar, "scatter": _SIMPLE_WHITE.data.scatter},
)


def apply_base_layout(fig: FigureT, *, title: str, height: int = 460) -> FigureT:
    """Apply the shared look (fonts sized for a meeting-room screen, white background) to a
    ``FigureSpec`` (or a ``go.Figure``) and return it."""
    fig.update_layout(
        template=BASE_TEMPLATE,
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "font": {"size": TITLE_FONT_SIZE, "color": NHS_TEXT},
        },
        font={"family": "Arial, Helvetica, sans-serif", "size": BASE_FONT_SIZE, "color": NHS_TEXT},
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        colorway=list(OKABE_ITO),
        height=height,
        margin={"l": 16, "r": 24, "t": 72, "b": 110},
        # At the foot of the figure, so a long legend never runs into the title or an axis title.
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
            "xanchor": "left",
            "x": 0,
        },
        hoverlabel={"font": {"size": BASE_FONT_SIZE}, "bgcolor": WHITE},
        uniformtext={"minsize": 12, "mode": "hide"},
    )
    fig.update_xaxes(automargin=True, title={"font": {"size": BASE_FONT_SIZE}})
    fig.update_yaxes(
        automargin=True, title={"font": {"size": BASE_FONT_SIZE}}, gridcolor=NHS_PALE_GREY, showgrid=True
    )
    return fig


def month_axis_layout(fig: FigureSpec, *, first: str, last: str, count: int) -> FigureSpec:
    """Format a monthly date x axis ("Aug<br>2024" ticks, padded half a month each side); return ``fig``."""
    pad = pd.Timedelta(days=16)
    fig.update_xaxes(
        type="date",
        tickformat="%b<br>%Y",
        tickangle=0,
        dtick="M1" if count <= 12 else "M3" if count <= 36 else "M6",
        range=[pd.Timestamp(first) - pad, pd.Timestamp(last) + pad],
    )
    return fig


def annotate_hidden(fig: FigureSpec, labels: dict[str, str], *, horizontal: bool) -> FigureSpec:
    """Write each text at the base of its category's bar, which is absent because its value is hidden."""
    for category, text in labels.items():
        fig.add_annotation(
            x=0 if horizontal else category,
            y=category if horizontal else 0,
            text=text,
            showarrow=False,
            xanchor="left" if horizontal else "center",
            yanchor="middle" if horizontal else "bottom",
            font={"color": NHS_MID_GREY},
        )
    return fig


def headroom(fig: FigureSpec, maximum: float | None, *, factor: float) -> FigureSpec:
    """Extend a horizontal bar chart's value axis to ``maximum`` × ``factor`` so outside labels fit."""
    if maximum is not None and maximum > 0:
        fig.update_xaxes(range=[0, maximum * factor])
    return fig
