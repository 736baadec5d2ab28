"""The SPC panel's pure helpers: reading a baseline from the link, and the icons' HTML."""

from __future__ import annotations

import base64
import datetime as dt
import re

from domain.spc import xmr
from ui.spc_panel import baseline_param, icons_html, read_link_baseline
from views.spc import SPC_ATTENDANCES, outcome_spc_view

MONTHS = [dt.date(2025, month, 1) for month in range(1, 13)]
QUARTERS = [f"{2023 + q // 4} Q{q % 4 + 1}" for q in range(10)]


def test_baseline_param_is_named_after_the_view():
    """Each chart has its own link parameter, so two charts' baselines never clash."""
    assert baseline_param(SPC_ATTENDANCES) == "spc-attendances-baseline"


def test_no_link_value_means_the_whole_series():
    """Without the parameter there is no baseline and no message."""
    link = read_link_baseline(None, view=SPC_ATTENDANCES, periods=MONTHS)
    assert link.period is None and link.problem is None


def test_a_link_month_names_the_baseline_end():
    """"2025-07" names July 2025 as the last month of the baseline."""
    link = read_link_baseline("2025-07", view=SPC_ATTENDANCES, periods=MONTHS)
    assert link.period == dt.date(2025, 7, 1) and link.problem is None


def test_a_link_quarter_names_the_baseline_end():
    """"2024-Q3" names the quarter label "2024 Q3" on a quarterly chart."""
    view = outcome_spc_view(measure="arcp", label="ARCP", category="arcp")
    assert read_link_baseline("2024-Q3", view=view, periods=QUARTERS).period == "2024 Q3"


def test_a_bad_link_value_is_refused_in_words():
    """Markup in the link is refused, quoting only its plain letters, and no baseline is used."""
    link = read_link_baseline("[x](http://example.org)", view=SPC_ATTENDANCES, periods=MONTHS)
    assert link.period is None
    assert "The baseline in the link was not used:** “xhttpexample.org” is not a month" in link.problem


def _icon_alts(html: str) -> list[str]:
    return re.findall(r'alt="([^"]+)"', html)


def test_icons_show_variation_and_assurance_with_text():
    """With a target both icons appear, each as an image with alt text and its meaning in words."""
    result = xmr(periods=MONTHS, values=[40, 44, 38, 42, 45, 39, 41, 43, 40, 44, 42, 41], direction="up",
                 target=30.0)
    html = icons_html(result)
    assert _icon_alts(html) == ["Common cause variation", "Assurance: consistently passes the target"]
    assert "The target lies beyond the process limits on the safe side" in html


def test_icons_without_a_target_show_only_variation():
    """No target, no assurance icon."""
    result = xmr(periods=MONTHS, values=[40, 44, 38, 42, 45, 39, 41, 43, 40, 44, 42, 41], direction="up")
    assert _icon_alts(icons_html(result)) == ["Common cause variation"]


def test_icon_images_are_the_svg_drawings():
    """Each image is an inline SVG data URI, so the icons need no file or network."""
    result = xmr(periods=MONTHS, values=list(range(10, 22)), direction="down")
    source = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', icons_html(result))[1]
    svg = base64.b64decode(source).decode()
    assert svg.startswith("<svg") and 'aria-label="Special cause variation: concern (high)"' in svg
