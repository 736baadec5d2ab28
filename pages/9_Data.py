"""Data (admins only): load the organisation's exports, see every import,
undo one, and remove the demo data.

Reading and checking for the preview go through ``data_access.importers``
(the same ``read_table`` / ``prepare`` / ``undo_batch`` as
``python -m data_access import``, and ``data_access.formats`` for the
exports it recognises); this page only chooses the columns, or for a
recognised export the event and any question its wording did not give.
The import itself runs in a worker process (``data_access.jobs``), so a
large file never holds this app's process; the page polls the job's row.
"""

from __future__ import annotations

from pathlib import PurePath

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_access import demo, formats, importers, jobs
from data_access.audit import record_audit_event
from data_access.batches import batch_history, real_data_present, undo_import
from data_access.config import ConfigError, database_url, pseudonym_key
from data_access.mappings import (
    contract_fields,
    remembered_mapping,
    source_names,
    suggested_columns,
    template_csv,
)
from data_access.queries import meta
from ui.actions import confirmed, flash, show_flash, uk_time
from ui.auth import current_user
from ui.cache import get_engine, refresh_data_version
from ui.frame import page_frame
from ui.import_job import job_section, show_problems, start_import

KIND_LABELS = {
    "events": "Events",
    "attendance": "Attendance (registrations and attendees)",
    "feedback": "Feedback responses",
    "reps": "Regional reps roster",
    "outcomes": "Career outcomes (exams, ARCP, recruitment)",
    "benchmarks": "National benchmarks",
}
NOT_IN_FILE = "— not in this file —"
QUESTION_PROMPTS = {
    "rating": "Which question asks for the rating?",
    "would_recommend": "Which question asks whether they would recommend it?",
    "comments": "Which question asks for comments?",
    "region": "Which question asks for the region?",
    "stage": "Which question asks for the grade or stage?",
}
SAME_VALUE = "— the same value for every row —"
PREVIEW_ROWS = 10
PSEUDONYM_SHOWN_CHARS = 12
MAPPING_COLUMNS = 3
HISTORY_LIMIT = 200

_ROUND_KEY = "data_upload_round"


