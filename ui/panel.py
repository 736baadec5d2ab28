"""Showing a prepared chart view on a page: title, chart, caption, text
description, and the data behind it with a CSV download of exactly those rows."""

from __future__ import annotations

import functools

import streamlit as st

from charts.palette import PLOTLY_CONFIG
from reports.safe_csv import csv_bytes
from ui.meeting import meeting_mode_on, presentation_spec, screen_reader_only_key
from views.base import PreparedView


def show_view(prepared: PreparedView) -> None:
    """Render ``prepared``: its key message as the title (the title states the
    point), the chart or its empty-state message, the caption with n and
    "data as of", the generated text description, and a data expander.

    In meeting mode only the key message, the chart and the caption show:
    no chart toolbar or data expander, and the description is kept for
    screen readers only.
    """
    view = prepared.view
    meeting = meeting_mode_on()
    with st.container(key=f"view-{view.id}"):
        st.subheader(prepared.key_message or view.title, anchor=view.id)
        if prepared.figure is None:
            st.info(prepared.empty_message or "Nothing to show for these filters.", icon=":material/info:")
            return
        draw_figure(prepared, meeting=meeting)
        if prepared.caption:
            st.caption(prepared.caption)
        draw_description(prepared, meeting=meeting)
        if not meeting:
            draw_data(prepared)


def draw_figure(prepared: PreparedView, *, meeting: bool) -> None:
    """Draw ``prepared``'s figure; in meeting mode with larger fonts and no toolbar."""
    figure, config = prepared.figure, PLOTLY_CONFIG
    if meeting:
        figure, config = presentation_spec(figure), {**PLOTLY_CONFIG, "displayModeBar": False}
    st.plotly_chart(figure, config=config, key=f"chart-{prepared.view.id}")


def draw_description(prepared: PreparedView, *, meeting: bool) -> None:
    """Write the chart's generated text description; in meeting mode for screen readers only."""
    description = f"Chart description: {prepared.alt_text}"
    if meeting:
        with st.container(key=screen_reader_only_key(prepared.view.id)):
            st.caption(description)
        return
    st.caption(description)


def draw_data(prepared: PreparedView) -> None:
    """Draw the expander with the rows behind the chart and their formula-safe
    CSV download, which is written only when the reader asks for it."""
    view = prepared.view
    with st.expander(f"Data behind this chart: {view.title}"):
        st.dataframe(prepared.table, hide_index=True)
        st.download_button(
            "Download these rows as CSV",
            data=functools.partial(csv_bytes, prepared.table),
            file_name=f"{view.id}.csv",
            mime="text/csv",
            key=f"csv-{view.id}",
            icon=":material/download:",
        )
