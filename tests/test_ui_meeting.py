"""Meeting mode's pure parts: the ``present`` URL parameter, its style sheet
and the chart copy with larger fonts, without Streamlit."""

from __future__ import annotations

import plotly.graph_objects as go

from ui.meeting import (
    meeting_css,
    present_from_query,
    present_query,
    presentation_spec,
    screen_reader_only_key,
)


def sample_figure() -> go.Figure:
    figure = go.Figure(go.Bar(x=["a", "b"], y=[3, 4], textfont={"size": 14}, marker={"line": {"width": 2}}))
    figure.update_layout(
        height=400,
        font={"size": 16},
        title={"text": "Chart", "font": {"size": 22}},
        uniformtext={"minsize": 12, "mode": "hide"},
    )
    figure.update_xaxes(title_font={"size": 18})
    return figure


def test_present_1_turns_meeting_mode_on():
    """present=1, with or without spaces, asks for meeting mode and needs no notice."""
    assert present_from_query(["1"]) == (True, None)
    assert present_from_query([" 1 "]) == (True, None)


def test_present_0_or_absent_is_off_without_notice():
    """present=0 and a link without the parameter leave meeting mode off, silently."""
    assert present_from_query(["0"]) == (False, None)
    assert present_from_query([]) == (False, None)


def test_invalid_present_is_off_with_notice():
    """present=yes and present=2 are off, each with a notice naming the value and the right one."""
    for value in ("yes", "2", "true"):
        on, notice = present_from_query([value])
        assert on is False
        assert f"present={value}" in notice
        assert "present=1" in notice


def test_empty_present_is_off_with_notice():
    """An empty present= is not a valid value either."""
    on, notice = present_from_query([""])
    assert on is False
    assert notice is not None


def test_repeated_present_keeps_the_last_value():
    """Like st.query_params, a repeated parameter counts by its last value."""
    assert present_from_query(["1", "0"]) == (False, None)
    assert present_from_query(["0", "1"]) == (True, None)


def test_long_invalid_present_is_shortened_in_the_notice():
    """A crafted long value does not flood the page: the notice shows at most 20 characters of it."""
    _, notice = present_from_query(["x" * 500])
    assert "x" * 19 + "…" in notice
    assert "x" * 20 not in notice


def test_present_query_records_only_meeting_mode_on():
    """The URL carries present=1 in meeting mode and nothing otherwise."""
    assert present_query(on=True) == {"present": ["1"]}
    assert present_query(on=False) == {}


def test_css_sets_larger_root_type():
    """The style sheet sets the root font size it is given, in pixels."""
    assert ":root { font-size: 30px; }" in meeting_css(root_font_px=30)


def test_css_hides_sidebar_and_page_controls():
    """The style sheet hides the sidebar, its expand button, and download buttons, expanders and inputs."""
    css = meeting_css()
    for selector in (".stSidebar", ".stExpandSidebarButton", ":has(.stDownloadButton)", ":has(.stExpander)",
                     ":has(.stTextInput)"):
        assert selector in css


def test_css_keeps_screen_reader_text_out_of_view():
    """Containers keyed for screen readers only are clipped to nothing, not removed with display: none."""
    rule = next(line for line in meeting_css().splitlines() if screen_reader_only_key("") in line)
    assert "clip-path: inset(50%)" in rule
    assert "display: none" not in rule


def test_presentation_spec_scales_every_font():
    """Layout, title, axis title and bar text fonts, and the bar-text minimum, are multiplied by the scale."""
    scaled = go.Figure(presentation_spec(sample_figure(), scale=2))
    assert scaled.layout.font.size == 32
    assert scaled.layout.title.font.size == 44
    assert scaled.layout.xaxis.title.font.size == 36
    assert scaled.data[0].textfont.size == 28
    assert scaled.layout.uniformtext.minsize == 24


def test_presentation_spec_sizes_ticks_and_legend_and_height():
    """Ticks and legend without a size of their own get the scaled base size; the height scales too."""
    scaled = go.Figure(presentation_spec(sample_figure(), scale=2))
    assert scaled.layout.xaxis.tickfont.size == 32
    assert scaled.layout.legend.font.size == 32
    assert scaled.layout.height == 800


def test_presentation_spec_widens_the_margins():
    """Margins scale with the fonts, so labels written in a margin still fit."""
    figure = sample_figure().update_layout(margin={"l": 16, "r": 200, "t": 72})
    scaled = go.Figure(presentation_spec(figure, scale=2))
    assert (scaled.layout.margin.l, scaled.layout.margin.r, scaled.layout.margin.t) == (32, 400, 144)
    assert figure.layout.margin.r == 200


def test_presentation_spec_keeps_an_explicit_tick_size_scaled():
    """An axis that names its own tick size keeps that size, scaled, rather than the base size."""
    figure = sample_figure().update_yaxes(tickfont={"size": 10})
    assert go.Figure(presentation_spec(figure, scale=2)).layout.yaxis.tickfont.size == 20


def test_presentation_spec_uses_plotly_default_without_a_base_font():
    """A figure with no base font size scales Plotly's default of 12 px."""
    figure = go.Figure(go.Bar(x=["a"], y=[1]))
    assert presentation_spec(figure, scale=2)["layout"]["font"]["size"] == 24


def test_presentation_spec_leaves_other_sizes_and_the_original_alone():
    """Line widths are not fonts, and the cached original figure keeps its sizes."""
    original = sample_figure()
    scaled = go.Figure(presentation_spec(original, scale=2))
    assert scaled.data[0].marker.line.width == 2
    assert original.layout.title.font.size == 22
    assert original.layout.height == 400
    assert original.layout.xaxis.tickfont.size is None
