"""Drawing a Making Data Count XmR chart from the table ``domain.spc.xmr`` returns."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from charts.common import EmptyChart, require
from charts.palette import (
    NHS_MID_GREY,
    NHS_TEXT,
    SPC_COMMON,
    SPC_SYMBOLS,
    SPC_TARGET,
    SPC_VARIATION_COLOURS,
    apply_base_layout,
)
from charts.spec import FigureSpec
from domain.spc import MIN_BASELINE_FOR_FIRM_LIMITS, SPC_COLUMNS

NO_SPC = "Not enough data for an SPC chart for these filters"
TRIAL_LIMITS_NOTE = f"Trial limits (fewer than {MIN_BASELINE_FOR_FIRM_LIMITS} points)"
VARIATION_NAMES: dict[str, str] = {
    "common": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither better nor worse",
}
BASELINE_NOTE = "Baseline (shaded): limits frozen after it"
PERCENT_UNITS = frozenset({"%", "percent"})


def format_spc_value(value: float, *, unit: str) -> str:
    """Return a value in the chart's unit: "83.4%" for percentages, "1,204 attendances" for counts."""
    if unit in PERCENT_UNITS:
        return f"{value:.1f}%"
    digits = 0 if float(value).is_integer() else 1
    return f"{value:,.{digits}f} {unit}".rstrip()


def _period_axis(periods: pd.Series) -> tuple[list, bool]:
    """Return x values and whether they are dates (True) or category labels."""
    if pd.api.types.is_datetime64_any_dtype(periods) or all(hasattr(p, "isoformat") for p in periods):
        return [pd.Timestamp(p).strftime("%Y-%m-%d") for p in periods], True
    return [str(p) for p in periods], False


def _period_text(period: object) -> str:
    return pd.Timestamp(period).strftime("%b %Y") if hasattr(period, "isoformat") else str(period)


