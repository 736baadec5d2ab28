"""Exports as the organisation's tools write them, imported without choosing columns.

``recognise`` looks at a table from ``importers.read_table`` and returns what
it is (a Zoom attendee report, a Microsoft Forms or Google Forms response
export, an Eventbrite attendee summary) or None. ``import_input`` turns a
recognised export into what ``importers.prepare`` takes (a table, a column
map and fixed values), so every export goes through the importer's one
validation path; ``importers.import_file`` (the CLI) and the Data page both
call it. Only ``remember_choices`` writes to the database.

Decisions where the issue is silent:

- **Zoom.** The attendee table is found by its own header, wherever the
  importer's header detection landed, and ends at the next section title
  (such as ``Other Attended``). Host and panelist sections are left out,
  and so is any attendee row with a host's or panelist's email (a meeting
  report lists the host, named in its summary, among the participants).
  A person listed several times (rejoins) is one row, attended if any of
  their rows says so. Meeting participants without an email (guests) are
  left out with a notice: attendance needs an email to tell people apart.
  Every meeting participant attended. The session date is read from the
  report's summary (US order, as Zoom writes it), else from the earliest
  join time.
- **Forms.** Fixed columns (ID, times, Email) map to response_id, submitted
  and email; Name is never read. Each question is matched to rating,
  would_recommend, comments, region or stage by its wording
  (``QUESTION_WORDING``); choices made once for a form (stored with
  ``mappings.remember_mapping`` under ``Recognised.source_name``, a name
  derived from the form's question texts) replace the wording's guess.
- **Dates.** Timestamps keep only their date. ``a/b/yyyy`` dates are month
  first in Zoom reports (Zoom writes US order) and day first in forms (a
  Google Sheet in a UK locale; the contract reads them so), unless a part
  above 12 in the same column allows only the other order. Microsoft Forms
  writes real dates and Google Forms' own download ``yyyy/mm/dd``.
- **Eventbrite.** Attendance is "Checked In" = Yes, or an Attendee Status of
  Checked In. Rows whose status says the ticket is no longer held (refunded,
  cancelled, transferred, deleted, not attending) are left out with a notice.
  Custom questions give region and grade by their wording, or by choices
  remembered as for forms.
- **Summary rows.** A trailing row without an email whose first cell starts
  with "Total" is a summary, not a person, and is left out with a notice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, select

from data_access import mappings, models, normalise


@dataclass(frozen=True)
class ExportFormat:
    """One export shape: its short name (the CLI's ``--format``), how it is
    named to people, and the import kind it holds."""

    name: str
    label: str
    kind: str


FORMATS: dict[str, ExportFormat] = {
    "zoom": ExportFormat("zoom", "Zoom attendee report", "attendance"),
    "msforms": ExportFormat("msforms", "Microsoft Forms response export", "feedback"),
    "googleforms": ExportFormat("googleforms", "Google Forms response export", "feedback"),
    "eventbrite": ExportFormat("eventbrite", "Eventbrite attendee summary", "attendance"),
}
AUTO = "auto"
KNOWN_SHAPES = "Zoom, Microsoft Forms, Google Forms or Eventbrite"
# Rows of a file searched for a Zoom report's attendee header before the whole
# file is read as one; a report's summary, host and panelist blocks take a
# few dozen rows above it.
ZOOM_HEADER_SCAN_ROWS = 1_000

# Feedback fields a form question can give, in the order they are looked for,
# with the wording that finds them (matched case-insensitively anywhere in the
# question). "recommend" comes first: "How likely are you to recommend…" is
# not a rating question.
QUESTION_WORDING: dict[str, re.Pattern[str]] = {
    "would_recommend": re.compile(r"recommend"),
    "rating": re.compile(r"\brat(e|ed|ing)\b|\boverall\b"),
    "region": re.compile(r"\bregion\b|\bdeanery\b"),
    "stage": re.compile(r"\bgrade\b|\bstage\b|\btraining level\b|\byear of training\b"),
    "comments": re.compile(r"comment|improve|suggest|anything else|other feedback"),
}
QUESTION_FIELDS: tuple[str, ...] = tuple(QUESTION_WORDING)
EVENTBRITE_QUESTION_FIELDS: tuple[str, ...] = ("region", "stage")

_MSFORMS_FIXED = {"id": "response_id", "completion time": "submitted", "email": "email"}
_MSFORMS_OTHER = {"start time", "name", "last modified time", "total points", "quiz feedback"}
_GOOGLE_FIXED = {"timestamp": "submitted", "email address": "email"}
_GOOGLE_OTHER = {"score", "username"}
_EVENTBRITE_NEEDED = {"order #", "email", "attendee status"}
_EVENTBRITE_GONE = ("refunded", "cancelled", "canceled", "transferred", "deleted", "not attending")

_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\b")
_YEAR_FIRST = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b")
_MONTH_NAME = re.compile(r"([A-Za-z]{3})[a-z]* (\d{1,2}), (\d{4})\b")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
IDENTITY_CHARS = 10


@dataclass(frozen=True)
class Recognised:
    """A recognised export: its format, its rows as ``prepare`` should read
    them (original headers, spreadsheet row numbers), the column map found
    for them, and what the person importing should know."""

    export_format: ExportFormat
    table: pd.DataFrame
    column_map: dict[str, str]
    fixed_values: dict[str, str] = field(default_factory=dict)
    questions: tuple[str, ...] = ()
    source_name: str | None = None
    event_date: dt.date | None = None
    notices: tuple[str, ...] = ()

    @property
    def question_fields(self) -> tuple[str, ...]:
        """Return the fields this export's questions can give, in the order they are asked about."""
        if not self.questions:
            return ()
        return QUESTION_FIELDS if self.export_format.kind == "feedback" else EVENTBRITE_QUESTION_FIELDS

    def missing(self, *, chosen: Mapping[str, str] | None = None) -> list[str]:
        """Return the required fields, other than event_id, that neither the
        file nor ``chosen`` {header: field} gives (e.g. a form's rating)."""
        given = set(self.merged_map(chosen).values()) | set(self.fixed_values)
        required = ("rating",) if self.export_format.kind == "feedback" else ("email", "attended")
        return [name for name in required if name not in given]

    def merged_map(self, chosen: Mapping[str, str] | None = None) -> dict[str, str]:
        """Return the column map {header: field} with ``chosen`` {header: field}
        replacing the wording's guess for each field and header it names."""
        chosen = dict(chosen or {})
        overridden = set(chosen.values())
        merged = {h: f for h, f in self.column_map.items() if f not in overridden and h not in chosen}
        merged.update({h: f for h, f in chosen.items() if f and h in self.table.columns})
        return merged


def recognise(table: pd.DataFrame, *, export_format: str | None = None) -> Recognised | None:
    """Return the recognised export in ``table`` (from ``read_table``), or
    None when it is none of ``FORMATS`` (or not ``export_format`` when that
    names one)."""
    names = list(FORMATS) if export_format in (None, AUTO) else [export_format]
    for name in names:
        found = _RECOGNISERS[name](table)
        if found is not None:
            return found
    return None


def import_input(engine: Engine, recognised: Recognised, *, kind: str,
                 chosen: Mapping[str, str] | None = None, fixed_values: Mapping[str, str] | None = None
                 ) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], list[str]] | str:
    """Return (table, column_map, fixed_values, notices) for ``importers.prepare``
    to read ``recognised`` as rows of ``kind``: its rows, its column map with the
    question choices remembered for the form and then ``chosen`` {question:
    field} applied, its fixed values plus ``fixed_values`` (e.g. the event),
    and the recognition notices. Returns the one-line reason instead when it
    cannot be read as ``kind`` or a required question is not found."""
    found = recognised.export_format
    if found.kind != kind:
        return f"the file is a {found.label}, which holds {found.kind}, not {kind}"
    choices = remembered_choices(engine, recognised) | dict(chosen or {})
    missing = recognised.missing(chosen=choices)
    if missing:
        return (f"no question of this form was found for {' or '.join(missing)} by its wording or a "
                f"remembered choice; choose it once on the Data page, where it is remembered for this form "
                f"(“{recognised.source_name}”)")
    fixed = dict(recognised.fixed_values) | dict(fixed_values or {})
    return recognised.table, recognised.merged_map(choices), fixed, list(recognised.notices)


