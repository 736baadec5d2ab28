"""The meeting pack as a PowerPoint deck with native, editable charts.

Slides: a title slide (organisation, period, filters, data as of), the
headline figures, then one slide per chart view with data, titled with its
key message. Each chart slide's speaker notes hold the chart's n, the
definitions of its figures and its caveats. Every slide's footer repeats
the filters, so a slide copied into another deck still says what it shows.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE, XL_TICK_LABEL_POSITION
from pptx.oxml.ns import qn
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from charts.spc import PERCENT_UNITS, TRIAL_LIMITS_NOTE
from charts.palette import NHS_BLUE, NHS_DARK_BLUE, NHS_MID_GREY, NHS_TEXT
from domain.metrics import COUNTING_RULES, metric
from domain.suppression import display_kpi, suppression_note
from reports.native import NativeChart, native_chart, spc_chart
from reports.pack import ORGANISATION, PACK_KPIS, PACK_TITLE, MeetingPack, caveats, definitions
from reports.safe_csv import neutralise_cell
from views.base import PreparedView
from views.spc import SpcView

SLIDE_WIDTH = Inches(13.333)
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
TITLE_LAYOUT = 0
TITLE_ONLY_LAYOUT = 5

CHART_TYPES = {
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "stacked_bar": XL_CHART_TYPE.BAR_STACKED,
    "stacked_column": XL_CHART_TYPE.COLUMN_STACKED,
    "line": XL_CHART_TYPE.LINE,
    "line_markers": XL_CHART_TYPE.LINE_MARKERS,
}
SPC_NUMBER_FORMATS = {"percent": "0.0\"%\"", "count": "#,##0"}
# Key messages longer than this take a smaller font, to stay within two lines; the attainment
# comparisons (rate, interval, n, each benchmark, verdict and caveat) take three or four lines
# at 16 or 14 pt.
LONG_TITLE_CHARS = 90
VERY_LONG_TITLE_CHARS = 120
COMPARISON_TITLE_CHARS = 240
LONG_COMPARISON_TITLE_CHARS = 330
# Bars get value labels while they stay readable.
MAX_LABELLED_BARS = 24
MANY_CATEGORIES = 12
# Shares run 0-100%, ratings 1 (Poor) to 5 (Excellent): bars start at the scale's floor, not at the data.
VALUE_RANGES = {"share": (0, 1), "rating": (1, 5)}


def pptx_bytes(pack: MeetingPack) -> bytes:
    """Return the deck as .pptx bytes: 2 + one slide per view with data."""
    prs = Presentation()
    prs.slide_width = SLIDE_WIDTH
    prs.slide_height = SLIDE_HEIGHT
    _title_slide(prs, pack)
    _kpi_slide(prs, pack)
    for prepared in pack.charted:
        _chart_slide(prs, pack, prepared)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _text_box(slide, *, left, top, width, height, lines: list[str], size: int, colour: str = NHS_TEXT,
              bold: bool = False):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for position, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if position == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.font.bold = bold
        paragraph.font.color.rgb = _rgb(colour)
    return box


def _footer(slide, pack: MeetingPack) -> None:
    _text_box(
        slide, left=MARGIN, top=SLIDE_HEIGHT - Inches(0.55), width=SLIDE_WIDTH - 2 * MARGIN,
        height=Inches(0.4), lines=[f"{ORGANISATION} · {pack.filter_text} · {pack.data_as_of_text}"],
        size=10, colour=NHS_MID_GREY,
    )


def _set_title(slide, text: str, *, size: int) -> None:
    title = slide.shapes.title
    title.left, title.top = MARGIN, Inches(0.3)
    title.width, title.height = SLIDE_WIDTH - 2 * MARGIN, Inches(1.1)
    title.text_frame.word_wrap = True
    title.text = text
    for paragraph in title.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.font.size = Pt(size)
        paragraph.font.bold = True
        paragraph.font.color.rgb = _rgb(NHS_DARK_BLUE)


def _notes(slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _title_slide(prs, pack: MeetingPack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
    title = slide.shapes.title
    title.left, title.top = MARGIN, Inches(1.2)
    title.width, title.height = SLIDE_WIDTH - 2 * MARGIN, Inches(1.4)
    title.text = ORGANISATION
    title.text_frame.paragraphs[0].font.color.rgb = _rgb(NHS_DARK_BLUE)
    title.text_frame.paragraphs[0].font.bold = True
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top = MARGIN, Inches(2.9)
    subtitle.width, subtitle.height = SLIDE_WIDTH - 2 * MARGIN, Inches(3.6)
    lines = [
        f"{PACK_TITLE} · {pack.made_on:%-d %B %Y}",
        f"Period: {pack.period_text}",
        f"Filters: {pack.filter_text}",
        pack.data_as_of_text,
    ]
    if pack.demo_data:
        lines.append("Demo data: these figures include synthetic demonstration records.")
    frame = subtitle.text_frame
    frame.word_wrap = True
    for position, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if position == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(24 if position == 0 else 18)
        paragraph.font.color.rgb = _rgb(NHS_TEXT)
    _notes(slide, [
        f"Filters: {pack.filter_text}",
        pack.data_as_of_text,
        suppression_note(min_cell=pack.min_cell),
        COUNTING_RULES,
    ])


def _kpi_slide(prs, pack: MeetingPack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _set_title(slide, "Headline figures", size=30)
    _text_box(slide, left=MARGIN, top=Inches(1.35), width=SLIDE_WIDTH - 2 * MARGIN, height=Inches(0.8),
              lines=[pack.kpi_message], size=16)
    rows = len(PACK_KPIS) + 1
    shape = slide.shapes.add_table(rows, 3, MARGIN, Inches(2.3), SLIDE_WIDTH - 2 * MARGIN, Inches(0.4) * rows)
    table = shape.table
    widths = (Inches(2.8), Inches(1.6))
    table.columns[0].width, table.columns[1].width = widths
    table.columns[2].width = Emu(int(SLIDE_WIDTH - 2 * MARGIN) - sum(int(w) for w in widths))
    for column, heading in enumerate(("Figure", "Value", "Definition")):
        table.cell(0, column).text = heading
    for row, key in enumerate(PACK_KPIS, start=1):
        entry = metric(key)
        cells = (entry.label, display_kpi(key, pack.figures, pack.hidden, min_cell=pack.min_cell),
                 entry.definition)
        for column, text in enumerate(cells):
            table.cell(row, column).text = str(neutralise_cell(text))
    for row in range(rows):
        for column in range(3):
            for paragraph in table.cell(row, column).text_frame.paragraphs:
                paragraph.font.size = Pt(12 if column == 2 else 14)
    notes = [f"Filters: {pack.filter_text}", pack.data_as_of_text]
    if pack.hidden:
        notes.append(suppression_note(min_cell=pack.min_cell))
    if pack.not_charted:
        notes.append("Not in this deck, no data for these filters: "
                     + "; ".join(prepared.view.title for prepared in pack.not_charted) + ".")
    _notes(slide, notes)
    _footer(slide, pack)


def chart_for(prepared: PreparedView, *, min_cell: int) -> NativeChart:
    """Return the native chart drawn on a view's slide (SPC views from their ``domain.spc`` table)."""
    if prepared.spc is not None and isinstance(prepared.view, SpcView):
        unit = "percent" if prepared.view.unit in PERCENT_UNITS else "count"
        return spc_chart(prepared.spc.table, number_format=SPC_NUMBER_FORMATS[unit])
    return native_chart(prepared, min_cell=min_cell)