def spc_chart(
    spc_df: pd.DataFrame,
    *,
    title: str,
    unit: str,
    target: float | None = None,
    trial_limits: bool,
    sigma_lines: tuple[float, float] | None = None,
    baseline_end: object | None = None,
) -> go.Figure:
    """Return an XmR chart: values joined by a grey line, mean, dashed process limits, optional target.

    ``spc_df`` has the ``domain.spc.SPC_COLUMNS`` columns (period, value, mean,
    lower_limit, upper_limit, special_cause, variation). Points are coloured
    and shaped by variation; ``sigma_lines`` (lower, upper) adds the faint
    2-sigma lines; ``target`` (in ``unit``) draws a red line; ``trial_limits``
    adds the "Trial limits" note; ``baseline_end`` (a period of ``spc_df``)
    shades the baseline the limits were computed from and frozen after.
    Values and limits are drawn in ``unit``.
    """
    df = require(spc_df, SPC_COLUMNS, empty_message=NO_SPC)
    df = df[pd.to_numeric(df["value"], errors="coerce").notna()].reset_index(drop=True)
    if df.empty:
        raise EmptyChart(NO_SPC)
    x, dated = _period_axis(df["period"])
    y = [float(v) for v in df["value"]]
    fig = FigureSpec()
    fig.add_trace(
        dict(
            type="scatter",
            x=x,
            y=y,
            mode="lines",
            line={"color": SPC_COMMON, "width": 2},
            showlegend=False,
            hoverinfo="skip",
            name="Values",
        )
    )
    for column, name, dash, width in (
        ("upper_limit", "Upper process limit", "dash", 2),
        ("mean", "Mean", "solid", 2),
        ("lower_limit", "Lower process limit", "dash", 2),
    ):
        line = [float(v) for v in df[column]]
        fig.add_trace(
            dict(
                type="scatter",
                x=x,
                y=line,
                mode="lines",
                name=name,
                line={"color": NHS_TEXT if column == "mean" else NHS_MID_GREY, "dash": dash, "width": width},
                hovertext=[f"{name}: {format_spc_value(v, unit=unit)}" for v in line],
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
            )
        )
        fig.add_annotation(
            x=x[-1],
            y=line[-1],
            text=f"{name.replace(' process', '')} {format_spc_value(line[-1], unit=unit)}",
            showarrow=False,
            xanchor="left",
            xshift=8,
            font={"size": 13, "color": NHS_MID_GREY},
        )
    if sigma_lines is not None:
        for level in sigma_lines:
            fig.add_trace(
                dict(
                    type="scatter",
                    x=x,
                    y=[float(level)] * len(x),
                    mode="lines",
                    name="2-sigma line",
                    line={"color": NHS_MID_GREY, "dash": "dot", "width": 1},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    if target is not None and math.isfinite(target):
        fig.add_trace(
            dict(
                type="scatter",
                x=x,
                y=[float(target)] * len(x),
                mode="lines",
                name=f"Target {format_spc_value(target, unit=unit)}",
                line={"color": SPC_TARGET, "dash": "dashdot", "width": 2},
                hovertext=[f"Target: {format_spc_value(target, unit=unit)}"] * len(x),
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    variation = df["variation"].astype(str)
    for kind in ("common", "improvement", "concern", "neutral"):
        rows = df.index[variation == kind]
        if len(rows) == 0:
            continue
        fig.add_trace(
            dict(
                type="scatter",
                x=[x[i] for i in rows],
                y=[y[i] for i in rows],
                mode="markers",
                name=VARIATION_NAMES[kind],
                marker={
                    "color": SPC_VARIATION_COLOURS[kind],
                    "symbol": SPC_SYMBOLS[kind],
                    "size": 11 if kind == "common" else 14,
                    "line": {"color": "#FFFFFF", "width": 1},
                },
                hovertext=[
                    f"{_period_text(df.at[i, 'period'])}: {format_spc_value(y[i], unit=unit)}"
                    f"<br>{VARIATION_NAMES[kind]}"
                    for i in rows
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    apply_base_layout(fig, title=title)
    fig.update_layout(margin={"r": 200})
    percent = unit in PERCENT_UNITS
    fig.update_yaxes(
        title={"text": "Percent" if percent else unit.capitalize()}, ticksuffix="%" if percent else ""
    )
    if dated:
        # Half a month of padding each side leaves the right margin to the limit labels.
        first, last = pd.Timestamp(x[0]), pd.Timestamp(x[-1])
        pad = pd.Timedelta(days=15)
        fig.update_xaxes(type="date", tickformat="%b %Y", range=[first - pad, last + pad])
    else:
        fig.update_xaxes(type="category")
    if baseline_end is not None:
        _shade_baseline(fig, x=x, end=x[list(df["period"]).index(baseline_end)], dated=dated)
    if trial_limits:
        fig.add_annotation(
            text=TRIAL_LIMITS_NOTE,
            xref="paper",
            yref="paper",
            x=1,
            y=1.02,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 14, "color": NHS_TEXT},
            bgcolor="#FFF3CD",
            bordercolor=NHS_MID_GREY,
        )
    return fig.figure()


def _shade_baseline(fig: FigureSpec, *, x: list, end: str, dated: bool) -> None:
    """Shade the periods from the first to ``end``, labelled as the baseline."""
    if dated:
        pad = pd.Timedelta(days=15)
        left, right = pd.Timestamp(x[0]) - pad, pd.Timestamp(end) + pad
    else:
        left, right = -0.5, x.index(end) + 0.5
    fig.add_shape(
        type="rect", x0=left, x1=right, xref="x", y0=0, y1=1, yref="y domain", fillcolor=NHS_MID_GREY,
        opacity=0.08, line={"width": 0}, layer="below",
    )
    # Above the plot area, clear of the limit lines; the trial-limits note sits at the far right.
    fig.add_annotation(
        x=left,
        y=1.0,
        xref="x",
        yref="paper",
        text=BASELINE_NOTE,
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        font={"size": 13, "color": NHS_TEXT},
    )