def preview_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Return the first rows as they will be stored, with pseudonyms shortened."""
    preview = rows.head(PREVIEW_ROWS).copy()
    if "pseudonym" in preview:
        preview["pseudonym"] = [None if value is None else f"{value[:PSEUDONYM_SHOWN_CHARS]}…"
                                for value in preview["pseudonym"]]
    return preview.rename(columns={"row": "file row"})


def choose_columns(kind: str, headers: list[str], *, source: str | None, widget_prefix: str):
    """Draw one choice per contract field; return ({file header: field}, {field: fixed value})."""
    engine = get_engine()
    remembered = remembered_mapping(engine, source_name=source, kind=kind) if source else {}
    suggestion = suggested_columns(headers, kind=kind, remembered=remembered)
    required, _ = importers.FIELDS[kind]
    options = [NOT_IN_FILE, SAME_VALUE, *headers]
    column_map: dict[str, str] = {}
    fixed_values: dict[str, str] = {}
    chosen_by: dict[str, list[str]] = {}
    columns = st.columns(MAPPING_COLUMNS)
    for position, field in enumerate(contract_fields(kind)):
        with columns[position % MAPPING_COLUMNS]:
            default = suggestion[field]
            choice = st.selectbox(
                f"{field} (required)" if field in required else field,
                options,
                index=options.index(default) if default is not None else 0,
                key=f"{widget_prefix}_map_{field}",
            )
            if choice == SAME_VALUE:
                fixed_values[field] = st.text_input(f"{field} for every row", key=f"{widget_prefix}_fixed_{field}")
            elif choice != NOT_IN_FILE:
                column_map[choice] = field
                chosen_by.setdefault(choice, []).append(field)
    repeated = {header: fields for header, fields in chosen_by.items() if len(fields) > 1}
    for header, fields in repeated.items():
        st.error(f"Column “{header}” is chosen for {' and '.join(fields)}; choose it for one field only.")
    return (None if repeated else column_map), fixed_values


def event_label(events: pd.DataFrame):
    """Return a function naming an event key as "key — title (date)"."""
    labels = {row.event_key: f"{row.event_key} — {row.title} ({row.date:%-d %b %Y})"
              for row in events.itertuples()}
    return labels.__getitem__


def recognised_inputs(engine, recognised: formats.Recognised, *, kind: str, widget_prefix: str):
    """Draw what a recognised export lacks (its event, and the questions its
    wording did not give); return ``formats.import_input``'s result and the
    questions chosen {question: field}, or None while something is still to
    be chosen."""
    st.success(recognised.notices[0], icon=":material/check_circle:")
    events = formats.event_choices(engine)
    if events.empty:
        st.error(f"There are no events yet: import the event this {recognised.export_format.label} is of "
                 f"first.")
        return None
    on_the_day = events.index[events["date"] == recognised.event_date].tolist()
    event_key = st.selectbox(
        "Event the export is of", events["event_key"].tolist(), format_func=event_label(events),
        index=on_the_day[0] if len(on_the_day) == 1 else None, placeholder="Choose the event",
        key=f"{widget_prefix}_event",
    )
    chosen = question_choices(engine, recognised, widget_prefix=widget_prefix)
    if chosen is None:
        return None
    if event_key is None:
        st.caption("Choose the event to check the rows.")
        return None
    shaped = formats.import_input(engine, recognised, kind=kind, chosen=chosen,
                                  fixed_values={"event_id": event_key})
    if isinstance(shaped, str):
        st.error(f"**This {recognised.export_format.label} cannot be imported yet:** {shaped}.")
        return None
    return shaped, chosen


def question_choices(engine, recognised: formats.Recognised, *, widget_prefix: str) -> dict[str, str] | None:
    """Draw one choice per question field of a form, open when a required one
    was not found; remember the choices for the form when they change and
    return them as {question: field}, or None when a question is chosen twice."""
    if not recognised.questions:
        return {}
    remembered = formats.remembered_choices(engine, recognised)
    shown = {question: field for question, field in recognised.merged_map(remembered).items()
             if question in recognised.questions}
    current = {field: question for question, field in shown.items()}
    questions = list(recognised.questions)
    still_missing = bool(recognised.missing(chosen=remembered))
    with st.expander("Which question gives each answer", expanded=still_missing):
        chosen = {}
        for field in recognised.question_fields:
            question = st.selectbox(
                QUESTION_PROMPTS[field], questions,
                index=questions.index(current[field]) if field in current else None,
                placeholder="— not asked —", key=f"{widget_prefix}_question_{field}",
            )
            if question in chosen:
                st.error(f"“{question}” is chosen for {chosen[question]} and {field}; choose it for one "
                         f"only.")
                return None
            if question is not None:
                chosen[question] = field
    if chosen != shown:
        formats.remember_choices(engine, recognised, chosen)
    return chosen


def load_section(engine, key: bytes) -> None:
    """Draw the upload, column choices, checks, preview and import button,
    and this session's running or refused import."""
    st.subheader("Load a file")
    # Drawn once the upload is known, but above it, where it is seen without scrolling.
    job_slot = st.container()
    kind = st.selectbox("What the file holds", importers.KINDS, format_func=KIND_LABELS.__getitem__,
                        key="data_kind")
    st.download_button(
        f"Download the {KIND_LABELS[kind].lower()} template (CSV)", template_csv(kind),
        file_name=f"soft_landing_{kind}_template.csv", mime="text/csv", key=f"data_template_{kind}",
        icon=":material/download:",
    )
    source = st.selectbox(
        "Source of the file", source_names(engine, kind=kind), index=None, accept_new_options=True,
        placeholder="Choose or type a name, e.g. Zoom webinar report", key=f"data_source_{kind}",
        help="The column choices are remembered under this name when the file is imported.",
    )
    round_number = st.session_state.get(_ROUND_KEY, 0)
    upload = st.file_uploader("File (CSV or XLSX)", type=["csv", "xlsx"], key=f"data_upload_{kind}_{round_number}")
    with st.expander("Header row"):
        header_row = st.number_input(
            "Row number of the header (0 finds it: the first row as wide as every row below it)",
            min_value=0, max_value=1000, step=1, key=f"data_header_row_{kind}",
        )
    with job_slot:
        job = job_section(engine, new_file=upload is not None)
    if job is not None and job.status == "done":
        st.session_state[_ROUND_KEY] = round_number + 1
        flash(f"Imported {job.file_name} as import {job.batch_id}: {job.rows_read:,} rows read, "
              f"{job.counts_text()}.")
    if upload is None:
        return
    data = upload.getvalue()
    file_name = PurePath(upload.name).name
    try:
        # Only the first rows are read here, so a large file never holds this process; the worker reads it all.
        table = importers.read_table(data, header_row=int(header_row) or None, first_rows=jobs.PREVIEW_CHECK_ROWS)
    except importers.TableError as exc:
        st.error(f"**{file_name} cannot be read: {exc}.** Nothing was changed.")
        return
    whole_file = len(table) < jobs.PREVIEW_CHECK_ROWS

    widget_prefix = f"data_{kind}_{upload.file_id}_{source or ''}"
    recognised = formats.recognise(table)
    export_notices: list[str] = []
    # What the worker is given: it reads the whole file itself, from the header found here.
    options = {"kind": kind, "header_row": table.attrs["header_row"]}
    if recognised is not None and recognised.export_format.kind == kind:
        inputs = recognised_inputs(engine, recognised, kind=kind, widget_prefix=widget_prefix)
        if inputs is None:
            return
        (table, column_map, fixed_values, export_notices), chosen = inputs
        options |= {"export_format": recognised.export_format.name, "column_map": chosen,
                    "fixed_values": {"event_id": fixed_values["event_id"]}}
        # The first, "Recognised as …", is already shown above the choices.
        export_notices = export_notices[1:]
    else:
        if recognised is None:
            st.info(f"This file is not a recognised export ({formats.KNOWN_SHAPES}): match its columns to "
                    f"the fields below.", icon=":material/info:")
        else:
            st.info(f"This looks like a {recognised.export_format.label}, which holds "
                    f"{recognised.export_format.kind}: choose “{KIND_LABELS[recognised.export_format.kind]}” "
                    f"above to import it without matching columns.", icon=":material/info:")
        st.markdown("#### Match the file's columns to the fields")
        column_map, fixed_values = choose_columns(kind, [str(h) for h in table.columns], source=source,
                                                  widget_prefix=widget_prefix)
        if column_map is None:
            return
        options |= {"column_map": column_map, "fixed_values": fixed_values}
    rows, problems, notices = importers.prepare(engine, kind=kind, table=table, key=key,
                                                column_map=column_map, fixed_values=fixed_values)
    for notice in export_notices + notices:
        st.info(notice, icon=":material/info:")
    if problems:
        show_problems(problems, file_name=file_name, outcome="will be")
        return

    if whole_file:
        st.markdown(f"#### Preview: the first rows of {len(table):,} as they will be stored")
    else:
        st.markdown("#### Preview: the first rows as they will be stored")
        st.caption(f"The first {jobs.PREVIEW_CHECK_ROWS:,} rows are checked here; the import reads and checks "
                   f"every row before it writes anything.")
    st.caption("Emails are never stored: each person appears only as a pseudonym.")
    st.dataframe(preview_frame(rows), hide_index=True, width="stretch")
    if job is not None and job.active:
        return
    label = f"Import {len(table):,} rows" if whole_file else "Import the whole file"
    if not st.button(label, type="primary", key="data_commit", icon=":material/upload:"):
        return
    if start_import(engine, data=data, file_name=file_name, options=options, source=source):
        # The worker has its own copy of the file; the next upload starts from an empty uploader.
        st.session_state[_ROUND_KEY] = round_number + 1
        st.rerun()


