"""Differential attainment: members' exam, ARCP and recruitment outcomes by
training year beside the national benchmark groups, outcomes by prior
engagement, and the reach of events linked to each MWRES indicator."""

from __future__ import annotations

import streamlit as st

from data_access.queries import trends
from domain.metrics import ARCP_GROUPING
from ui.cache import cached_lookup, cached_view
from ui.frame import page_frame
from ui.panel import show_view
from ui.privacy import current_min_cell
from ui.spc_panel import show_spc_views
from views.attainment import (
    BENCHMARK_NOTE,
    ENGAGEMENT_CAVEAT,
    ENGAGEMENT_VIEWS,
    MWRES_LABEL_CAVEAT,
    MWRES_REACH,
    OUTCOME_VIEWS_BY_CATEGORY,
)
from views.base import ChartView
from views.spc import SPC_MIN_POINTS, outcome_spc_views

SECTIONS = (
    ("exam", "MRCPCH exams", "Pass rate: passes as a share of all members' results for that exam."),
    ("arcp", "ARCP outcomes", f"Unsatisfactory rate; lower is better. {ARCP_GROUPING}"),
    (
        "recruitment",
        "Specialty recruitment",
        "Offer rate: offers as a share of members' recorded applications.",
    ),
)

filters = page_frame("Differential attainment")
min_cell = current_min_cell()


def show(view: ChartView) -> None:
    show_view(cached_view(view, filters=filters, min_cell=min_cell))


st.markdown(
    "Members' outcomes by GMC training year (from the first Wednesday in August), each rate with its 95% "
    "Wilson interval and n. The region and stage filters select the region and stage recorded on the "
    "outcome, and the dates select the outcome date; the event-type filter does not apply to outcomes. "
    + BENCHMARK_NOTE
)
st.caption(
    "Members' groups are small, so over a short period or a narrow filter many rates are withheld to "
    "protect individuals. Choose a longer period, such as All time, to see more years."
)
for category, heading, explanation in SECTIONS:
    st.header(heading, anchor=f"outcomes-{category}", divider="blue")
    st.caption(explanation)
    for view in OUTCOME_VIEWS_BY_CATEGORY[category]:
        show(view)

st.header("Quarterly trends (SPC)", anchor="spc", divider="blue")
st.caption(
    "Making Data Count XmR charts of each measure's rate per calendar quarter (January to March is Q1), "
    f"for measures with at least {SPC_MIN_POINTS} quarters that can be shown. Quarters only partly inside "
    "the dates, and quarters whose rate is withheld to protect individuals, are left out."
)
show_spc_views(outcome_spc_views(cached_lookup(trends.outcome_measures)), filters=filters, min_cell=min_cell)

st.header("Outcomes by engagement", anchor="engagement", divider="blue")
st.info(ENGAGEMENT_CAVEAT, icon=":material/info:")
st.caption(
    "Engagement is the number of Soft Landing events a member attended before the outcome date: "
    "0, 1–2 or 3 or more, counting every event whatever the filters."
)
for view in ENGAGEMENT_VIEWS:
    show(view)

st.header("MWRES indicators", anchor="mwres", divider="blue")
st.caption(
    "Events are linked to Medical Workforce Race Equality Standard indicators when they are imported. "
    "An event linked to two indicators counts under both. " + MWRES_LABEL_CAVEAT
)
show(MWRES_REACH)
