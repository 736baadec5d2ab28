"""Regional coverage: where Soft Landing has regional reps, the reach in each
of the 19 training regions, who the reps are, and coverage over time."""

from __future__ import annotations

import streamlit as st

from charts.cartogram import CARTOGRAM_CREDIT
from data_access.queries import meta
from reports.safe_csv import csv_bytes
from ui.cache import cached_lookup, cached_query
from ui.frame import page_frame
from ui.panel import show_view
from ui.privacy import current_min_cell
from views.base import prepare_view
from views.coverage import (
    NO_REPS,
    REGION_COVERAGE,
    REGIONS_COVERED_BY_MONTH,
    period_end,
    reps_at_period_end,
    reps_display_table,
)

filters = page_frame("Regional coverage")
min_cell = current_min_cell()
data_as_of = cached_lookup(meta.last_import_at)
as_of = period_end(filters)

map_rows = cached_query(REGION_COVERAGE.query, filters=filters, as_of=as_of)
show_view(prepare_view(REGION_COVERAGE, map_rows, min_cell=min_cell, data_as_of=data_as_of))
st.caption(
    f"Reps are counted as active on {as_of:%-d %b %Y}, the end of the selected period. "
    f"Reach counts each attendance by the attendee's own region. Map: {CARTOGRAM_CREDIT}."
)

st.subheader("Regional reps", anchor="reps")
reps = reps_display_table(cached_query(reps_at_period_end, filters=filters, as_of=as_of))
if reps.empty:
    st.info(NO_REPS, icon=":material/info:")
else:
    st.caption(
        "Everyone who served as a rep in the selected regions during the period. Reps are public "
        f"volunteers, so their names are shown in full. Active means serving on {as_of:%-d %b %Y}."
    )
    st.dataframe(reps, hide_index=True, key="reps-table")
    st.download_button(
        "Download the reps table as CSV",
        data=csv_bytes(reps),
        file_name="regional-reps.csv",
        mime="text/csv",
        key="csv-reps",
        icon=":material/download:",
    )

covered_rows = cached_query(REGIONS_COVERED_BY_MONTH.query, filters=filters)
show_view(prepare_view(REGIONS_COVERED_BY_MONTH, covered_rows, min_cell=min_cell, data_as_of=data_as_of))