def history_section(engine) -> None:
    """Draw every import with who, when, file, SHA-256 and counts, and the undo controls."""
    st.subheader("Import history")
    history = batch_history(engine, limit=HISTORY_LIMIT)
    if history.empty:
        st.caption("Nothing has been imported yet.")
        return
    shown = pd.DataFrame({
        "import": history["id"],
        "when": [uk_time(moment) for moment in history["imported_at"]],
        "who": [("demo data" if is_demo else who or "") for who, is_demo in
                zip(history["imported_by"], history["is_demo"], strict=True)],
        "file": history["file_name"],
        "kind": history["kind"],
        "inserted": history["rows_inserted"],
        "updated": history["rows_updated"],
        "unchanged": history["rows_unchanged"],
        "undone": [uk_time(moment) for moment in history["undone_at"]],
        "SHA-256": history["sha256"].fillna(""),
    })
    st.dataframe(shown, hide_index=True, width="stretch")

    live = history[~history["is_demo"].astype(bool) & history["undone_at"].isna()]
    if live.empty:
        return
    labels = {int(row.id): f"Import {row.id}: {row.file_name} ({row.kind}, {uk_time(row.imported_at)})"
              for row in live.itertuples()}
    chosen = st.selectbox("Import to undo", list(labels), format_func=labels.__getitem__, index=None,
                          placeholder="Choose an import", key="data_undo_choice")
    if chosen is None:
        return
    row = live[live["id"] == chosen].iloc[0]
    question = (f"**Undo {labels[chosen]}?** This deletes the {row['rows_inserted']:,} rows it added and "
                f"restores the {row['rows_updated']:,} rows it changed.")
    if not confirmed(key="data_undo", choice=chosen, start_label="Undo this import…", icon=":material/undo:",
                     question=question, confirm_label="Yes, undo it"):
        return
    try:
        changed = undo_import(engine, batch_id=chosen, user=current_user())
    except importers.UndoError as exc:
        st.error(f"**Not undone:** {exc}. Nothing was changed.")
        return
    refresh_data_version()
    flash(f"Undid import {chosen}: {changed:,} rows deleted or restored.")