def remembered_choices(engine: Engine, recognised: Recognised) -> dict[str, str]:
    """Return the question choices {header: field} remembered for this form
    (empty for formats without questions)."""
    if recognised.source_name is None:
        return {}
    return mappings.remembered_mapping(engine, source_name=recognised.source_name,
                                       kind=recognised.export_format.kind)


def remember_choices(engine: Engine, recognised: Recognised, chosen: Mapping[str, str]) -> None:
    """Remember ``chosen`` {header: field} for this form, so that its next
    export needs no choosing."""
    if recognised.source_name is not None:
        mappings.remember_mapping(engine, source_name=recognised.source_name,
                                  kind=recognised.export_format.kind, mapping=dict(chosen))


def event_choices(engine: Engine) -> pd.DataFrame:
    """Return every event as columns event_key, title and date, newest first."""
    event = models.Event.__table__
    with engine.connect() as conn:
        found = conn.execute(select(event.c.event_key, event.c.title, event.c.date)
                             .order_by(event.c.date.desc(), event.c.event_key)).all()
    return pd.DataFrame(found, columns=["event_key", "title", "date"])


# --- reading the grid back ---------------------------------------------------------


Rows = list[tuple[int, list[str]]]


def _grid(table: pd.DataFrame) -> Rows:
    """Return the header and body of ``table`` as (spreadsheet row, cells),
    with cells trimmed; blank rows were already left out by ``read_table``."""
    header_row = int(table.attrs.get("header_row", 1))
    rows = [(header_row, [str(h).strip() for h in table.columns])]
    for number, values in zip(table.index, table.itertuples(index=False, name=None), strict=True):
        rows.append((int(number), [str(v).strip() for v in values]))
    return rows


