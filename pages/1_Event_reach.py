"""Event reach: who Soft Landing's events reach, when, from where, and
which events they came to."""

from __future__ import annotations

import functools

import streamlit as st

from data_access.queries import reach
from reports.safe_csv import csv_bytes
from ui.cache import cached_query, cached_view
from ui.frame import page_frame
from ui.panel import show_view
from ui.privacy import current_min_cell
from ui.spc_panel import show_spc_view
from views.reach import EVENT_REACH_VIEWS, EVENTS_TABLE_LABELS, NO_EVENTS, events_table
from views.spc import SPC_ATTENDANCES

filters = page_frame("Event reach")
min_cell = current_min_cell()

for view in EVENT_REACH_VIEWS:
    show_view(cached_view(view, filters=filters, min_cell=min_cell))
show_spc_view(SPC_ATTENDANCES, filters=filters, min_cell=min_cell)

st.subheader("Events in this period", anchor="events")
table = events_table(cached_query(reach.events_table, filters=filters), min_cell=min_cell)
if table.empty:
    st.info(NO_EVENTS, icon=":material/info:")
else:
    st.caption(
        "Newest first; select a column heading to sort. Counts follow the filters: registrations and "
        "attendances by the attendee's region and stage, feedback by the respondent's."
    )
    st.dataframe(
        table,
        hide_index=True,
        column_order=list(EVENTS_TABLE_LABELS),
        column_config={
            **EVENTS_TABLE_LABELS,
            "date": st.column_config.DateColumn(EVENTS_TABLE_LABELS["date"], format="D MMM YYYY"),
            "pct_excellent": st.column_config.NumberColumn(
                EVENTS_TABLE_LABELS["pct_excellent"], format="%.0f%%"
            ),
        },
        key="events-table",
    )
    if min_cell is not None:
        st.caption(
            f"“None” marks a number withheld to protect individuals: a count from 1 to {min_cell - 1}, "
            f"% excellent on fewer than {min_cell} responses, or a figure that would let one of those be "
            "worked out from a total. The download marks each with a *_suppressed column."
        )
    st.download_button(
        "Download the events table as CSV",
        # Written only when the reader asks for it, not on every run of the page.
        data=functools.partial(csv_bytes, table),
        file_name="events.csv",
        mime="text/csv",
        key="csv-events",
        icon=":material/download:",
    )
