"""Showing an SPC (Making Data Count) view on a page: key message, variation
and assurance icons with their text, the XmR chart, caption and text
description, a baseline and target choice, and the data with a CSV download
of exactly the SPC columns.

The baseline can also come from the link, as ``?<view id>-baseline=2025-06``
(a month) or ``=2025-Q2`` (a quarter), so a chart with a frozen baseline can
be shared; a value that is not a period of the chart is refused with a
message and the whole series is used. Choosing a baseline writes it to the
link.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from html import escape

import streamlit as st

from charts.spc import PERCENT_UNITS, format_spc_value
from charts.spc_icons import ASSURANCE_NAMES, VARIATION_NAMES, assurance_icon_svg, variation_icon_svg
from data_access.filters import Filters
from domain.spc import SpcResult
from ui.cache import cached_spc_view
from ui.meeting import meeting_mode_on
from ui.panel import draw_data, draw_description, draw_figure
from views.base import PreparedView
from views.spc import (
    TOO_FEW_ADVICE,
    TOO_FEW_PREFIX,
    SpcView,
    baseline_choices,
    baseline_points_for,
    period_label,
    period_text,
)

WHOLE_SERIES = "Whole series (default)"


@dataclass(frozen=True, kw_only=True)
class LinkBaseline:
    """The baseline a link asked for: the period (None for the whole series),
    or the message saying why it was refused."""

    period: dt.date | str | None
    problem: str | None


def baseline_param(view: SpcView) -> str:
    """Return the URL parameter that carries ``view``'s baseline, e.g. "spc-attendances-baseline"."""
    return f"{view.id}-baseline"


def read_link_baseline(text: str | None, *, view: SpcView, periods: list) -> LinkBaseline:
    """Return the baseline end that ``text`` (a URL value) names among the
    chart's ``periods``, or why it cannot be used."""
    if text is None:
        return LinkBaseline(period=None, problem=None)
    try:
        points = baseline_points_for(text, periods=periods, period_word=view.period_word)
    except ValueError as exc:
        return LinkBaseline(
            period=None,
            problem=(
                f"**The baseline in the link was not used:** {exc}. The limits use the whole series; "
                "choose a baseline under “Baseline and target” instead."
            ),
        )
    return LinkBaseline(period=None if points is None else periods[points - 1], problem=None)


def icons_html(result: SpcResult) -> str:
    """Return the variation icon for the latest point and, with a target, the
    assurance icon, each beside its name and meaning in words."""
    items = [(variation_icon_svg(result.variation_icon), VARIATION_NAMES[result.variation_icon],
              result.variation_description)]
    if result.assurance_icon is not None and result.assurance_description is not None:
        items.append((assurance_icon_svg(result.assurance_icon), ASSURANCE_NAMES[result.assurance_icon],
                      result.assurance_description))
    # An <img> of the SVG survives st.html's sanitiser, which drops inline <svg>.
    cells = "".join(
        '<div style="display:flex;gap:0.6rem;align-items:center;flex:1 1 20rem">'
        f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}" '
        f'alt="{escape(name)}" width="56" height="56" style="flex:none">'
        f"<div><strong>{escape(name)}</strong><br><span>{escape(_meaning(text))}</span></div></div>"
        for svg, name, text in items
    )
    return f'<div style="display:flex;flex-wrap:wrap;gap:1rem;margin:0.25rem 0 0.5rem">{cells}</div>'


def _meaning(description: str) -> str:
    """Return a ``domain.spc`` description without its leading name ("Common cause variation: ...")."""
    meaning = description.split(": ", 1)[-1]
    return meaning[:1].upper() + meaning[1:]


def _choose_baseline(view: SpcView, periods: list, *, link: LinkBaseline) -> int | None:
    """Draw the baseline choice, seeded from the link, and return the baseline in points."""
    key = f"{view.id}-baseline-choice"
    param = baseline_param(view)
    choices = [None, *baseline_choices(periods)]
    if key not in st.session_state and link.period is not None:
        st.session_state[key] = link.period
    if st.session_state.get(key) not in choices:
        # The filters changed and the chosen period is no longer in the chart.
        st.session_state[key] = None
    word = view.period_word
    chosen = st.selectbox(
        "Baseline: the limits are worked out from these periods, then frozen",
        choices,
        format_func=lambda period: (
            WHOLE_SERIES if period is None
            else f"First {periods.index(period) + 1} {word}s, to {period_label(period)}"
        ),
        key=key,
        help=f"Choose the {word} a change began, to see whether later {word}s differ from what came before.",
    )
    wanted = None if chosen is None else period_text(chosen)
    if wanted is not None and st.query_params.get(param) != wanted:
        st.query_params[param] = wanted
    elif wanted is None and link.problem is None and param in st.query_params:
        del st.query_params[param]
    return None if chosen is None else periods.index(chosen) + 1