def _keys(cells: Sequence[str]) -> list[str]:
    """Return the cells as they are matched: lower case, spaces collapsed."""
    return [normalise.collapse_spaces(c).lower() for c in cells]


def _is_title(cells: Sequence[str]) -> bool:
    """True for a section title row: one non-blank cell, in the first column, not an email."""
    filled = [c for c in cells if c]
    return len(filled) == 1 and bool(cells) and cells[0] == filled[0] and "@" not in filled[0]


def _section_table(rows: Rows, header_at: int) -> tuple[list[str], Rows]:
    """Return the header cells at position ``header_at`` of ``rows`` and the
    rows under it up to the next title row."""
    _, header = rows[header_at]
    body = []
    for number, cells in rows[header_at + 1:]:
        if _is_title(cells):
            break
        body.append((number, cells))
    return header, body


def _frame(body: Rows, columns: Mapping[str, int], header_row: int) -> pd.DataFrame:
    """Return a text table of the ``columns`` {name: position} of ``body``,
    indexed by spreadsheet row, remembering its header row."""
    data = {name: [cells[i] if i < len(cells) else "" for _, cells in body] for name, i in columns.items()}
    frame = pd.DataFrame(data, index=pd.Index([n for n, _ in body]), dtype=object)
    frame.attrs["header_row"] = header_row
    frame.attrs["header_found_by"] = "the header of the export's own table"
    return frame


def _left_out(count: int, what: str, why: str) -> str:
    """Return the notice that ``count`` rows of ``what`` were left out, and why."""
    rows, were = ("1 row", "was") if count == 1 else (f"{count} rows", "were")
    return f"{rows} {what} {were} left out: {why}."


def _drop_summary_rows(frame: pd.DataFrame, email_column: str, first_column: str
                       ) -> tuple[pd.DataFrame, list[str]]:
    """Return ``frame`` without its trailing rows that have no email and a
    first cell starting with Total, and the notice saying so."""
    summary = []
    for number in reversed(frame.index.tolist()):
        first = frame.at[number, first_column].strip().lower()
        if frame.at[number, email_column].strip() or not first.startswith("total"):
            break
        summary.append(number)
    if not summary:
        return frame, []
    return frame.drop(index=summary), [_left_out(len(summary), "of totals", "a summary is not a person")]


