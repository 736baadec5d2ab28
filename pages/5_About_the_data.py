"""About the data: what every figure means, where the data comes from and
when it was last imported, how small numbers are protected, and how to load
real data."""

from __future__ import annotations

import streamlit as st

from charts.cartogram import CARTOGRAM_CREDIT
from data_access.config import ConfigError, min_cell
from data_access.queries import attainment, meta
from domain.compare import COMPARISON_RULE
from domain.metrics import ARCP_GROUPING, COUNTING_RULES
from domain.suppression import suppression_note
from ui.cache import cached_lookup
from ui.frame import page_frame
from ui.notices import data_as_of_text
from ui.privacy import current_min_cell
from views.about import (
    ENGAGEMENT_RULE,
    LOAD_COMMANDS,
    LOAD_RULES,
    TRAINING_YEAR_RULE,
    import_contract,
    import_history_table,
    metric_definitions,
)
from views.attainment import MWRES_LABEL_CAVEAT

page_frame("About the data")
session_cell = current_min_cell()

st.header("What each figure means", anchor="definitions", divider="blue")
st.caption("The same definitions appear as the help text on the Overview tiles.")
st.table(metric_definitions(), hide_index=True, border="horizontal")
st.markdown(f"**Counting rules.** {COUNTING_RULES}")

st.header("Sources and last import", anchor="sources", divider="blue")
st.markdown(
    "Every figure comes from Soft Landing's own records, loaded from the spreadsheets the team already "
    "keeps: event lists, Zoom and Eventbrite attendance exports, Microsoft Forms feedback, the reps list, "
    "members' outcomes, and published national benchmarks. "
    f"{data_as_of_text(cached_lookup(meta.last_import_at))}."
)
history = cached_lookup(meta.import_history)
if history.empty:
    st.info("Nothing has been imported yet.", icon=":material/info:")
else:
    st.caption("The most recent imports, newest first. No participant data is shown here.")
    st.dataframe(import_history_table(history), hide_index=True, key="import-history")
benchmark_sources = cached_lookup(attainment.benchmark_sources)
if not benchmark_sources.empty:
    st.caption("The published reports the national benchmarks were taken from; follow a link to check a figure.")
    st.dataframe(
        benchmark_sources,
        hide_index=True,
        column_config={
            "source": "Source",
            "source_url": st.column_config.LinkColumn("Link"),
            "first_year": st.column_config.NumberColumn("From year", format="%d"),
            "last_year": st.column_config.NumberColumn("To year", format="%d"),
            "figures": "Figures",
        },
        key="benchmark-sources",
    )

st.header("Small numbers", anchor="suppression", divider="blue")
if session_cell is None:
    st.warning(
        "Exact small numbers are switched on for this session (internal view), so the rule below is "
        "not applied on your screen until you switch it off.",
        icon=":material/visibility:",
    )
try:
    st.markdown(suppression_note(min_cell=session_cell or min_cell()))
except ConfigError as exc:
    st.error(f"**The privacy setting is not valid.** {exc}")
st.markdown(
    "Hidden numbers are removed on the server before anything is drawn, so hover text and downloads "
    "never contain them. No rate or interval is worked out from a hidden count. The threshold is "
    "`[privacy] min_cell` in `.streamlit/secrets.toml` (default 5)."
)

st.header("Outcomes and training years", anchor="outcomes", divider="blue")
st.markdown(f"**ARCP grouping.** {ARCP_GROUPING}")
st.markdown(f"**Training years.** {TRAINING_YEAR_RULE}")
st.markdown(f"**Engagement.** {ENGAGEMENT_RULE}")
st.markdown(
    "**Intervals.** Rates come with a 95% Wilson score interval, which stays within 0–100% and behaves "
    "well for small groups."
)
st.markdown(f"**Comparisons with benchmarks.** {COMPARISON_RULE}")

st.header("Maps and indicator labels", anchor="labels", divider="blue")
st.markdown(
    f"**Regional map.** {CARTOGRAM_CREDIT}. Nothing is fetched from the internet to draw it. The 19 "
    "regions are the GMC's training regions (the pre-2013 deanery structure)."
)
st.markdown(f"**MWRES labels.** {MWRES_LABEL_CAVEAT}")
st.dataframe(
    cached_lookup(meta.mwres_indicator_options),
    hide_index=True,
    column_config={"code": "Code", "label": "Working label"},
    key="mwres-labels",
)

st.header("Loading real data", anchor="loading", divider="blue")
st.markdown(LOAD_COMMANDS)
st.markdown(LOAD_RULES)
st.table(import_contract(), hide_index=True, border="horizontal")
