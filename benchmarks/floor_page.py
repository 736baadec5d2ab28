"""The browser floor: the least a Streamlit page with one Plotly chart can
cost, served by the same Python as the dashboard. ``benchmarks.browser``
times it next to the Overview, so the Overview's time to first chart is read
as a multiple of what Streamlit and Plotly's JavaScript need anyway."""

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Browser floor")
st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2])))