# --- dates ------------------------------------------------------------------------


def _month_first(values: Sequence[str], *, usual: bool) -> bool:
    """Return whether the ``a/b/yyyy`` dates in ``values`` are month first:
    ``usual`` unless some date has a part above 12 that only the other order allows."""
    parts = [(int(m.group(1)), int(m.group(2))) for m in map(_SLASH_DATE.search, values) if m]
    if any(first > 12 for first, _ in parts):
        return False
    if any(second > 12 for _, second in parts):
        return True
    return usual


def _date(text: str, *, month_first: bool) -> dt.date | None:
    """Return the date at the start of a timestamp such as ``03/12/2025 07:00 PM``,
    ``2025/03/12 7:48:05 PM GMT``, ``Mar 28, 2020 8:07 AM`` or ``2025-03-12``; None if none."""
    text = text.strip()
    try:
        if match := _YEAR_FIRST.match(text):
            year, month, day = (int(p) for p in match.groups())
        elif match := _SLASH_DATE.match(text):
            first, second, year = (int(p) for p in match.groups())
            month, day = (first, second) if month_first else (second, first)
        elif (match := _MONTH_NAME.match(text)) and match.group(1).lower() in _MONTHS:
            month, day, year = _MONTHS[match.group(1).lower()], int(match.group(2)), int(match.group(3))
        else:
            return None
        return dt.date(year, month, day)
    except ValueError:
        return None


def _iso_dates(column: pd.Series) -> pd.Series:
    """Return a form's timestamps as ISO dates (``a/b/yyyy`` day first, as
    the contract reads them, unless the column shows otherwise); a cell that
    is not a date is kept as written, so that the importer names it."""
    month_first = _month_first(column.tolist(), usual=False)
    parsed = [_date(v, month_first=month_first) for v in column]
    return pd.Series([d.isoformat() if d else v for d, v in zip(parsed, column, strict=True)],
                     index=column.index, dtype=object)


# --- Zoom ---------------------------------------------------------------------------


@dataclass
class _ZoomLayout:
    """Where a Zoom report's parts are in its grid: the attendee table's
    position (webinar) or the participant table's (meeting), the emails of
    hosts and panelists, the session date from the summary, and whether the
    summary naming a meeting's host was seen."""

    webinar_at: int | None = None
    meeting_at: int | None = None
    staff: set[str] = field(default_factory=set)
    session_date: dt.date | None = None
    host_named: bool = False


def _zoom_layout(rows: Rows) -> _ZoomLayout:
    """Return where the parts of a Zoom report are among ``rows``."""
    layout = _ZoomLayout()
    for position, (_, cells) in enumerate(rows):
        keys = _keys(cells)
        title = _keys(rows[position - 1][1])[0] if position > 0 else ""
        if keys and keys[0] == "attended" and "email" in keys and "join time" in keys:
            if "host" in title or "panelist" in title:
                _, body = _section_table(rows, position)
                at = keys.index("email")
                layout.staff.update(staff[at].lower() for _, staff in body if len(staff) > at and staff[at])
            elif layout.webinar_at is None:
                layout.webinar_at = position
        elif "join time" in keys and ("user email" in keys or "email" in keys) and keys[0].startswith("name"):
            if layout.meeting_at is None:
                layout.meeting_at = position
        elif "topic" in keys and position + 1 < len(rows):
            following = rows[position + 1][1]
            starts = [i for i, k in enumerate(keys) if k in ("actual start time", "start time")]
            if starts and len(following) > starts[0]:
                layout.session_date = _date(following[starts[0]], month_first=True)
            if "user email" in keys and len(following) > keys.index("user email"):
                layout.staff.add(following[keys.index("user email")].lower())
                layout.host_named = True
    return layout


