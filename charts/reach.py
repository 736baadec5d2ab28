"""Event-reach charts: attendances, registrations and participants over time and by group.

Every hover label is prepared here as text (``hovertext``) from display
strings, so a hover template never reads a raw value that suppression hid.
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
    month_axis,
    month_name,
    months,
    require,
    safe_ratio,
    values,
)
from charts.palette import (
    EVENT_TYPE_ORDER,
    NHS_BLUE,
    NHS_DARK_BLUE,
    OKABE_ITO,
    STAGE_GROUP_ORDER,
    annotate_hidden,
    apply_base_layout,
    category_styles,
    headroom,
    month_axis_layout,
)
from charts.spec import FigureSpec

HOVER = "%{hovertext}<extra></extra>"
NO_ATTENDANCES = "No attendances for these filters"
NO_REGISTRATIONS = "No registrations for these filters"

# Used when the frame carries no stage_group_label column.
STAGE_GROUP_NAMES = {
    "non_training": "Non-training (pre-NHS, LED, SAS)",
    "core": "Core ST1–4",
    "specialty": "Specialty ST5–8",
    "consultant": "Consultant",
    "unknown": "Unknown",
}


def _months(fig: FigureSpec, stamps: pd.Series) -> None:
    x = month_axis(stamps.drop_duplicates().sort_values())
    month_axis_layout(fig, first=x[0], last=x[-1], count=len(x))


def _blank_hidden(labels: list[str], df: pd.DataFrame, column: str) -> list[str]:
    """Return bar text with hidden cells blank: their "<5" is written by ``annotate_hidden`` instead."""
    return ["" if gone else label for label, gone in zip(labels, hidden(df, column))]


def attendances_by_month_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Attendances by month and event type"
) -> go.Figure:
    """Return stacked monthly bars of attendances (people-events), one pattern and colour per event type.

    Input columns: month, event_type, event_type_label, attendances.
    """
    df = require(df, ("month", "event_type", "event_type_label", "attendances"), empty_message=NO_ATTENDANCES)
    df = df.assign(_month=months(df))
    codes = list(dict.fromkeys(sorted(df["event_type"], key=_event_type_rank)))
    styles = category_styles(codes, known_order=EVENT_TYPE_ORDER)
    fig = FigureSpec()
    for code in codes:
        part = df[df["event_type"] == code].sort_values("_month")
        label = str(part["event_type_label"].iloc[0])
        labels = count_labels(part, "attendances", min_cell=min_cell)
        fig.add_trace(
            dict(
                type="bar",
                name=label,
                x=month_axis(part["_month"]),
                y=values(part, "attendances"),
                text=labels,
                textposition="inside",
                insidetextanchor="middle",
                hovertext=[
                    f"{month_name(m)}<br>{label}: {text} attendances"
                    for m, text in zip(part["_month"], labels)
                ],
                hovertemplate=HOVER,
                marker={
                    "color": styles[code].colour,
                    "pattern": {"shape": styles[code].pattern, "fgcolor": "#FFFFFF", "solidity": 0.3},
                    "line": {"color": "#FFFFFF", "width": 1},
                },
            )
        )
    apply_base_layout(fig, title=title)
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_yaxes(title={"text": "Attendances"}, rangemode="tozero")
    _months(fig, df["_month"])
    return fig.figure()


def _event_type_rank(code: str) -> tuple[int, str]:
    return (EVENT_TYPE_ORDER.index(code) if code in EVENT_TYPE_ORDER else len(EVENT_TYPE_ORDER), code)


def reach_over_time_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Reach over time"
) -> go.Figure:
    """Return monthly lines of registrations, attendances and unique participants (counts).

    Input columns: month, registrations, attendances, unique_participants.
    """
    df = require(
        df, ("month", "registrations", "attendances", "unique_participants"), empty_message=NO_ATTENDANCES
    )
    df = df.assign(_month=months(df)).sort_values("_month")
    series = (
        ("registrations", "Registrations", OKABE_ITO[1], "dash", "diamond"),
        ("attendances", "Attendances", NHS_BLUE, "solid", "circle"),
        ("unique_participants", "Unique participants", NHS_DARK_BLUE, "dot", "square"),
    )
    fig = FigureSpec()
    for column, label, colour, dash, symbol in series:
        labels = count_labels(df, column, min_cell=min_cell)
        fig.add_trace(
            dict(
                type="scatter",
                name=label,
                x=month_axis(df["_month"]),
                y=values(df, column),
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 3},
                marker={"symbol": symbol, "size": 9, "color": colour},
                hovertext=[f"{month_name(m)}<br>{label}: {text}" for m, text in zip(df["_month"], labels)],
                hovertemplate=HOVER,
            )
        )
    apply_base_layout(fig, title=title)
    fig.update_yaxes(title={"text": "Count per month"}, rangemode="tozero")
    _months(fig, df["_month"])
    return fig.figure()


def attendances_by_region_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Attendances by training region"
) -> go.Figure:
    """Return horizontal bars of attendances and unique participants per region, largest at the top.

    Input columns: region, region_name, attendances, unique_participants.
    """
    df = require(
        df, ("region", "region_name", "attendances", "unique_participants"), empty_message=NO_ATTENDANCES
    )
    order = pd.to_numeric(df["attendances"], errors="coerce").where(~hidden(df, "attendances"), -1)
    df = df.assign(_order=order).sort_values(["_order", "region_name"], ascending=[True, False])
    names = [str(name) for name in df["region_name"]]
    attendance_labels = count_labels(df, "attendances", min_cell=min_cell)
    participant_labels = count_labels(df, "unique_participants", min_cell=min_cell)
    hover = [
        f"{name}<br>Attendances: {a}<br>Unique participants: {p}"
        for name, a, p in zip(names, attendance_labels, participant_labels)
    ]
    fig = FigureSpec()
    for column, label, labels, colour, pattern in (
        ("unique_participants", "Unique participants", participant_labels, NHS_DARK_BLUE, "/"),
        ("attendances", "Attendances", attendance_labels, NHS_BLUE, ""),
    ):
        fig.add_trace(
            dict(
                type="bar",
                name=label,
                orientation="h",
                y=names,
                x=values(df, column),
                text=_blank_hidden(labels, df, column),
                textposition="outside",
                cliponaxis=False,
                hovertext=hover,
                hovertemplate=HOVER,
                marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#FFFFFF"}},
            )
        )
    apply_base_layout(fig, title=title, height=max(360, 60 + 44 * len(names)))
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"})
    fig.update_xaxes(title={"text": "Count"}, rangemode="tozero")
    annotate_hidden(
        fig,
        {
            name: label
            for name, label, gone in zip(names, attendance_labels, hidden(df, "attendances"))
            if gone
        },
        horizontal=True,
    )
    headroom(fig, max((v for v in values(df, "attendances") if v is not None), default=None), factor=1.15)
    return fig.figure()


def attendances_by_stage_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Attendances by training stage"
) -> go.Figure:
    """Return bars of attendances per training stage in the frame's order, grouped by stage group.

    Input columns: stage, stage_label, stage_group, attendances.
    """
    df = require(df, ("stage", "stage_label", "stage_group", "attendances"), empty_message=NO_ATTENDANCES)
    groups = list(dict.fromkeys(df["stage_group"]))
    styles = category_styles(groups, known_order=STAGE_GROUP_ORDER)
    stage_labels = [str(label) for label in df["stage_label"]]
    fig = FigureSpec()
    for group in groups:
        part = df[df["stage_group"] == group]
        labels = count_labels(part, "attendances", min_cell=min_cell)
        fig.add_trace(
            dict(
                type="bar",
                name=str(part["stage_group_label"].iloc[0])
                if "stage_group_label" in part.columns
                else STAGE_GROUP_NAMES.get(group, str(group)),
                x=[str(label) for label in part["stage_label"]],
                y=values(part, "attendances"),
                text=_blank_hidden(labels, part, "attendances"),
                textposition="outside",
                cliponaxis=False,
                hovertext=[f"{s}: {text} attendances" for s, text in zip(part["stage_label"], labels)],
                hovertemplate=HOVER,
                marker={
                    "color": styles[group].colour,
                    "pattern": {"shape": styles[group].pattern, "fgcolor": "#FFFFFF"},
                },
            )
        )
    apply_base_layout(fig, title=title)
    fig.update_layout(barmode="relative")
    fig.update_xaxes(categoryorder="array", categoryarray=stage_labels, title={"text": "Training stage"})
    fig.update_yaxes(title={"text": "Attendances"}, rangemode="tozero")
    all_labels = count_labels(df, "attendances", min_cell=min_cell)
    annotate_hidden(
        fig,
        {
            stage: label
            for stage, label, gone in zip(stage_labels, all_labels, hidden(df, "attendances"))
            if gone
        },
        horizontal=False,
    )
    return fig.figure()


def share_rates(df: pd.DataFrame, *, numerator: str, denominator: str, min_cell: int) -> pd.Series:
    """Return numerator / denominator (0-1) per row; NaN where either is hidden or the base < min_cell."""
    rate = safe_ratio(df[numerator], df[denominator])
    base = pd.to_numeric(df[denominator], errors="coerce")
    unsafe = any_hidden(df, numerator, denominator) | (base < min_cell)
    return rate.where(~unsafe)


def share_by_type_chart(
    df: pd.DataFrame,
    *,
    numerator: str,
    denominator: str,
    min_cell: int,
    title: str,
    measure: str,
    denominator_noun: str,
    empty_message: str,
) -> go.Figure:
    """Return horizontal bars of numerator / denominator (percent) per event type, highest at the top.

    Input columns: event_type_label and the two count columns. A rate is not
    drawn when either count is hidden or the denominator is below ``min_cell``.
    """
    df = require(df, ("event_type_label", numerator, denominator), empty_message=empty_message)
    df = df.assign(_rate=share_rates(df, numerator=numerator, denominator=denominator, min_cell=min_cell))
    df = df.assign(_order=df["_rate"].fillna(-1)).sort_values(["_order", "event_type_label"])
    names = [str(name) for name in df["event_type_label"]]
    tops = count_labels(df, numerator, min_cell=min_cell)
    bottoms = count_labels(df, denominator, min_cell=min_cell)
    gone_labels = hidden_rate_labels(df, rate=None, denominator=denominator, min_cell=min_cell)
    rate_text = [
        f"{format_percent(rate) if pd.notna(rate) else gone} ({top} of {bottom} {denominator_noun})"
        for rate, gone, top, bottom in zip(df["_rate"], gone_labels, tops, bottoms)
    ]
    percents = [None if pd.isna(rate) else float(rate * 100) for rate in df["_rate"]]
    fig = FigureSpec(
        dict(
            type="bar",
            name=measure,
            orientation="h",
            y=names,
            x=percents,
            text=[format_percent(rate) if pd.notna(rate) else "" for rate in df["_rate"]],
            textposition="outside",
            cliponaxis=False,
            hovertext=[f"{name}<br>{measure}: {text}" for name, text in zip(names, rate_text)],
            hovertemplate=HOVER,
            marker={"color": NHS_BLUE},
        )
    )
    apply_base_layout(fig, title=title, height=max(360, 160 + 48 * len(names)))
    fig.update_xaxes(title={"text": f"{measure} (%)"}, ticksuffix="%")
    headroom(fig, max([100.0, *(p for p in percents if p is not None)]), factor=1.12)
    annotate_hidden(
        fig,
        {
            name: f"rate not shown ({gone})"
            for name, rate, gone in zip(names, df["_rate"], gone_labels)
            if pd.isna(rate)
        },
        horizontal=True,
    )
    return fig.figure()


def conversion_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Registration-to-attendance conversion by event type"
) -> go.Figure:
    """Return horizontal bars of the share of registrations that attended (percent) per event type.

    Input columns: event_type_label, registrations, attendances.
    """
    return share_by_type_chart(
        df,
        numerator="attendances",
        denominator="registrations",
        min_cell=min_cell,
        title=title,
        measure="Registrations that attended",
        denominator_noun="registrations",
        empty_message=NO_REGISTRATIONS,
    )


def new_vs_returning_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "New and returning participants by month"
) -> go.Figure:
    """Return stacked monthly bars of participants attending for the first time vs returning (people).

    Input columns: month, new_participants, returning_participants.
    """
    df = require(df, ("month", "new_participants", "returning_participants"), empty_message=NO_ATTENDANCES)
    df = df.assign(_month=months(df)).sort_values("_month")
    fig = FigureSpec()
    for column, label, colour, pattern in (
        ("new_participants", "New", NHS_BLUE, ""),
        ("returning_participants", "Returning", OKABE_ITO[1], "/"),
    ):
        labels = count_labels(df, column, min_cell=min_cell)
        fig.add_trace(
            dict(
                type="bar",
                name=label,
                x=month_axis(df["_month"]),
                y=values(df, column),
                text=labels,
                textposition="inside",
                hovertext=[f"{month_name(m)}<br>{label}: {text}" for m, text in zip(df["_month"], labels)],
                hovertemplate=HOVER,
                marker={
                    "color": colour,
                    "pattern": {"shape": pattern, "fgcolor": "#FFFFFF", "solidity": 0.3},
                },
            )
        )
    apply_base_layout(fig, title=title)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title={"text": "Participants"}, rangemode="tozero")
    _months(fig, df["_month"])
    return fig.figure()


def cumulative_reach_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Cumulative unique participants"
) -> go.Figure:
    """Return a line of the running count of distinct participants reached (people), labelled at its end.

    Input columns: month, cumulative_unique_participants.
    """
    df = require(df, ("month", "cumulative_unique_participants"), empty_message=NO_ATTENDANCES)
    df = df.assign(_month=months(df)).sort_values("_month")
    labels = count_labels(df, "cumulative_unique_participants", min_cell=min_cell)
    y = values(df, "cumulative_unique_participants")
    fig = FigureSpec(
        dict(
            type="scatter",
            name="Unique participants to date",
            x=month_axis(df["_month"]),
            y=y,
            mode="lines+markers+text",
            text=[""] * (len(labels) - 1) + [labels[-1]],
            textposition="top left",
            cliponaxis=False,
            line={"color": NHS_BLUE, "width": 3, "shape": "hv"},
            marker={"size": 8, "color": NHS_BLUE},
            fill="tozeroy",
            fillcolor="rgba(0, 94, 184, 0.12)",
            hovertext=[f"{month_name(m)}<br>Reached so far: {text}" for m, text in zip(df["_month"], labels)],
            hovertemplate=HOVER,
        )
    )
    apply_base_layout(fig, title=title)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(title={"text": "Unique participants"}, rangemode="tozero")
    _months(fig, df["_month"])
    return fig.figure()
