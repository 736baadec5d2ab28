"""Feedback charts: rating distribution (Likert), % excellent by month, mean rating per event."""

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
    LIKERT_COLOURS,
    LIKERT_TEXT_COLOURS,
    NHS_BLUE,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    NHS_TEXT,
    PATTERNS,
    apply_base_layout,
    month_axis_layout,
)
from charts.reach import share_by_type_chart
from charts.spec import FigureSpec

HOVER = "%{hovertext}<extra></extra>"
NO_FEEDBACK = "No feedback for these filters"
TYPE_TOTAL = "type_responses"
WITHHELD_NAME = "Withheld (small numbers)"


def type_totals(df: pd.DataFrame) -> pd.Series:
    """Return, per row, the responses of the row's event type.

    From the ``type_responses`` column when the frame has it (each type's
    total, on one of its rows, 0 on the others): NaN for a type whose total
    is hidden. Otherwise the sum of the type's shown cells.
    """
    types = df["event_type_label"]
    if TYPE_TOTAL not in df.columns:
        shown = pd.to_numeric(df["responses"], errors="coerce").where(~hidden(df, "responses"))
        return shown.groupby(types).transform("sum")
    totals = pd.to_numeric(df[TYPE_TOTAL], errors="coerce").where(~hidden(df, TYPE_TOTAL))
    withheld = hidden(df, TYPE_TOTAL).groupby(types).transform("any")
    return totals.groupby(types).transform("sum").where(~withheld)


def rating_shares(df: pd.DataFrame, *, min_cell: int) -> pd.Series:
    """Return each row's share (0-1) of its event type's responses.

    The denominator is ``type_totals``: with a ``type_responses`` column,
    hidden cells leave a withheld remainder instead of inflating the shown
    shares. NaN where the cell is hidden, and for every row of an event type
    with fewer than ``min_cell`` responses (no rate on a tiny denominator).
    """
    shown = pd.to_numeric(df["responses"], errors="coerce").where(~hidden(df, "responses"))
    totals = type_totals(df)
    return safe_ratio(shown, totals.where(totals >= min_cell))


def rating_distribution_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "How participants rated each event type"
) -> go.Figure:
    """Return a 100% stacked horizontal bar per event type, Poor on the left to Excellent on the right.

    Input columns: event_type_label, rating (1-5), rating_label, responses. Shares are
    percentages of the responses shown; a hidden cell is left out of the bar.
    """
    df = require(df, ("event_type_label", "rating", "rating_label", "responses"), empty_message=NO_FEEDBACK)
    df = df.assign(
        _share=rating_shares(df, min_cell=min_cell), _rating=pd.to_numeric(df["rating"]).astype(int)
    )
    type_labels = list(dict.fromkeys(df["event_type_label"].astype(str)))
    fig = FigureSpec()
    for rating in sorted(df["_rating"].unique()):
        rows = df[df["_rating"] == rating]
        label = str(rows["rating_label"].iloc[0])
        by_type = dict(zip(rows["event_type_label"].astype(str), rows.index))
        labels = count_labels(rows, "responses", min_cell=min_cell)
        count_by_row = dict(zip(rows.index, labels))
        counts = [count_by_row[by_type[event]] if event in by_type else "0" for event in type_labels]
        shares = [df.at[by_type[event], "_share"] if event in by_type else None for event in type_labels]
        slot = min(max(rating - 1, 0), len(LIKERT_COLOURS) - 1)
        fig.add_trace(
            dict(
                type="bar",
                name=label,
                orientation="h",
                y=type_labels,
                x=[None if pd.isna(share) else float(share * 100) for share in shares],
                text=[format_percent(share) if pd.notna(share) else "" for share in shares],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": LIKERT_TEXT_COLOURS[slot]},
                hovertext=[
                    f"{event}<br>{label}: {format_percent(share)} ({count} responses)"
                    if pd.notna(share)
                    else f"{event}<br>{label}: {count} responses"
                    for event, share, count in zip(type_labels, shares, counts)
                ],
                hovertemplate=HOVER,
                marker={
                    "color": LIKERT_COLOURS[slot],
                    "line": {"color": NHS_TEXT, "width": 0.5},
                    "pattern": {"shape": PATTERNS[slot], "fgcolor": NHS_MID_GREY, "solidity": 0.15},
                },
            )
        )
    if TYPE_TOTAL in df.columns:
        _add_withheld(fig, df, type_labels)
    apply_base_layout(fig, title=title, height=max(360, 120 + 56 * len(type_labels)))
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_xaxes(range=[0, 100], ticksuffix="%", title={"text": "Share of responses"})
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return fig.figure()