def _recognise_zoom(table: pd.DataFrame) -> Recognised | None:
    """Return the attendees of a Zoom webinar or meeting report, or None."""
    # A report's attendee header is near its top; looking there first keeps a large file that is not a
    # Zoom report from being copied into rows of Python lists.
    head = _zoom_layout(_grid(table.head(ZOOM_HEADER_SCAN_ROWS)))
    if head.webinar_at is None and head.meeting_at is None:
        return None
    rows = _grid(table)
    layout = _zoom_layout(rows)
    is_webinar = layout.webinar_at is not None
    at = layout.webinar_at if is_webinar else layout.meeting_at
    if at is None:
        return None
    header, body = _section_table(rows, at)
    keys = _keys(header)
    email = header[keys.index("email") if "email" in keys else keys.index("user email")]
    attended = header[keys.index("attended")] if is_webinar else None
    columns = {name: header.index(name) for name in (email, attended) if name is not None}
    frame, notices = _drop_summary_rows(_frame(body, columns, rows[at][0]), email, attended or email)
    if not is_webinar:
        guests = frame[email] == ""
        if guests.any():
            notices.append(_left_out(int(guests.sum()), "of participants without an email (guests)",
                                     "attendance needs an email to tell people apart"))
            frame = frame[~guests]
        if not layout.host_named:
            notices.append("The meeting's summary, which names its host, is above the table that was read, "
                           "so the host may be counted as a participant: set the header row to 1 to read it.")
    lower = frame[email].str.lower()
    is_staff = lower.isin(layout.staff)
    if is_staff.any():
        notices.append(_left_out(int(is_staff.sum()), "for the host or panelists", "they are not attendees"))
        frame, lower = frame[~is_staff], lower[~is_staff]
    if attended is not None:
        said_yes = frame[attended].str.strip().str.lower().isin(normalise.YES_WORDS)
        frame = frame.copy()
        frame.loc[said_yes.groupby(lower).transform("any") & ~said_yes, attended] = "Yes"
    repeated = lower.duplicated(keep="first")
    if repeated.any():
        notices.append(_left_out(int(repeated.sum()), "repeating a person already listed (rejoins)",
                                 "each person is one attendance"))
        frame = frame[~repeated]
    event_date = layout.session_date or _earliest_join(header, body)
    described = f"a Zoom {'webinar' if is_webinar else 'meeting'} attendee report"
    if event_date:
        described += f" of a session on {event_date:%-d %b %Y}"
    return Recognised(FORMATS["zoom"], frame, {email: "email"} | ({attended: "attended"} if attended else {}),
                      {} if attended else {"attended": "yes"}, event_date=event_date,
                      notices=(f"Recognised as {described}.", *notices))


def _earliest_join(header: Sequence[str], body: Rows) -> dt.date | None:
    """Return the date of the earliest Join Time in ``body``, or None."""
    keys = _keys(header)
    if "join time" not in keys:
        return None
    at = keys.index("join time")
    dates = [_date(cells[at], month_first=True) for _, cells in body if len(cells) > at]
    dates = [d for d in dates if d]
    return min(dates) if dates else None


# --- forms ---------------------------------------------------------------------------


def _recognise_msforms(table: pd.DataFrame) -> Recognised | None:
    """Return a Microsoft Forms response export's responses, or None."""
    keys = _keys(table.columns)
    if not {"id", "start time", "completion time"} <= set(keys):
        return None
    return _form(table, FORMATS["msforms"], _MSFORMS_FIXED, _MSFORMS_OTHER)


def _recognise_googleforms(table: pd.DataFrame) -> Recognised | None:
    """Return a Google Forms response export's responses, or None."""
    keys = _keys(table.columns)
    if not keys or keys[0] != "timestamp":
        return None
    return _form(table, FORMATS["googleforms"], _GOOGLE_FIXED, _GOOGLE_OTHER)


