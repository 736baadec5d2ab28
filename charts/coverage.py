"""Rep-coverage charts other than the cartogram (see ``charts.cartogram``)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.common import month_axis, month_name, months, require, values
from charts.palette import NHS_BLUE, NHS_MID_GREY, apply_base_layout, month_axis_layout
from charts.spec import FigureSpec

NO_COVERAGE = "No rep coverage to show for these filters"


def regions_covered_chart(
    df: pd.DataFrame, *, title: str = "Training regions with an active rep, by month"
) -> go.Figure:
    """Return a monthly step line of regions with an active rep (a count) against the regions selected.

    Input columns: month, regions_with_active_rep, regions_total. Reps are
    volunteers, not participants, so these counts are never suppressed.
    """
    df = require(df, ("month", "regions_with_active_rep", "regions_total"), empty_message=NO_COVERAGE)
    df = df.assign(_month=months(df)).sort_values("_month")
    covered = values(df, "regions_with_active_rep")
    totals = values(df, "regions_total")
    labels = [
        f"{int(c)} of {int(t)}" if c is not None and t is not None else "not known"
        for c, t in zip(covered, totals)
    ]
    x = month_axis(df["_month"])
    fig = FigureSpec()
    fig.add_trace(
        dict(
            type="scatter",
            name="Regions selected",
            x=x,
            y=totals,
            mode="lines",
            line={"color": NHS_MID_GREY, "dash": "dash", "width": 2, "shape": "hv"},
            hovertext=[
                f"{month_name(m)}<br>Regions selected: {int(t)}" for m, t in zip(df["_month"], totals)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.add_trace(
        dict(
            type="scatter",
            name="Regions with an active rep",
            x=x,
            y=covered,
            mode="lines+markers+text",
            text=[""] * (len(labels) - 1) + [labels[-1]],
            textposition="bottom left",
            cliponaxis=False,
            line={"color": NHS_BLUE, "width": 3, "shape": "hv"},
            marker={"size": 8, "color": NHS_BLUE, "symbol": "square"},
            hovertext=[f"{month_name(m)}<br>Covered: {text}" for m, text in zip(df["_month"], labels)],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    apply_base_layout(fig, title=title)
    top = max((t for t in totals if t is not None), default=19)
    fig.update_yaxes(title={"text": "Training regions"}, range=[0, top + 1], dtick=2 if top > 10 else 1)
    month_axis_layout(fig, first=x[0], last=x[-1], count=len(x))
    return fig.figure()