def _add_withheld(fig: FigureSpec, df: pd.DataFrame, type_labels: list[str]) -> None:
    """Add the share of each type's responses that suppression withheld, so the
    bar still reaches 100% without inflating the shown ratings."""
    shown = df.groupby(df["event_type_label"].astype(str), sort=False)["_share"].sum(min_count=1)
    drawn = shown.reindex(type_labels)
    withheld = [None if pd.isna(total) or 1 - total < 0.005 else float(1 - total) for total in drawn]
    if all(share is None for share in withheld):
        return
    fig.add_trace(
        dict(
            type="bar",
            name=WITHHELD_NAME,
            orientation="h",
            y=type_labels,
            x=[None if share is None else share * 100 for share in withheld],
            text=[format_percent(share) if share is not None else "" for share in withheld],
            textposition="inside",
            insidetextanchor="middle",
            textfont={"color": NHS_TEXT},
            hovertext=[
                f"{event}<br>Withheld to protect small numbers: {format_percent(share)} of responses"
                for event, share in zip(type_labels, withheld)
            ],
            hovertemplate=HOVER,
            marker={
                "color": NHS_PALE_GREY,
                "line": {"color": NHS_TEXT, "width": 0.5},
                "pattern": {"shape": "-", "fgcolor": NHS_MID_GREY, "solidity": 0.2},
            },
        )
    )


def excellent_rates(df: pd.DataFrame, *, min_cell: int) -> pd.Series:
    """Return excellent / responses (0-1) per row, NaN where either is hidden or responses < min_cell."""
    rate = safe_ratio(df["excellent"], df["responses"])
    responses = pd.to_numeric(df["responses"], errors="coerce")
    return rate.where(~(any_hidden(df, "excellent", "responses") | (responses < min_cell)))


def excellent_by_month_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Share of feedback rating the event excellent"
) -> go.Figure:
    """Return a monthly line of the percentage of responses rating "Excellent".

    Input columns: month, responses, excellent. Months with fewer than ``min_cell``
    responses show no point.
    """
    df = require(df, ("month", "responses", "excellent"), empty_message=NO_FEEDBACK)
    df = df.assign(_month=months(df)).sort_values("_month")
    df = df.assign(_rate=excellent_rates(df, min_cell=min_cell))
    excellent = count_labels(df, "excellent", min_cell=min_cell)
    responses = count_labels(df, "responses", min_cell=min_cell)
    gone_labels = hidden_rate_labels(df, rate=None, denominator="responses", min_cell=min_cell)
    fig = FigureSpec(
        dict(
            type="scatter",
            name="% excellent",
            x=month_axis(df["_month"]),
            y=[None if pd.isna(rate) else float(rate * 100) for rate in df["_rate"]],
            mode="lines+markers+text",
            text=[format_percent(rate) if pd.notna(rate) else "" for rate in df["_rate"]],
            textposition="top center",
            line={"color": NHS_BLUE, "width": 3},
            marker={"size": 9, "color": NHS_BLUE},
            hovertext=[
                f"{month_name(m)}<br>Excellent: {format_percent(rate)} ({e} of {r} responses)"
                if pd.notna(rate)
                else f"{month_name(m)}<br>Excellent: {gone} ({r} responses)"
                for m, rate, e, r, gone in zip(df["_month"], df["_rate"], excellent, responses, gone_labels)
            ],
            hovertemplate=HOVER,
        )
    )
    apply_base_layout(fig, title=title)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(range=[0, 105], ticksuffix="%", title={"text": "Responses rating excellent"})
    x = month_axis(df["_month"])
    month_axis_layout(fig, first=x[0], last=x[-1], count=len(x))
    return fig.figure()