def _form(table: pd.DataFrame, export_format: ExportFormat, fixed_columns: Mapping[str, str],
          other_columns: set[str]) -> Recognised:
    """Return a form export's responses: its ``fixed_columns`` {header key:
    field} mapped, ``other_columns`` not read, the rest taken as questions."""
    frame = table.copy()
    column_map: dict[str, str] = {}
    questions = []
    for header, key in zip(table.columns, _keys(table.columns), strict=True):
        if key in fixed_columns:
            column_map[header] = fixed_columns[key]
        elif key not in other_columns and header:
            questions.append(header)
    for header, target in column_map.items():
        if target == "submitted":
            frame[header] = _iso_dates(frame[header])
    column_map |= _questions_by_wording(questions, QUESTION_FIELDS)
    email = next((h for h, f in column_map.items() if f == "email"), None)
    notices = [f"Recognised as a {export_format.label}."]
    if email is not None:
        frame, summary_notice = _drop_summary_rows(frame, email, table.columns[0])
        notices += summary_notice
    return Recognised(export_format, frame, column_map, questions=tuple(questions),
                      source_name=_form_identity(export_format, questions), notices=tuple(notices))


def _form_identity(export_format: ExportFormat, questions: Sequence[str]) -> str:
    """Return the name a form's choices are remembered under: the format's
    label and a digest of its question texts, the same for every export of
    the form until a question is reworded."""
    digest = hashlib.sha256("\x1f".join(_keys(questions)).encode("utf-8")).hexdigest()[:IDENTITY_CHARS]
    return f"{export_format.label} {digest}"


def _questions_by_wording(questions: Sequence[str], fields: Sequence[str]) -> dict[str, str]:
    """Return {question: field} for the first question whose wording matches
    each field, each question used once."""
    found: dict[str, str] = {}
    for name in fields:
        for question in questions:
            if question not in found and QUESTION_WORDING[name].search(question.lower()):
                found[question] = name
                break
    return found


# --- Eventbrite --------------------------------------------------------------------


def _recognise_eventbrite(table: pd.DataFrame) -> Recognised | None:
    """Return an Eventbrite attendee summary's registrations, or None."""
    keys = _keys(table.columns)
    if not _EVENTBRITE_NEEDED <= set(keys):
        return None
    by_key = dict(zip(keys, table.columns, strict=True))
    email, status = by_key["email"], by_key["attendee status"]
    frame, notices = _drop_summary_rows(table.copy(), email, table.columns[0])
    status_text = frame[status].str.strip().str.lower()
    gone = status_text.str.startswith(_EVENTBRITE_GONE)
    if gone.any():
        notices.append(_left_out(int(gone.sum()), "of tickets refunded, cancelled or not attending",
                                 "they are no longer registrations"))
        frame, status_text = frame[~gone], status_text[~gone]
    checked = pd.Series(False, index=frame.index)
    if "checked in" in by_key:
        checked = frame[by_key["checked in"]].str.strip().str.lower().isin(normalise.YES_WORDS)
    attended_header = by_key.get("checked in", "Checked In")
    frame[attended_header] = ["Yes" if yes else "No" for yes in (checked | (status_text == "checked in"))]
    fixed_headers = {"order #", "order date", "first name", "last name", "email", "quantity", "ticket type",
                     "attendee #", "attendee status", "checked in"}
    questions = [h for h, k in zip(table.columns, keys, strict=True) if k not in fixed_headers and h]
    column_map = {email: "email", attended_header: "attended"}
    column_map |= _questions_by_wording(questions, EVENTBRITE_QUESTION_FIELDS)
    return Recognised(FORMATS["eventbrite"], frame, column_map, questions=tuple(questions),
                      source_name=_form_identity(FORMATS["eventbrite"], questions),
                      notices=(f"Recognised as an {FORMATS['eventbrite'].label}.", *notices))


_RECOGNISERS = {
    "zoom": _recognise_zoom,
    "msforms": _recognise_msforms,
    "googleforms": _recognise_googleforms,
    "eventbrite": _recognise_eventbrite,
}


__all__ = [
    "AUTO", "FORMATS", "KNOWN_SHAPES", "QUESTION_FIELDS", "EVENTBRITE_QUESTION_FIELDS", "ExportFormat",
    "Recognised", "recognise", "import_input",
    "remembered_choices", "remember_choices", "event_choices",
]
