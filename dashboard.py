"""Overview: Soft Landing's headline figures for the selected filters.

Started by ``deploy/serve`` (``make run``); the further pages are in ``pages/``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import streamlit as st

from data_access.kpis import compute_kpis
from data_access.queries import meta, reach
from domain.metrics import metric
from domain.periods import previous_period
from domain.suppression import display_kpi, suppression_note
from ui.cache import cached_lookup, cached_query, cached_view
from ui.frame import page_frame
from ui.notices import change_text, date_range_text
from ui.panel import show_view
from ui.privacy import current_min_cell
from views.overview import OVERVIEW_VIEWS, key_messages, regions_reached, shown_kpis

# The Overview tiles, in reading order: reach first, then experience, then coverage.
TILE_ROWS = (
    ("events", "attendances", "unique_participants", "returning_participants"),
    ("attendance_rate", "feedback_responses", "pct_excellent", "rep_coverage_pct"),
)

filters = page_frame("Overview")
min_cell = current_min_cell()
# Rep coverage is judged on the last day of the period, as the KPI command does.
as_of = filters.date_to or dt.date.today()
figures, hidden = shown_kpis(
    cached_query(compute_kpis, filters=filters, as_of=as_of), filters=filters, min_cell=min_cell
)
earlier = None
earlier_figures = None
if filters.date_from is not None and filters.date_to is not None:
    earlier_from, earlier_to = previous_period(filters.date_from, filters.date_to)
    earlier = dataclasses.replace(filters, date_from=earlier_from, date_to=earlier_to)
    earlier_figures, _ = shown_kpis(
        cached_query(compute_kpis, filters=earlier, as_of=earlier.date_to), filters=earlier, min_cell=min_cell
    )

# A period without any record is explained by the frame already: one message, not two.
period_has_records = bool(cached_query(meta.data_dates, filters=filters)["in_period"].iloc[0])
if not figures["registrations"] and "registrations" not in hidden and period_has_records:
    st.info(
        "No attendances for these filters. Widen the period or clear a filter in the sidebar.",
        icon=":material/filter_alt_off:",
    )

for row in TILE_ROWS:
    for column, metric_id in zip(st.columns(len(row)), row, strict=True):
        figure = metric(metric_id)
        # A hidden figure is None on either side, so no change can give it away.
        change = None
        if earlier_figures is not None:
            change = change_text(figure, figures[metric_id], earlier_figures[metric_id])
        column.metric(
            figure.label,
            display_kpi(metric_id, figures, hidden, min_cell=min_cell or 1),
            delta=change,
            delta_color="off",
            delta_description="vs previous period" if change is not None else None,
            help=figure.definition,
            border=True,
        )

notes = [
    (
        f"Rep coverage on {as_of:%-d %b %Y}: {figures['regions_with_active_rep']} of "
        f"{figures['regions_total']} selected training regions have an active rep."
    )
]
if earlier is not None:
    notes.append(
        f"Changes compare with the previous period of equal length "
        f"({date_range_text(earlier.date_from, earlier.date_to)}). They are two-point comparisons, "
        "not evidence of a trend."
    )
if hidden:
    notes.append(suppression_note(min_cell=min_cell))
st.caption("  \n".join(notes))

regions = cached_lookup(meta.region_options)
by_region = cached_query(reach.attendances_by_region, filters=filters)
reached = regions_reached(by_region, regions=regions)

st.subheader("Key messages", anchor="key-messages")
st.markdown(key_messages(figures, hidden, regions_reached=reached, min_cell=min_cell))

for view in OVERVIEW_VIEWS:
    show_view(cached_view(view, filters=filters, min_cell=min_cell))