def demo_section(engine) -> None:
    """Draw the "remove demo data" action, offered once real data is present."""
    st.subheader("Demo data")
    if not meta.demo_rows_present(engine):
        st.caption("No demo data is present.")
        return
    if not real_data_present(engine):
        st.caption("The synthetic demo data can be removed here once you have imported your own data.")
        return
    st.write("The synthetic demo data is still mixed with your own imports.")
    if not confirmed(key="data_clear_demo", choice=True, start_label="Remove demo data…",
                     icon=":material/delete:", question="**Remove every demo row?** Your own imports are kept.",
                     confirm_label="Yes, remove the demo data"):
        return
    removed = demo.clear_demo(engine)
    record_audit_event(engine, action="clear_demo", user=current_user(), detail=f"{removed:,} demo rows")
    refresh_data_version()
    flash(f"Removed {removed:,} demo rows.")


page_frame("Data", admin_only=True)
show_flash()
try:
    data_engine = get_engine()
    pseudonym = pseudonym_key(database_url())
    load_section(data_engine, pseudonym)
    history_section(data_engine)
    demo_section(data_engine)
except ConfigError as exc:
    st.error(f"**The data cannot be loaded:** {exc}.")
except SQLAlchemyError as exc:
    st.error(f"**The database could not be used, so nothing was changed:** {exc.__class__.__name__}.")
