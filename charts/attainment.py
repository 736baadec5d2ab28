"""Differential-attainment charts: outcome rates with Wilson intervals, engagement bands, MWRES reach.

Rates arrive as proportions (0-1) with ``ci_low``/``ci_high`` from
``domain.intervals``; they are drawn as percentages. A rate is not drawn when
it, or its ``n``, is hidden, or when ``n`` is below ``min_cell``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.common import (
    any_hidden,
    count_labels,
    format_percent,
    hidden,
    hidden_rate_labels,
    require,
    values,
)
from charts.palette import NHS_BLUE, annotate_hidden, apply_base_layout, category_styles, headroom
from charts.spec import FigureSpec, merged
from domain.suppression import HIDDEN_LABEL

HOVER = "%{hovertext}<extra></extra>"
NO_OUTCOMES = "No outcome data for these filters"
NO_MWRES = "No events linked to MWRES indicators for these filters"
ENGAGEMENT_CAVEAT = (
    "Members choose how many events to attend, so differences between bands are associations, not effects."
)
RATE_COLUMNS = ("rate", "ci_low", "ci_high", "n")


def shown_rates(df: pd.DataFrame, *, min_cell: int) -> pd.Series:
    """Return a boolean Series: True where a row's rate may be drawn."""
    n = pd.to_numeric(df["n"], errors="coerce")
    return ~(any_hidden(df, "rate", "n") | (n < min_cell))


def _rate_text(rate: float | None, low: float | None, high: float | None, *, hidden_label: str) -> str:
    """Return e.g. "43.1% (95% CI 38.0% to 48.3%)", or ``hidden_label`` for a rate not drawn."""
    if rate is None:
        return hidden_label
    if low is None or high is None:
        return format_percent(rate, digits=1)
    interval = f"95% CI {format_percent(low, digits=1)} to {format_percent(high, digits=1)}"
    return f"{format_percent(rate, digits=1)} ({interval})"


def _rate_trace(
    part: pd.DataFrame,
    *,
    x: list[str],
    name: str,
    colour: str,
    symbol: str,
    min_cell: int,
    context: list[str],
    show: pd.Series,
    legend: bool,
) -> dict:
    rate = values(part, "rate", hide=~show)
    low = values(part, "ci_low", hide=~show)
    high = values(part, "ci_high", hide=~show)
    n_labels = count_labels(part, "n", min_cell=min_cell)
    hidden_labels = hidden_rate_labels(part, rate="rate", denominator="n", min_cell=min_cell)
    plus = [None if r is None or h is None else (h - r) * 100 for r, h in zip(rate, high)]
    minus = [None if r is None or lo is None else (r - lo) * 100 for r, lo in zip(rate, low)]
    hover = [
        f"{where}<br>{name}: {_rate_text(r, lo, h, hidden_label=gone)}, n = {n}"
        for where, r, lo, h, n, gone in zip(context, rate, low, high, n_labels, hidden_labels)
    ]
    return dict(
        type="scatter",
        name=name,
        legendgroup=name,
        showlegend=legend,
        x=x,
        y=[None if r is None else r * 100 for r in rate],
        mode="markers",
        marker={"color": colour, "symbol": symbol, "size": 13, "line": {"color": "#FFFFFF", "width": 1}},
        error_y={
            "type": "data",
            "array": plus,
            "arrayminus": minus,
            "color": colour,
            "thickness": 2,
            "width": 6,
        },
        hovertext=hover,
        hovertemplate=HOVER,
    )


def outcome_rates_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Outcome rates by training year, with 95% intervals"
) -> go.Figure:
    """Return, per outcome measure, the rate (percent) by training year for each group with Wilson error bars.

    Input columns: training_year_label, measure_label, group, rate, ci_low,
    ci_high, n. Groups (members, national benchmark groups) sit side by side
    in each year with their own colour and marker symbol; one panel per measure.
    """
    df = require(
        df, ("training_year_label", "measure_label", "group", *RATE_COLUMNS), empty_message=NO_OUTCOMES
    )
    measures = list(dict.fromkeys(df["measure_label"].astype(str)))
    groups = list(dict.fromkeys(df["group"].astype(str)))
    styles = category_styles(groups)
    years = sorted(dict.fromkeys(df["training_year_label"].astype(str)))
    fig = FigureSpec.stacked(titles=measures, vertical_spacing=min(0.12, 0.3 / len(measures)))
    measure_of_row = df["measure_label"].astype(str)
    group_of_row = df["group"].astype(str)
    for row, measure in enumerate(measures, start=1):
        for group in groups:
            part = df[(measure_of_row == measure) & (group_of_row == group)]
            if part.empty:
                continue
            year_labels = part["training_year_label"].astype(str).tolist()
            fig.add_trace(
                _rate_trace(
                    part,
                    x=year_labels,
                    name=group,
                    colour=styles[group].colour,
                    symbol=styles[group].symbol,
                    min_cell=min_cell,
                    context=[f"{measure}, {y}" for y in year_labels],
                    show=shown_rates(part, min_cell=min_cell),
                    legend=row == 1,
                ),
                row=row,
            )
    apply_base_layout(fig, title=title, height=160 + 300 * len(measures))
    fig.update_layout(scattermode="group", scattergap=0.5, legend={"y": -60 / (300 * len(measures))})
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=years)
    fig.update_yaxes(range=[0, 105], ticksuffix="%", title={"text": "Rate"})
    fig.layout["annotations"] = [
        merged(annotation, {"x": 0, "xanchor": "left", "font": {"size": 17}})
        for annotation in fig.layout.get("annotations", ())
    ]
    return fig.figure()