def response_rate_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Feedback response rate by event type"
) -> go.Figure:
    """Return horizontal bars of responses / attendances (percent) per event type.

    Input columns: event_type_label, responses, attendances.
    """
    return share_by_type_chart(
        df,
        numerator="responses",
        denominator="attendances",
        min_cell=min_cell,
        title=title,
        measure="Attendances with feedback",
        denominator_noun="attendances",
        empty_message=NO_FEEDBACK,
    )


def event_labels(df: pd.DataFrame) -> list[str]:
    """Return "Title · 12 Mar 2025" per event row, so events that share a title stay apart."""
    return [f"{title} · {pd.Timestamp(date):%-d %b %Y}" for title, date in zip(df["title"], df["date"])]


# More events than this make an unreadable chart (and a slow one): the chart
# keeps the most recent ones, and the data table beside it keeps them all.
MAX_EVENTS_CHARTED = 40


def mean_rating_by_event_chart(
    df: pd.DataFrame, *, min_cell: int = 5, title: str = "Mean rating per event",
    max_events: int = MAX_EVENTS_CHARTED,
) -> go.Figure:
    """Return a dot per event at its mean rating (1 = Poor to 5 = Excellent), in the frame's order.

    Input columns: title, date, responses, mean_rating. Events with fewer than
    ``min_cell`` responses show no dot. Only the ``max_events`` most recent
    events are drawn, and the title then says so.
    """
    df = require(df, ("title", "date", "responses", "mean_rating"), empty_message=NO_FEEDBACK)
    if len(df) > max_events:
        recent = df.sort_values("date", ascending=False, kind="stable").head(max_events).index
        title = f"{title}: the {max_events} most recent of {len(df):,} events"
        df = df.loc[df.index.isin(recent)].reset_index(drop=True)
    responses = pd.to_numeric(df["responses"], errors="coerce")
    too_few = hidden(df, "responses") | (responses < min_cell)
    means = values(df, "mean_rating", hide=too_few)
    names = event_labels(df)
    response_labels = count_labels(df, "responses", min_cell=min_cell)
    gone_labels = hidden_rate_labels(df, rate="mean_rating", denominator="responses", min_cell=min_cell)
    fig = FigureSpec(
        dict(
            type="scatter",
            name="Mean rating",
            y=names,
            x=means,
            mode="markers+text",
            text=[f"{mean:.1f}" if mean is not None else "" for mean in means],
            textposition="middle right",
            marker={"size": 14, "color": NHS_BLUE, "symbol": "diamond"},
            hovertext=[
                f"{name}<br>Mean rating {mean:.2f} from {count} responses"
                if mean is not None
                else f"{name}<br>Mean rating {gone} ({count} responses)"
                for name, mean, count, gone in zip(names, means, response_labels, gone_labels)
            ],
            hovertemplate=HOVER,
        )
    )
    apply_base_layout(fig, title=title, height=max(360, 100 + 36 * len(names)))
    fig.update_layout(showlegend=False)
    fig.update_xaxes(
        range=[0.8, 5.4],
        tickvals=[1, 2, 3, 4, 5],
        ticktext=["1 Poor", "2", "3", "4", "5 Excellent"],
        title={"text": "Mean rating"},
    )
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names)
    for name, mean, gone in zip(names, means, gone_labels):
        if mean is None:
            fig.add_annotation(
                x=1,
                y=name,
                text=f"mean not shown ({gone})",
                showarrow=False,
                xanchor="left",
                font={"color": NHS_MID_GREY},
            )
    return fig.figure()
