"""Overview: Soft Landing's headline figures for the selected filters.

Run with ``streamlit run dashboard.py``; the further pages are in ``pages/``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import streamlit as st

from data_access.kpis import compute_kpis
from domain.metrics import metric
from domain.periods import previous_period
from ui.cache import cached_query
from ui.frame import page_frame
from ui.notices import change_text, date_range_text

# The Overview tiles, in reading order: reach first, then experience, then coverage.
TILE_ROWS = (
    ("events", "attendances", "unique_participants", "returning_participants"),
    ("attendance_rate", "feedback_responses", "pct_excellent", "rep_coverage_pct"),
)

filters = page_frame("Overview")
# Rep coverage is judged on the last day of the period, as the KPI command does.
as_of = filters.date_to or dt.date.today()
figures = cached_query(compute_kpis, filters=filters, as_of=as_of)
earlier = None
if filters.date_from is not None and filters.date_to is not None:
    earlier_from, earlier_to = previous_period(filters.date_from, filters.date_to)
    earlier = dataclasses.replace(filters, date_from=earlier_from, date_to=earlier_to)
earlier_figures = (
    cached_query(compute_kpis, filters=earlier, as_of=earlier.date_to) if earlier is not None else None
)

if not figures["registrations"]:
    st.info(
        "No attendances for these filters. Widen the period or clear a filter in the sidebar.",
        icon=":material/filter_alt_off:",
    )

for row in TILE_ROWS:
    for column, metric_id in zip(st.columns(len(row)), row, strict=True):
        figure = metric(metric_id)
        change = None
        if earlier_figures is not None:
            change = change_text(figure, figures[metric_id], earlier_figures[metric_id])
        column.metric(
            figure.label,
            figure.format(figures[metric_id]),
            delta=change,
            delta_color="off",
            delta_description="vs previous period" if change is not None else None,
            help=figure.definition,
            border=True,
        )

notes = [
    f"Rep coverage on {as_of:%-d %b %Y}: {figures['regions_with_active_rep']} of "
    f"{figures['regions_total']} selected training regions have an active rep."
]
if earlier is not None:
    notes.append(
        f"Changes compare with the previous period of equal length "
        f"({date_range_text(earlier.date_from, earlier.date_to)}). They are two-point comparisons, "
        "not evidence of a trend."
    )
st.caption("  \n".join(notes))
