"""Records (admins only): add or edit an event, keep the reps roster, add a
published national benchmark, and undo the latest of these changes.

Every change goes through ``data_access.records``, which checks it with the
importer's own ``prepare`` and writes it with ``commit_rows``: each is an
audited import batch, listed on the Data page and undoable like a file.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access import importers, records
from data_access.config import ConfigError
from data_access.queries import meta
from ui.actions import confirmed, flash, show_flash, uk_time
from ui.auth import current_user
from ui.cache import cached_lookup, current_data_version, get_engine, refresh_data_version
from ui.frame import page_frame

NEW_EVENT = ""
DELIVERY_LABELS = {"virtual": "Virtual", "in_person": "In person", "hybrid": "Hybrid"}
PROBLEMS_SHOWN = 50
CHANGES_SHOWN = 20
# The GMC's training years start in August, so the last complete one began last year.
DEFAULT_BENCHMARK_YEAR_OFFSET = 1

_ROSTER_SNAPSHOT_KEY = "records_roster_drawn"


def show_problems(change: records.RecordChange) -> None:
    """Show the importer's notices and problems for a change that was not saved, as the Data page does."""
    for notice in change.notices:
        st.info(notice, icon=":material/info:")
    count = len(change.problems)
    st.error(f"**{count} problem{'s' if count != 1 else ''} found, so nothing was saved.** Correct the "
             f"values and save again.")
    st.table(pd.DataFrame({"problem": change.problems[:PROBLEMS_SHOWN]}))


def saved(change: records.RecordChange, what: str) -> None:
    """After a successful save: refresh the dashboards' data and report the batch."""
    result = change.result
    refresh_data_version()
    flash(f"Saved {what} as import {result.batch_id}: {result.inserted:,} inserted, {result.updated:,} "
          f"updated, {result.unchanged:,} unchanged. Undo it below if it was a mistake.")


def events_section(engine) -> None:
    """Draw the choice of event and the form that adds or edits it."""
    st.subheader("Events")
    choices = records.event_choices(engine)
    labels = {row.event_id: f"{row.event_id}: {row.title} ({row.date:%-d %b %Y})"
              for row in choices.itertuples()}
    chosen = st.selectbox("Event to edit", [NEW_EVENT, *labels], key="records_event_choice",
                          format_func=lambda key: "— add a new event —" if key == NEW_EVENT else labels[key])
    adding = chosen == NEW_EVENT
    today = dt.date.today()
    current = {} if adding else records.event_values(engine, event_id=chosen)
    if adding:
        st.caption("Leave the event id blank to use the next free number in the event's year, e.g. "
                   f"{records.suggested_event_id(engine, year=today.year)} this year.")
    else:
        attendance = records.attendance_count(engine, event_id=chosen)
        st.caption(f"Editing keeps the event's {attendance:,} registrations and its feedback.")
    types = cached_lookup(meta.event_type_options)
    type_labels = dict(zip(types["code"], types["label"], strict=True))
    regions = cached_lookup(meta.region_options)
    training = regions[regions["is_training_region"].astype(bool)]
    region_labels = {None: "National", **dict(zip(training["code"], training["name"], strict=True))}
    indicators = cached_lookup(meta.mwres_indicator_options)
    indicator_labels = dict(zip(indicators["code"], indicators["label"], strict=True))

    with st.form(f"records_event_form_{chosen}"):
        left, right = st.columns(2)
        event_id = left.text_input("Event id", value=current.get("event_id", ""), disabled=not adding,
                                   placeholder=records.suggested_event_id(engine, year=today.year))
        title = right.text_input("Title", value=current.get("title", ""))
        type_codes = list(type_labels)
        event_type = left.selectbox("Type", type_codes, format_func=type_labels.__getitem__,
                                    index=type_codes.index(current["event_type"]) if current else 0)
        date = right.date_input("Date", value=current.get("date", today), format="DD/MM/YYYY")
        deliveries = list(DELIVERY_LABELS)
        delivery = left.selectbox("Delivery", deliveries, format_func=DELIVERY_LABELS.__getitem__,
                                  index=deliveries.index(current.get("delivery", "virtual")))
        region_codes = list(region_labels)
        host_region = right.selectbox("Host region", region_codes, format_func=region_labels.__getitem__,
                                      index=region_codes.index(current.get("host_region")))
        mwres = left.multiselect("MWRES indicators", list(indicator_labels),
                                 default=current.get("mwres_indicators", []),
                                 format_func=lambda code: f"{code}: {indicator_labels[code]}")
        capacity = right.number_input("Capacity (places)", min_value=0, step=1, value=current.get("capacity"),
                                      placeholder="No limit recorded")
        submitted = st.form_submit_button("Add the event" if adding else "Save the event", type="primary",
                                          icon=":material/save:")
    if not submitted:
        return
    if adding and not event_id.strip() and date is not None:
        event_id = records.suggested_event_id(engine, year=date.year)
    values = {"event_id": event_id if adding else chosen, "title": title, "event_type": event_type,
              "date": date, "delivery": delivery, "host_region": host_region or importers.NATIONAL,
              "mwres_indicators": mwres, "capacity": capacity}
    change = records.save_event(engine, values=values, adding=adding, user=current_user())
    if change.problems:
        show_problems(change)
        return
    saved(change, f"event {values['event_id']}")