def _chart_slide(prs, pack: MeetingPack, prepared: PreparedView) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    title = prepared.key_message or prepared.view.title
    _set_title(slide, title, size=24 if len(title) <= LONG_TITLE_CHARS else
               20 if len(title) <= VERY_LONG_TITLE_CHARS else
               18 if len(title) <= COMPARISON_TITLE_CHARS else
               16 if len(title) <= LONG_COMPARISON_TITLE_CHARS else 14)
    native = chart_for(prepared, min_cell=pack.min_cell)
    trial = TRIAL_LIMITS_NOTE if prepared.spc is not None and prepared.spc.trial_limits else ""
    gaps = ""
    if (prepared.view.counts or prepared.view.rates) and any(
        value is None for series in native.series if series.joined for value in series.values
    ):
        gaps = f"blank = withheld to protect individuals (fewer than {pack.min_cell})"
    _text_box(slide, left=MARGIN, top=Inches(1.4), width=SLIDE_WIDTH - 2 * MARGIN, height=Inches(0.4),
              lines=[" · ".join(part for part in (prepared.view.title, prepared.caption, trial, gaps)
                                if part)],
              size=12, colour=NHS_MID_GREY)
    _add_chart(slide, native, name=prepared.view.id)
    lines = [prepared.view.title]
    if prepared.caption:
        lines.append(prepared.caption)
    lines += ["", "What the chart shows: " + prepared.alt_text, "", "Definitions:"]
    lines += definitions(prepared)
    notes = caveats(prepared, min_cell=pack.min_cell)
    if native.note:
        notes.insert(0, native.note)
    if notes:
        lines += ["", "Caveats:", *notes]
    lines += ["", f"Filters: {pack.filter_text}", pack.data_as_of_text]
    _notes(slide, lines)
    _footer(slide, pack)


