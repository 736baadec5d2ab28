"""Exports as the tools write them: each shape imports with no column map and
gives the same figures as the same data written in the import contract's shape.

tests/data holds the exports (the shared Zoom webinar, Microsoft Forms and
Eventbrite samples, plus a Zoom meeting report, a Zoom webinar with
panelists, Google Forms exports and a messy Eventbrite summary, all with
synthetic example.org people) and, beside each, ``*_contract.csv``: the same
people and answers written by hand in the contract's columns.
"""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, text

from data_access import formats, importers, models
from data_access.filters import Filters
from data_access.kpis import compute_kpis

DATA = Path(__file__).parent / "data"
EVENT = "SL-2025-014"
AS_OF = dt.date(2025, 12, 31)
RENAMED_CHOICES = {
    "How was today's session for you?": "rating",
    "Would you tell a friend about us?": "would_recommend",
    "Anything you would change?": "comments",
}
# A meeting report whose participant table is wider than its summary, so
# the importer's header detection starts at the participant table.
WIDE_MEETING = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "1,Session,04/02/2025 06:55 PM,04/02/2025 08:41 PM,host.wide@example.org,106,2\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,"
    "In Waiting Room\n"
    "Host,host.wide@example.org,04/02/2025 06:55 PM,04/02/2025 08:41 PM,106,No,,No\n"
    "Person,person.wide@example.org,04/02/2025 07:00 PM,04/02/2025 08:41 PM,101,No,Y,No\n"
)
EXPORTS = [
    ("attendance", "zoom_attendee_report.csv"),
    ("attendance", "zoom_meeting_report.csv"),
    ("attendance", "zoom_webinar_panelists.csv"),
    ("attendance", "eventbrite_attendees.csv"),
    ("attendance", "eventbrite_attendees_messy.csv"),
    ("feedback", "msforms_feedback_export.xlsx"),
    ("feedback", "googleforms_feedback.csv"),
]


@pytest.fixture
def event(engine, key, tmp_path):
    """Return an engine whose database holds the event the exports are of."""
    path = tmp_path / "events.csv"
    path.write_text(f"event_id,title,event_type,date\n{EVENT},ARCP webinar,arcp_portfolio,2025-03-12\n")
    assert importers.import_file(engine, kind="events", path=path, key=key).problems == []
    return engine


def import_export(engine, key, name, kind, export_format=formats.AUTO):
    """Import the export ``name`` of tests/data as ``export_format`` (recognised by default) for the event."""
    return importers.import_file(engine, kind=kind, path=DATA / name, key=key, export_format=export_format,
                                 fixed_values={"event_id": EVENT})


def figures(engine):
    """Return the Overview KPIs and every attendance and feedback row as stored."""
    with engine.connect() as conn:
        attendance = conn.execute(text(
            "SELECT p.pseudonym, a.attended, r.code, s.code FROM attendance a "
            "JOIN participant p ON p.id = a.participant_id JOIN region r ON r.id = a.region_id "
            "JOIN stage s ON s.id = a.stage_id ORDER BY p.pseudonym")).all()
        feedback = conn.execute(text(
            "SELECT f.response_key, f.rating, f.submitted, p.pseudonym, r.code, s.code, f.would_recommend, "
            "f.comments FROM feedback f LEFT JOIN participant p ON p.id = f.participant_id "
            "JOIN region r ON r.id = f.region_id JOIN stage s ON s.id = f.stage_id "
            "ORDER BY f.response_key")).all()
    return (compute_kpis(engine, filters=Filters(), as_of=AS_OF),
            [tuple(row) for row in attendance], [tuple(row) for row in feedback])


def count(engine, sql):
    """Return the single number a query gives."""
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


@pytest.mark.parametrize(("kind", "name"), EXPORTS)
def test_export_gives_the_same_figures_as_the_contract_file(event, key, kind, name):
    """The export, imported with no mapping, stores the same rows and KPIs as its contract-shaped twin."""
    exported = import_export(event, key, name, kind)
    assert exported.problems == []
    from_export = figures(event)
    importers.undo_batch(event, batch_id=exported.batch_id)
    contract = importers.import_file(event, kind=kind, path=DATA / f"{Path(name).stem}_contract.csv", key=key)
    assert contract.problems == []
    assert figures(event) == from_export
    assert from_export[1] or from_export[2]