def _choose_target(view: SpcView) -> float | None:
    percent = view.unit in PERCENT_UNITS
    entry = st.number_input(
        f"Target, in {'percent' if percent else view.unit} (optional)",
        min_value=0.0,
        max_value=100.0 if percent else None,
        value=None,
        step=1.0,
        format="%.1f" if percent else "%.0f",
        key=f"{view.id}-target",
        help="Leave empty for no target. With one, the assurance icon says whether the process will meet it.",
    )
    return None if entry is None else float(entry)


def show_spc_view(view: SpcView, *, filters: Filters, min_cell: int | None) -> PreparedView:
    """Render ``view`` for ``filters`` and return what was shown: the key
    message as the title, the icons, the chart, the caption and description,
    the baseline and target choice, and the data with its CSV download."""
    whole = cached_spc_view(view, filters=filters, min_cell=min_cell)
    with st.container(key=f"view-{view.id}"):
        if whole.figure is None or whole.spc is None:
            st.subheader(view.title, anchor=view.id)
            st.info(whole.empty_message or "Nothing to show for these filters.", icon=":material/info:")
            if whole.caption:
                st.caption(whole.caption)
            return whole
        periods = list(whole.table["period"])
        link = read_link_baseline(st.query_params.get(baseline_param(view)), view=view, periods=periods)
        meeting = meeting_mode_on()
        # The chart is drawn above the choices that shape it, once they are read.
        chart_area = st.container()
        if meeting:
            # No controls on a shared screen: a baseline in the link still holds.
            baseline = None if link.period is None else periods.index(link.period) + 1
            target = None
        else:
            with st.expander("Baseline and target"):
                baseline = _choose_baseline(view, periods, link=link)
                target = _choose_target(view)
        prepared = whole
        if baseline is not None or target is not None:
            prepared = cached_spc_view(
                view, filters=filters, min_cell=min_cell, baseline_points=baseline, target=target
            )
        with chart_area:
            _draw(prepared, meeting=meeting)
            if link.problem:
                st.warning(link.problem, icon=":material/warning:")
        if not meeting:
            draw_data(prepared)
    return prepared


def show_spc_views(views: tuple[SpcView, ...], *, filters: Filters, min_cell: int | None) -> None:
    """Render each of ``views`` that has enough data, then one note naming
    the others and why, so that a page of many series is not a wall of
    empty states."""
    too_few, no_data = [], []
    for view in views:
        prepared = cached_spc_view(view, filters=filters, min_cell=min_cell)
        if prepared.figure is not None:
            show_spc_view(view, filters=filters, min_cell=min_cell)
        elif prepared.empty_message == view.empty_message:
            no_data.append(view.label)
        else:
            reason = (prepared.empty_message or "").removeprefix(TOO_FEW_PREFIX).removesuffix(TOO_FEW_ADVICE)
            too_few.append(f"- **{view.label}**: {reason}")
    if too_few or no_data:
        lines = ["No SPC chart for these series, for lack of data that can be shown:", *too_few]
        if no_data:
            lines.append(f"- No results at all for these filters: {', '.join(no_data)}.")
        st.info("\n".join(lines) + "\n\n" + TOO_FEW_ADVICE.strip(), icon=":material/info:")


def _draw(prepared: PreparedView, *, meeting: bool) -> None:
    view, result = prepared.view, prepared.spc
    st.subheader(prepared.key_message or view.title, anchor=view.id)
    st.html(icons_html(result))
    if result.trial_limits:
        st.caption(
            f"Trial limits: the baseline has {result.baseline_points} points, fewer than 12, so the limits "
            "may move as more data arrive."
        )
    draw_figure(prepared, meeting=meeting)
    st.caption(
        f"{prepared.caption}  \nMean {format_spc_value(result.mean, unit=view.unit)}; process limits at the "
        "mean ± 2.66 × the mean moving range. Blue: special cause improvement; orange: concern; purple: "
        "neither better nor worse; grey: common cause."
    )
    draw_description(prepared, meeting=meeting)