def engagement_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Outcome rates by events attended beforehand"
) -> go.Figure:
    """Return the rate (percent) with 95% Wilson error bars per engagement band (0, 1-2, 3+ events).

    Input columns: engagement, rate, ci_low, ci_high, n; with a measure_label
    column, each measure is a separate series with its own marker.
    """
    df = require(df, ("engagement", *RATE_COLUMNS), empty_message=NO_OUTCOMES)
    if "measure_label" not in df.columns:
        df = df.assign(measure_label="Rate")
    bands = list(dict.fromkeys(df["engagement"].astype(str)))
    measures = list(dict.fromkeys(df["measure_label"].astype(str)))
    styles = category_styles(measures)
    fig = FigureSpec()
    for measure in measures:
        part = df[df["measure_label"].astype(str) == measure]
        band_labels = [f"{band.replace('-', '–')} events" for band in part["engagement"].astype(str)]
        fig.add_trace(
            _rate_trace(
                part,
                x=band_labels,
                name=measure,
                colour=styles[measure].colour if len(measures) > 1 else NHS_BLUE,
                symbol=styles[measure].symbol,
                min_cell=min_cell,
                context=band_labels,
                show=shown_rates(part, min_cell=min_cell),
                legend=len(measures) > 1,
            )
        )
    apply_base_layout(fig, title=title)
    fig.update_layout(scattermode="group", title={"subtitle": {"text": ENGAGEMENT_CAVEAT}}, margin={"t": 96})
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=[f"{band.replace('-', '–')} events" for band in bands],
        title={"text": "Soft Landing events attended before the outcome"},
    )
    fig.update_yaxes(range=[0, 105], ticksuffix="%", title={"text": "Rate"})
    return fig.figure()


def mwres_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Reach of events linked to each MWRES indicator"
) -> go.Figure:
    """Return horizontal bars of attendances (count) per MWRES indicator, labelled with the number of events.

    Input columns: indicator, indicator_label, events, attendances. Rows keep the
    frame's (reference) order, top to bottom.
    """
    df = require(df, ("indicator", "indicator_label", "events", "attendances"), empty_message=NO_MWRES)
    names = [f"{code} {label}" for code, label in zip(df["indicator"], df["indicator_label"])]
    attendances = count_labels(df, "attendances", min_cell=min_cell)
    events = [
        HIDDEN_LABEL + " events" if gone else f"{int(count):,} event{'s' if int(count) != 1 else ''}"
        for count, gone in zip(pd.to_numeric(df["events"], errors="coerce"), hidden(df, "events"))
    ]
    fig = FigureSpec(
        dict(
            type="bar",
            name="Attendances",
            orientation="h",
            y=names,
            x=values(df, "attendances"),
            text=[
                "" if gone else f"{a} attendances · {e}"
                for a, e, gone in zip(attendances, events, hidden(df, "attendances"))
            ],
            textposition="outside",
            cliponaxis=False,
            hovertext=[f"{name}<br>{a} attendances at {e}" for name, a, e in zip(names, attendances, events)],
            hovertemplate=HOVER,
            marker={"color": NHS_BLUE},
        )
    )
    apply_base_layout(fig, title=title, height=max(360, 100 + 40 * len(names)))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names)
    fig.update_xaxes(title={"text": "Attendances"})
    headroom(fig, max((v for v in values(df, "attendances") if v is not None), default=None), factor=1.6)
    annotate_hidden(
        fig,
        {
            name: f"{a} attendances · {e}"
            for name, a, e, gone in zip(names, attendances, events, hidden(df, "attendances"))
            if gone
        },
        horizontal=True,
    )
    return fig.figure()