def test_renamed_questions_are_refused_until_chosen_once(event, key):
    """A form whose rating question no wording finds is refused, with nothing changed, until chosen."""
    result = import_export(event, key, "googleforms_feedback_renamed.csv", "feedback")
    assert result.batch_id is None
    assert result.problems[0].startswith("no question of this form was found for rating")
    assert count(event, "SELECT COUNT(*) FROM feedback") == 0


def test_questions_chosen_once_are_remembered_for_the_form(event, key):
    """Choices remembered for a form import its next export with the contract file's figures."""
    table = importers.read_table(DATA / "googleforms_feedback_renamed.csv")
    formats.remember_choices(event, formats.recognise(table), RENAMED_CHOICES)
    result = import_export(event, key, "googleforms_feedback_renamed.csv", "feedback")
    assert result.problems == []
    from_export = figures(event)
    importers.undo_batch(event, batch_id=result.batch_id)
    importers.import_file(event, kind="feedback", path=DATA / "googleforms_feedback_contract.csv", key=key)
    assert figures(event) == from_export


def test_renamed_questions_give_another_form_identity():
    """A form with other question texts is remembered under another name."""
    original = formats.recognise(importers.read_table(DATA / "googleforms_feedback.csv"))
    renamed = formats.recognise(importers.read_table(DATA / "googleforms_feedback_renamed.csv"))
    assert original.source_name.startswith("Google Forms response export ")
    assert original.source_name != renamed.source_name


def test_questions_found_by_their_wording():
    """Rating, recommend, region, grade and comments questions are found by their wording."""
    recognised = formats.recognise(importers.read_table(DATA / "googleforms_feedback.csv"))
    assert recognised.column_map == {
        "Timestamp": "submitted",
        "Email address": "email",
        "Overall, how would you rate today's session?": "rating",
        "Would you recommend Soft Landing to a colleague?": "would_recommend",
        "Which deanery or region do you train in?": "region",
        "What is your grade?": "stage",
        "Any other comments?": "comments",
    }


def test_zoom_meeting_report_leaves_out_host_guest_and_rejoin(event, key):
    """The meeting's host and an email-less guest are not counted; a rejoin is one attendance."""
    result = import_export(event, key, "zoom_meeting_report.csv", "attendance")
    assert result.problems == []
    assert result.inserted == 5
    assert "1 row for the host or panelists was left out: they are not attendees." in result.notices
    assert ("1 row of participants without an email (guests) was left out: attendance needs an email to tell "
            "people apart.") in result.notices
    assert ("1 row repeating a person already listed (rejoins) was left out: each person is one attendance."
            in result.notices)


def test_zoom_webinar_leaves_out_panelists_and_other_sections(event, key):
    """Hosts and panelists (also when they join as attendees) and the Other Attended block are not counted."""
    result = import_export(event, key, "zoom_webinar_panelists.csv", "attendance")
    assert result.problems == []
    assert result.inserted == 3
    assert count(event, "SELECT COUNT(*) FROM attendance WHERE attended = true") == 3


@pytest.mark.parametrize(("name", "session"), [
    ("zoom_attendee_report.csv", dt.date(2025, 3, 12)),
    ("zoom_meeting_report.csv", dt.date(2025, 4, 2)),
    ("zoom_webinar_panelists.csv", dt.date(2025, 5, 20)),
])
def test_zoom_dates_in_us_order_give_the_session_date(name, session):
    """Zoom's month-first dates are read as such: 03/12/2025 is 12 March."""
    assert formats.recognise(importers.read_table(DATA / name)).event_date == session


def test_meeting_summary_above_the_header_found_is_read_from_row_1(tmp_path):
    """When the participant table is wider than the summary, header row 1 is needed to leave out the host."""
    path = tmp_path / "wide_meeting.csv"
    path.write_text(WIDE_MEETING)
    found = formats.recognise(importers.read_table(path))
    assert ("The meeting's summary, which names its host, is above the table that was read, so the host may "
            "be counted as a participant: set the header row to 1 to read it.") in found.notices
    assert len(found.table) == 2
    from_row_1 = formats.recognise(importers.read_table(path, header_row=1))
    assert from_row_1.table["User Email"].tolist() == ["person.wide@example.org"]