def roster_section(engine) -> None:
    """Draw the reps roster as an editable table and its save button."""
    st.subheader("Reps roster")
    st.caption("Change a role or set an end date in the table, or add a rep with the table's + button. "
               "A recorded appointment's name, region and start date stay as they are: to correct one, "
               "set its end date and add a new row.")
    regions = cached_lookup(meta.region_options)
    training_names = regions.loc[regions["is_training_region"].astype(bool), "name"].tolist()
    # The editor applies edits by row position, so the roster it was drawn
    # from is kept for the session: a rep added meanwhile by someone else must
    # not shift this admin's edits onto other rows. A change to the data (a
    # save, an undo, an import) draws a fresh roster and editor.
    editor_key = f"records_roster_{current_data_version()}"
    drawn_key, recorded = st.session_state.get(_ROSTER_SNAPSHOT_KEY, (None, None))
    if drawn_key != editor_key:
        recorded = records.roster(engine)
        st.session_state[_ROSTER_SNAPSHOT_KEY] = (editor_key, recorded)
    edited = st.data_editor(
        # A copy, so that `recorded` stays as drawn whatever the editor does with its data.
        recorded.copy(),
        num_rows="add",
        hide_index=True,
        width="stretch",
        key=editor_key,
        column_config={
            "name": st.column_config.TextColumn("Name", required=True, max_chars=120),
            "region": st.column_config.SelectboxColumn("Region", options=training_names, required=True),
            "role": st.column_config.SelectboxColumn("Role", options=list(importers.ROLES), default="rep"),
            "start_date": st.column_config.DateColumn("Start date", required=True, format="D MMM YYYY"),
            "end_date": st.column_config.DateColumn("End date", format="D MMM YYYY"),
        },
    )
    if not st.button("Save roster changes", type="primary", key="records_roster_save",
                     icon=":material/save:"):
        return
    change = records.save_roster(engine, recorded=recorded, edited=edited, user=current_user())
    if change.problems:
        show_problems(change)
        return
    saved(change, "the roster changes")


def benchmarks_section(engine) -> None:
    """Draw the form for one published national figure."""
    st.subheader("National benchmarks")
    st.caption("One published figure, e.g. a GMC progression report's pass rate for a group: the count "
               "that passed (numerator) out of the count who sat (denominator). A figure with the same "
               "year, measure, group and source replaces the recorded one.")
    measures = records.measure_options(engine)
    measure_labels = dict(zip(measures["code"], measures["label"], strict=True))
    with st.form("records_benchmark_form"):
        left, right = st.columns(2)
        year = left.number_input("Training year (starting)", min_value=importers.FIRST_BENCHMARK_YEAR,
                                 max_value=importers.LAST_BENCHMARK_YEAR, step=1,
                                 value=dt.date.today().year - DEFAULT_BENCHMARK_YEAR_OFFSET)
        measure = right.selectbox("Measure", list(measure_labels), format_func=measure_labels.__getitem__)
        group = left.selectbox("Group", records.benchmark_groups(engine), index=None, accept_new_options=True,
                               placeholder="Choose or type a group, e.g. IMGs")
        source = right.text_input("Source", placeholder="e.g. GMC progression report 2025")
        numerator = left.number_input("Numerator", min_value=0, step=1, value=None)
        denominator = right.number_input("Denominator", min_value=0, step=1, value=None)
        source_url = st.text_input("Link to the source", placeholder="https://…")
        submitted = st.form_submit_button("Add the benchmark", type="primary", icon=":material/save:")
    if not submitted:
        return
    values = {"year": year, "measure": measure, "group": group, "numerator": numerator,
              "denominator": denominator, "source": source, "source_url": source_url}
    change = records.save_benchmark(engine, values=values, user=current_user())
    if change.problems:
        show_problems(change)
        return
    saved(change, f"the {year} benchmark for {group}")


def changes_section(engine) -> None:
    """Draw the latest changes made here and the undo controls."""
    st.subheader("Latest changes")
    changes = records.record_changes(engine, limit=CHANGES_SHOWN)
    if changes.empty:
        st.caption("No change made on this page is waiting to be undone. Every import, including these, is "
                   "listed on the Data page.")
        return
    labels = {int(row.id): f"Import {row.id}: {row.file_name.removeprefix(records.FILE_NAME_PREFIX)} "
                           f"({row.imported_by or 'unknown user'}, {uk_time(row.imported_at)})"
              for row in changes.itertuples()}
    chosen = st.selectbox("Change to undo", list(labels), format_func=labels.__getitem__, index=None,
                          placeholder="Choose a change", key="records_undo_choice")
    if chosen is None:
        return
    question = (f"**Undo {labels[chosen]}?** Rows it added are deleted and rows it changed get their previous "
                f"values back.")
    if not confirmed(key="records_undo", choice=chosen, start_label="Undo this change…", icon=":material/undo:",
                     question=question, confirm_label="Yes, undo it"):
        return
    try:
        changed = records.undo_record_change(engine, batch_id=chosen, user=current_user())
    except records.RecordUndoError as exc:
        st.error(f"**Not undone:** {exc}. Nothing was changed.")
        return
    refresh_data_version()
    flash(f"Undid import {chosen}: {changed:,} rows deleted or restored.")


page_frame("Records", admin_only=True)
show_flash()
try:
    records_engine = get_engine()
    events_section(records_engine)
    roster_section(records_engine)
    benchmarks_section(records_engine)
    changes_section(records_engine)
except ConfigError as exc:
    st.error(f"**The records cannot be read:** {exc}.")
except SQLAlchemyError as exc:
    st.error(f"**The database could not be used, so nothing was changed:** {exc.__class__.__name__}.")