def _show_every_label(axis) -> None:
    """Set the category axis's label skip to 1, in its schema position (before tickMarkSkip/noMultiLvlLbl)."""
    skip = axis.makeelement(qn("c:tickLblSkip"), {"val": "1"})
    later = axis.find(qn("c:tickMarkSkip"))
    if later is None:
        later = axis.find(qn("c:noMultiLvlLbl"))
    if later is None:
        axis.append(skip)
    else:
        later.addprevious(skip)


def _add_chart(slide, native: NativeChart, *, name: str) -> None:
    data = CategoryChartData(number_format=native.number_format)
    data.categories = list(native.categories)
    for series in native.series:
        data.add_series(series.name, list(series.values))
    top = Inches(1.9)
    frame = slide.shapes.add_chart(
        CHART_TYPES[native.kind], MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, SLIDE_HEIGHT - top - Inches(0.7),
        data,
    )
    # The shape is named after the view, so a reader (or a test) can tell the charts apart.
    frame.name = name
    chart = frame.chart
    # The slide title states the point; PowerPoint's automatic chart title would repeat a series name.
    chart.has_title = False
    chart.font.size = Pt(12)
    chart.font.color.rgb = _rgb(NHS_TEXT)
    chart.has_legend = len(native.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    value_axis = chart.value_axis
    value_axis.tick_labels.number_format = native.number_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = _rgb("#E8EDEE")
    if native.number_format == SPC_NUMBER_FORMATS["percent"]:
        value_axis.minimum_scale, value_axis.maximum_scale = 0, 100
    elif native.value_kind in VALUE_RANGES:
        value_axis.minimum_scale, value_axis.maximum_scale = VALUE_RANGES[native.value_kind]
    category_axis = chart.category_axis
    if native.kind in ("bar", "stacked_bar"):
        # PowerPoint draws bar categories bottom-up; reversed, they read top-down like the table.
        category_axis.reverse_order = True
    # Labels sit at the bottom even when a limit goes below zero.
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    if len(native.categories) > MANY_CATEGORIES:
        category_axis.tick_labels.font.size = Pt(7 if len(native.categories) > 2 * MANY_CATEGORIES else 8)
    if native.kind in ("bar", "stacked_bar"):
        # Every bar keeps its label; PowerPoint would otherwise skip some when space is short.
        _show_every_label(category_axis._element)
    is_bar = native.kind in ("bar", "column", "stacked_bar", "stacked_column")
    plot = chart.plots[0]
    if is_bar:
        plot.gap_width = 60
        if native.kind in ("stacked_bar", "stacked_column"):
            plot.overlap = 100
    if native.kind in ("bar", "column") and len(native.categories) * len(native.series) <= MAX_LABELLED_BARS:
        plot.has_data_labels = True
        plot.data_labels.number_format = native.number_format
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(11)
    for series, spec in zip(plot.series, native.series, strict=True):
        colour = _rgb(spec.colour or NHS_BLUE)
        if is_bar:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = colour
            continue
        series.smooth = False
        line = series.format.line
        if spec.joined:
            line.color.rgb = colour
            line.width = Pt(2.25)
            if spec.dashed:
                line.dash_style = MSO_LINE_DASH_STYLE.DASH
        else:
            line.fill.background()
        if spec.markers or native.kind == "line_markers":
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.size = 9 if not spec.joined else 6
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = colour
            series.marker.format.line.color.rgb = colour
        else:
            series.marker.style = XL_MARKER_STYLE.NONE