@pytest.mark.parametrize(("timestamps", "dates"), [
    (["12/03/2025 19:48:05", "01/04/2025 09:00:00"], ["2025-03-12", "2025-04-01"]),
    (["03/13/2025 19:48:05", "04/01/2025 09:00:00"], ["2025-03-13", "2025-04-01"]),
    (["2025/03/12 7:48:05 PM GMT", "2025/04/01 9:00:00 AM GMT+1"], ["2025-03-12", "2025-04-01"]),
])
def test_form_timestamps_are_day_first_unless_the_column_shows_otherwise(tmp_path, timestamps, dates):
    """A form's a/b/yyyy timestamps are read day first, month first when a 13th shows it, yyyy/mm/dd as is."""
    path = tmp_path / "form.csv"
    path.write_text("Timestamp,How would you rate it?\n" + "".join(f"{t},5\n" for t in timestamps))
    assert formats.recognise(importers.read_table(path)).table["Timestamp"].tolist() == dates


def test_eventbrite_leaves_out_refunds_and_totals(event, key):
    """A refunded ticket and the trailing total row are left out; a Checked In status counts as attended."""
    result = import_export(event, key, "eventbrite_attendees_messy.csv", "attendance")
    assert result.problems == []
    assert result.inserted == 4
    assert count(event, "SELECT COUNT(*) FROM attendance WHERE attended = true") == 3
    assert "1 row of totals was left out: a summary is not a person." in result.notices


def test_maybe_is_stored_as_not_recommending(event, key, tmp_path):
    """A Maybe to would_recommend is stored as False, with a notice."""
    path = tmp_path / "feedback.csv"
    path.write_text(f"event_id,rating,would_recommend\n{EVENT},5,Maybe\n{EVENT},4,Yes\n")
    result = importers.import_file(event, kind="feedback", path=path, key=key)
    assert result.problems == []
    assert ("1 “Maybe” answer to would_recommend was stored as not recommending: only a definite yes counts "
            "as a recommendation." in result.notices)
    with event.connect() as conn:
        stored = sorted(conn.execute(select(models.Feedback.rating, models.Feedback.would_recommend)).all())
    assert stored == [(4, True), (5, False)]


def test_named_format_that_does_not_fit_is_refused(event, key):
    """Naming a format the file is not refuses it with one line and changes nothing."""
    result = import_export(event, key, "eventbrite_attendees.csv", "attendance", export_format="zoom")
    assert result.problems == ["the file is not a Zoom attendee report"]
    assert count(event, "SELECT COUNT(*) FROM attendance") == 0


def test_export_of_another_kind_is_refused(event, key):
    """A Zoom report offered as feedback is refused, naming what it holds."""
    result = import_export(event, key, "zoom_attendee_report.csv", "feedback")
    assert result.problems == ["the file is a Zoom attendee report, which holds attendance, not feedback"]


def test_unknown_format_name_is_refused(event, key):
    """An export format that does not exist is a one-line refusal."""
    result = import_export(event, key, "zoom_attendee_report.csv", "attendance", export_format="teams")
    assert result.problems == [
        "unknown export format 'teams' (use auto or one of: zoom, msforms, googleforms, eventbrite)"]


def test_unrecognised_file_falls_back_to_the_contract_and_says_so(event, key, tmp_path):
    """A file of no known shape is read as the contract, with a notice naming the known shapes."""
    path = tmp_path / "roster.csv"
    path.write_text("Person,Came\nx@example.org,yes\n")
    assert formats.recognise(importers.read_table(path)) is None
    result = importers.import_file(event, kind="attendance", path=path, key=key,
                                   export_format=formats.AUTO)
    assert result.batch_id is None
    assert result.notices[0] == ("The file is not a recognised export (Zoom, Microsoft Forms, Google Forms "
                                 "or Eventbrite), so its columns were read as the import contract's.")


def test_contract_files_are_not_taken_for_exports():
    """Every contract-shaped twin is recognised as no export."""
    for _, name in EXPORTS:
        path = DATA / f"{Path(name).stem}_contract.csv"
        assert formats.recognise(importers.read_table(path)) is None


def test_no_email_or_name_is_stored(event, key):
    """Importing every export leaves no email or respondent name in the database."""
    for kind, name in EXPORTS:
        assert import_export(event, key, name, kind).problems == []
    with event.connect() as conn:
        stored = repr([conn.execute(select(table)).all() for table in models.Base.metadata.sorted_tables])
    assert "@example.org" not in stored
    assert "Respondent" not in stored
