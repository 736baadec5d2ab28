"""Importing CSV and XLSX files: every accepted form, every refusal, provenance and undo.

tests/data holds the organisation's three export shapes (Zoom, Eventbrite,
Microsoft Forms), derived from the shared synthetic samples with example.org
addresses and placeholder names.
"""

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import insert, select, text

from data_access import importers, models
from data_access.pseudonym import pseudonymise

SAMPLES = Path(__file__).parent / "data"
PROVENANCE = ("import_batch", "import_change", "app_meta")
EVENTS_CSV = (
    "event_id,title,event_type,date\n"
    "EV1,Virtual induction,induction,2025-03-01\n"
    "EV2,ARCP webinar,arcp_portfolio,2025-03-12\n"
)
EVENT_HEADER = "event_id,title,event_type,date\n"
ATTENDANCE_HEADER = "event_id,email,attended\n"
FORMS_EVENT = "ARCP and portfolio webinar - March 2025"
FORMS_MAP = {
    "ID": "response_id",
    "Completion time": "submitted",
    "Which session did you attend?": "event_id",
    "How would you rate this session overall?": "rating",
    "Which region do you work in?": "region",
    "What is your current grade?": "stage",
    "What could we improve?": "comments",
}


def write(tmp_path, content, name="data.csv", encoding="utf-8", newline="\n"):
    """Write ``content`` to a file with the given encoding and line ending."""
    path = tmp_path / name
    path.write_bytes(content.replace("\n", newline).encode(encoding))
    return path


def run(engine, key, tmp_path, kind, content, **options):
    """Import ``content`` as a CSV file of ``kind`` and return the result."""
    return importers.import_file(engine, kind=kind, path=write(tmp_path, content), key=key, **options)


def state(engine):
    """Return every row of every table, to compare before and after."""
    with engine.connect() as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
            for table in models.Base.metadata.sorted_tables
        }


def assert_refused(engine, key, tmp_path, kind, content, problem, **options):
    """Import ``content``, expecting ``problem`` among the problems and no change."""
    before = state(engine)
    result = run(engine, key, tmp_path, kind, content, **options)
    assert problem in result.problems
    assert result.batch_id is None
    assert state(engine) == before


def scalar(engine, sql, **params):
    """Return the single value of a query."""
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(engine, sql, **params):
    """Return all rows of a query as tuples."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params).all()]


@pytest.fixture
def events(engine, key, tmp_path):
    """The engine, with events EV1 and EV2 imported."""
    result = run(engine, key, tmp_path, "events", EVENTS_CSV)
    assert result.problems == []
    return engine


def attendance_region_codes(engine):
    """Return the region code of each stored attendance row."""
    return rows(engine, "SELECT r.code FROM attendance a JOIN region r ON r.id = a.region_id")


# --- columns -----------------------------------------------------------------


def test_column_names_ignore_case_spaces_and_underscores(engine, key, tmp_path):
    """Headers match the contract in any case, with spaces for underscores."""
    result = run(engine, key, tmp_path, "events",
                 "EVENT ID, Title ,Event_Type,DATE\nEV1,Induction,induction,2025-03-01\n")
    assert result.inserted == 1
    assert rows(engine, "SELECT event_key, title FROM event") == [("EV1", "Induction")]


def test_unknown_extra_columns_ignored_with_notice(engine, key, tmp_path):
    """Columns outside the contract are ignored and named in a notice."""
    result = run(engine, key, tmp_path, "events",
                 "event_id,title,event_type,date,Speaker\nEV1,Induction,induction,2025-03-01,Dr Example\n")
    assert result.inserted == 1
    assert "Ignored columns that are not events fields: Speaker." in result.notices


def test_missing_required_column_refused(engine, key, tmp_path):
    """A file without a required column is refused, naming it."""
    assert_refused(engine, key, tmp_path, "events", "event_id,event_type,date\nEV1,induction,2025-03-01\n",
                   "row 1, column title: '' — required column is missing")


def test_column_map_maps_export_headers(engine, key, tmp_path):
    """A column map renames an export's headers to contract fields."""
    result = run(engine, key, tmp_path, "events",
                 "Code,Session,Kind,When\nEV1,Induction,induction,01/03/2025\n",
                 column_map={"code": "event_id", "Session": "title", "Kind": "event_type", "When": "date"})
    assert result.inserted == 1


def test_column_map_to_unknown_field_refused(engine, key, tmp_path):
    """Mapping a column to a field the kind does not have is refused."""
    assert_refused(engine, key, tmp_path, "events", EVENTS_CSV,
                   "column map: 'title' maps to 'name', which is not one of the events fields "
                   "(event_id, title, event_type, date, delivery, host_region, mwres_indicators, capacity)",
                   column_map={"title": "name"})


def test_two_columns_for_one_field_refused(engine, key, tmp_path):
    """Two columns that both mean one field are refused."""
    assert_refused(engine, key, tmp_path, "events",
                   "event_id,title,Name,event_type,date\nEV1,A,B,induction,2025-03-01\n",
                   "row 1, column Name: 'Name' — a second column for title (the first is title)",
                   column_map={"Name": "title"})


def test_unknown_kind_refused(engine, key, tmp_path):
    """An import kind outside the contract is refused."""
    result = run(engine, key, tmp_path, "people", EVENTS_CSV)
    assert result.problems == [
        "unknown kind 'people' (use one of: events, attendance, feedback, reps, outcomes, benchmarks)"]


# --- dates -------------------------------------------------------------------


def test_iso_and_uk_dates_accepted(engine, key, tmp_path):
    """YYYY-MM-DD and DD/MM/YYYY store the same date."""
    run(engine, key, tmp_path, "events",
        EVENT_HEADER + "EV1,A,induction,2025-03-01\nEV2,B,induction,01/03/2025\n")
    assert rows(engine, "SELECT DISTINCT date FROM event") in ([(dt.date(2025, 3, 1),)], [("2025-03-01",)])


def test_us_order_date_refused(engine, key, tmp_path):
    """A US-order date is read as UK order, so 03/13/2025 is impossible."""
    assert_refused(engine, key, tmp_path, "events", EVENT_HEADER + "EV1,A,induction,03/13/2025\n",
                   "row 2, column date: '03/13/2025' — impossible date")


def test_impossible_date_refused(engine, key, tmp_path):
    """A date that does not exist is refused."""
    assert_refused(engine, key, tmp_path, "events", EVENT_HEADER + "EV1,A,induction,2025-02-30\n",
                   "row 2, column date: '2025-02-30' — impossible date")


def test_text_that_is_not_a_date_refused(engine, key, tmp_path):
    """Words in a date column are refused with the accepted forms."""
    assert_refused(engine, key, tmp_path, "events", EVENT_HEADER + "EV1,A,induction,next week\n",
                   "row 2, column date: 'next week' — not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def test_xlsx_real_date_cells(engine, key, tmp_path):
    """Date cells in an XLSX workbook are read as dates."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["event_id", "title", "event_type", "date", "capacity"])
    sheet.append(["EV1", "Induction", "Induction", dt.datetime(2025, 3, 1, 19, 0), 150])
    sheet.append(["EV2", "Exam prep", "exam_prep", dt.date(2025, 4, 2), 80.0])
    workbook.save(tmp_path / "events.xlsx")
    result = importers.import_file(engine, kind="events", path=tmp_path / "events.xlsx", key=key)
    assert result.inserted == 2
    assert scalar(engine, "SELECT capacity FROM event WHERE event_key = 'EV2'") == 80
    with engine.connect() as conn:
        query = select(models.Event.event_key, models.Event.date).order_by(models.Event.event_key)
        dates = conn.execute(query).all()
    assert [tuple(d) for d in dates] == [("EV1", dt.date(2025, 3, 1)), ("EV2", dt.date(2025, 4, 2))]


# --- yes/no, ratings ---------------------------------------------------------


def test_yes_no_forms_accepted(events, key, tmp_path):
    """yes/no, y/n, true/false and 1/0 in any case are attendance answers."""
    answers = ["Yes", "y", "TRUE", "1", "no", "N", "False", "0"]
    body = "".join(f"EV1,p{i}@example.org,{a}\n" for i, a in enumerate(answers))
    run(events, key, tmp_path, "attendance", "event_id,email,attended\n" + body)
    stored = dict(rows(events, "SELECT p.pseudonym, a.attended FROM attendance a "
                               "JOIN participant p ON p.id = a.participant_id"))
    attended = [bool(stored[pseudonymise(f"p{i}@example.org", key=key)]) for i in range(8)]
    assert attended == [True] * 4 + [False] * 4


def test_bad_yes_no_refused(events, key, tmp_path):
    """An attended value that is not yes or no is refused."""
    assert_refused(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV1,a@example.org,Maybe\n",
                   "row 2, column attended: 'Maybe' — not yes or no (use yes/no, y/n, true/false or 1/0)")


def test_ratings_digits_and_labels(events, key, tmp_path):
    """Ratings are stored 1–5 from digits or labels."""
    body = "".join(f"EV1,{r}\n" for r in ["1", "Poor", "fair", "Good", "very good", "EXCELLENT", "5"])
    run(events, key, tmp_path, "feedback", "event_id,rating\n" + body)
    assert sorted(r for (r,) in rows(events, "SELECT rating FROM feedback")) == [1, 1, 2, 3, 4, 5, 5]


def test_bad_rating_refused(events, key, tmp_path):
    """A rating outside 1–5 and the labels is refused."""
    assert_refused(events, key, tmp_path, "feedback", "event_id,rating\nEV1,6\n",
                   "row 2, column rating: '6' — not a rating "
                   "(use 1–5 or Poor, Fair, Good, Very good, Excellent)")


# --- regions and stages ------------------------------------------------------


@pytest.mark.parametrize(("typed", "code"), [
    ("LDN", "LDN"), ("kss", "KSS"), ("Kent, Surrey and Sussex", "KSS"), ("Yorkshire & Humber", "YH"),
    ("Oxford", "TV"), ("Northern", "NE"), ("North Western", "NW"), ("HEIW", "WAL"), ("NIMDTA", "NI"),
    ("Overseas (not yet in the UK)", "OVS"), ("", "UNK"),
])
def test_attendance_region_forms(events, key, tmp_path, typed, code):
    """Region codes, names, aliases and blanks are stored as region codes."""
    run(events, key, tmp_path, "attendance",
        f'event_id,email,attended,region\nEV1,a@example.org,yes,"{typed}"\n')
    assert attendance_region_codes(events) == [(code,)]


def test_unknown_region_refused(events, key, tmp_path):
    """A region that is no code, name or alias is refused."""
    assert_refused(events, key, tmp_path, "attendance",
                   "event_id,email,attended,region\nEV1,a@example.org,yes,Mars\n",
                   "row 2, column region: 'Mars' — unknown region")


@pytest.mark.parametrize(("typed", "code"), [
    ("ST3", "st3"), ("st 3", "st3"), ("ST-3", "st3"), ("LED", "led"), ("Trust grade", "led"),
    ("Clinical fellow", "led"), ("Specialty doctor", "sas"), ("Not yet in NHS", "pre_nhs"),
    ("Consultant", "consultant"), ("", "unknown"),
])
def test_attendance_stage_forms(events, key, tmp_path, typed, code):
    """Stage codes, ST forms, everyday names and blanks are stored as stage codes."""
    run(events, key, tmp_path, "attendance",
        f"event_id,email,attended,stage\nEV1,a@example.org,yes,{typed}\n")
    assert rows(events, "SELECT s.code FROM attendance a JOIN stage s ON s.id = a.stage_id") == [(code,)]


def test_unknown_stage_refused(events, key, tmp_path):
    """A stage that is no code or known name is refused."""
    assert_refused(events, key, tmp_path, "attendance",
                   "event_id,email,attended,stage\nEV1,a@example.org,yes,FY2\n",
                   "row 2, column stage: 'FY2' — unknown stage")


# --- events --------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["induction", "INDUCTION", "Induction"])
def test_event_type_code_or_label(engine, key, tmp_path, typed):
    """Event types are given by code or label in any case."""
    run(engine, key, tmp_path, "events", EVENT_HEADER + f"EV1,A,{typed},2025-03-01\n")
    stored = rows(engine, "SELECT t.code FROM event e JOIN event_type t ON t.id = e.event_type_id")
    assert stored == [("induction",)]


def test_event_type_label_with_ampersand(engine, key, tmp_path):
    """A label such as 'ARCP & portfolio' names its type."""
    run(engine, key, tmp_path, "events", EVENT_HEADER + "EV1,A,arcp & PORTFOLIO,2025-03-01\n")
    assert rows(engine, "SELECT t.code FROM event e JOIN event_type t ON t.id = e.event_type_id") == [
        ("arcp_portfolio",)]


def test_unknown_event_type_refused(engine, key, tmp_path):
    """An event type outside the reference table is refused."""
    assert_refused(engine, key, tmp_path, "events", EVENT_HEADER + "EV1,A,webinar,2025-03-01\n",
                   "row 2, column event_type: 'webinar' — unknown event type")


def test_event_defaults_and_host_region(engine, key, tmp_path):
    """Delivery defaults to virtual; National and blank host regions store NULL."""
    run(engine, key, tmp_path, "events",
        "event_id,title,event_type,date,host_region,delivery\n"
        "EV1,A,induction,2025-03-01,National,\nEV2,B,induction,2025-03-01,,In person\n"
        "EV3,C,induction,2025-03-01,Thames Valley,hybrid\n")
    assert rows(engine, "SELECT e.event_key, e.delivery, r.code FROM event e "
                        "LEFT JOIN region r ON r.id = e.host_region_id ORDER BY e.event_key") == [
        ("EV1", "virtual", None), ("EV2", "in_person", None), ("EV3", "hybrid", "TV")]


def test_host_region_must_be_a_training_region(engine, key, tmp_path):
    """A host region outside the 19 (e.g. Unknown) is refused."""
    assert_refused(engine, key, tmp_path, "events",
                   "event_id,title,event_type,date,host_region\nEV1,A,induction,2025-03-01,UNK\n",
                   "row 2, column host_region: 'UNK' — unknown region "
                   "(use one of the 19 training regions or National)")


def test_bad_delivery_refused(engine, key, tmp_path):
    """A delivery other than virtual, in_person or hybrid is refused."""
    assert_refused(engine, key, tmp_path, "events",
                   "event_id,title,event_type,date,delivery\nEV1,A,induction,2025-03-01,radio\n",
                   "row 2, column delivery: 'radio' — unknown delivery (use virtual, in_person or hybrid)")


def test_negative_capacity_refused(engine, key, tmp_path):
    """Capacity must be a whole number of at least 0."""
    assert_refused(engine, key, tmp_path, "events",
                   "event_id,title,event_type,date,capacity\nEV1,A,induction,2025-03-01,-5\n",
                   "row 2, column capacity: '-5' — not a whole number ≥ 0")


def test_too_long_event_id_refused(engine, key, tmp_path):
    """An event id longer than the column holds is refused, not truncated."""
    long_id = "E" * 65
    assert_refused(engine, key, tmp_path, "events",
                   EVENT_HEADER + f"{long_id},A,induction,2025-03-01\n",
                   f"row 2, column event_id: '{long_id[:60]}…' — longer than 64 characters")


def test_mwres_indicators_stored_from_the_table(engine, key, tmp_path):
    """Indicator codes are checked against the editable table, not constants."""
    with engine.begin() as conn:
        conn.execute(insert(models.MwresIndicator), [{"code": "12x", "label": "Added by the organisation"}])
    run(engine, key, tmp_path, "events",
        "event_id,title,event_type,date,mwres_indicators\nEV1,A,induction,2025-03-01,4A; 4b;12x\n")
    assert rows(engine, "SELECT i.code FROM event_mwres m JOIN mwres_indicator i ON i.id = m.indicator_id "
                        "ORDER BY i.code") == [("12x",), ("4a",), ("4b",)]


def test_unknown_mwres_indicator_refused(engine, key, tmp_path):
    """An indicator code missing from the table is refused."""
    assert_refused(engine, key, tmp_path, "events",
                   "event_id,title,event_type,date,mwres_indicators\nEV1,A,induction,2025-03-01,4a;99\n",
                   "row 2, column mwres_indicators: '4a;99' — unknown MWRES indicator '99'")


def test_mwres_set_replaced_on_update(engine, key, tmp_path):
    """Re-importing an event with other indicators replaces its set."""
    header = "event_id,title,event_type,date,mwres_indicators\n"
    run(engine, key, tmp_path, "events", header + "EV1,A,induction,2025-03-01,4a;4b\n")
    result = run(engine, key, tmp_path, "events", header + "EV1,A,induction,2025-03-01,1c\n")
    assert result.updated == 1
    stored = rows(engine, "SELECT i.code FROM event_mwres m JOIN mwres_indicator i ON i.id = m.indicator_id")
    assert stored == [("1c",)]


# --- attendance and participants ------------------------------------------------


def test_attendance_stores_pseudonym_not_email(events, key, tmp_path):
    """Participants are stored as the HMAC of the trimmed, lower-cased email."""
    run(events, key, tmp_path, "attendance",
        ATTENDANCE_HEADER + "EV1, Amina.Yusuf@Example.ORG ,yes\nEV2,amina.yusuf@example.org,no\n")
    assert rows(events, "SELECT pseudonym FROM participant") == [
        (pseudonymise("amina.yusuf@example.org", key=key),)]
    assert scalar(events, "SELECT COUNT(DISTINCT participant_id) FROM attendance") == 1


def test_no_email_anywhere_in_the_database(events, key, tmp_path):
    """After importing every kind with emails, no table holds an email."""
    run(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV1,amina@example.org,yes\n")
    run(events, key, tmp_path, "feedback", "event_id,rating,email\nEV1,5,rohan@example.org\n")
    run(events, key, tmp_path, "outcomes",
        "email,category,measure,date,result\nchioma@example.org,exam,mrcpch_fop,2025-06-01,pass\n")
    dump = repr(state(events))
    assert "example.org" not in dump
    assert "@" not in dump


def test_missing_email_refused(events, key, tmp_path):
    """Attendance needs an email for every row."""
    assert_refused(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV1,,yes\n",
                   "row 2, column email: '' — a value is required")


def test_bad_email_refused_without_echoing_it(events, key, tmp_path):
    """An email without @ is refused; problem messages never repeat addresses."""
    assert_refused(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV1,amina at example.org,yes\n",
                   "row 2, column email: '***' — not an email address")


def test_reference_to_missing_event_refused(events, key, tmp_path):
    """Attendance for an event that was never imported is refused."""
    assert_refused(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV9,a@example.org,yes\n",
                   "row 2, column event_id: 'EV9' — no such event (import it in an events file first)")


# --- feedback ------------------------------------------------------------------


def test_anonymous_feedback_has_no_participant(events, key, tmp_path):
    """Blank or 'anonymous' emails leave the feedback without a participant."""
    result = run(events, key, tmp_path, "feedback", "event_id,rating,email\nEV1,5,\nEV1,4,anonymous\n")
    assert result.inserted == 2
    assert rows(events, "SELECT participant_id FROM feedback") == [(None,), (None,)]
    assert scalar(events, "SELECT COUNT(*) FROM participant") == 0


def test_comments_stored_as_plain_text(events, key, tmp_path):
    """A comment that looks like a formula is stored exactly as typed."""
    formula = '=HYPERLINK("http://example.com","click")'
    quoted = formula.replace('"', '""')
    run(events, key, tmp_path, "feedback", f'event_id,rating,comments\nEV1,5,"{quoted}"\n')
    assert rows(events, "SELECT comments FROM feedback") == [(formula,)]


def test_feedback_response_id_updates(events, key, tmp_path):
    """A response_id seen before updates that response."""
    run(events, key, tmp_path, "feedback", "response_id,event_id,rating\nR1,EV1,3\n")
    result = run(events, key, tmp_path, "feedback", "response_id,event_id,rating\nR1,EV1,5\n")
    assert (result.inserted, result.updated) == (0, 1)
    assert rows(events, "SELECT rating FROM feedback") == [(5,)]


def test_feedback_response_id_is_scoped_to_its_event(events, key, tmp_path):
    """Forms number responses per form, so ID 1 at two events is two responses."""
    result = run(events, key, tmp_path, "feedback", "response_id,event_id,rating\n1,EV1,5\n1,EV2,4\n")
    assert result.inserted == 2


def test_identical_anonymous_feedback_kept_and_reimport_unchanged(events, key, tmp_path):
    """Two identical rows without response_id are two responses, and stay two."""
    content = "event_id,rating\nEV1,5\nEV1,5\n"
    assert run(events, key, tmp_path, "feedback", content).inserted == 2
    again = run(events, key, tmp_path, "feedback", content)
    assert (again.inserted, again.unchanged) == (0, 2)


# --- reps ------------------------------------------------------------------------


def test_rep_import_with_defaults(engine, key, tmp_path):
    """Reps store name, region, start date and the default role rep."""
    result = run(engine, key, tmp_path, "reps",
                 "name,region,start_date\nDr  Jane Example,Wessex,01/09/2024\n")
    assert result.inserted == 1
    assert rows(engine, "SELECT r.name, g.code, r.role FROM rep r JOIN region g ON g.id = r.region_id") == [
        ("Dr Jane Example", "WX", "rep")]


def test_rep_end_before_start_refused(engine, key, tmp_path):
    """An end date before the start date is refused."""
    assert_refused(engine, key, tmp_path, "reps",
                   "name,region,start_date,end_date\nJane Example,WX,2025-01-01,2024-12-31\n",
                   "row 2, column end_date: '2024-12-31' — end date is before the start date (2025-01-01)")


def test_rep_region_must_be_a_training_region(engine, key, tmp_path):
    """A rep's region must be one of the 19, not Overseas or Unknown."""
    assert_refused(engine, key, tmp_path, "reps", "name,region,start_date\nJane Example,OVS,2025-01-01\n",
                   "row 2, column region: 'OVS' — not one of the 19 training regions")


def test_bad_rep_role_refused(engine, key, tmp_path):
    """Roles are lead, rep or deputy."""
    assert_refused(engine, key, tmp_path, "reps",
                   "name,region,start_date,role\nJane Example,WX,2025-01-01,chair\n",
                   "row 2, column role: 'chair' — unknown role (use lead, rep or deputy)")


# --- outcomes and benchmarks -------------------------------------------------------


def test_outcome_results_by_category_and_flags(engine, key, tmp_path):
    """Results are normalised per category and flagged with outcome_flag."""
    run(engine, key, tmp_path, "outcomes",
        "email,category,measure,date,result\n"
        "a@example.org,exam,MRCPCH Theory and Science,2025-06-01,Pass\n"
        "a@example.org,arcp,arcp,2025-07-01,7.2\n"
        "a@example.org,arcp,arcp,2024-07-01,10.1\n"
        "a@example.org,recruitment,st3_recruitment,2025-08-01,No offer\n")
    assert rows(engine, "SELECT m.code, o.result, o.flag FROM outcome o "
                        "JOIN outcome_measure m ON m.id = o.measure_id ORDER BY o.date") == [
        ("arcp", "10.1", None), ("mrcpch_tas", "pass", 1), ("arcp", "7.2", 1),
        ("st3_recruitment", "no_offer", 0)]


def test_bad_arcp_outcome_refused(engine, key, tmp_path):
    """An ARCP result that is not a Gold Guide code is refused."""
    assert_refused(engine, key, tmp_path, "outcomes",
                   "email,category,measure,date,result\na@example.org,arcp,arcp,2025-07-01,11\n",
                   "row 2, column result: '11' — not a result for arcp "
                   "(use 1, 10.1, 10.2, 2, 3, 4, 5, 6, 7.1, 7.2, 7.3, 7.4, 8, 9)")


def test_outcome_category_must_match_measure(engine, key, tmp_path):
    """The category must agree with the measure's category in the table."""
    assert_refused(engine, key, tmp_path, "outcomes",
                   "email,category,measure,date,result\na@example.org,exam,arcp,2025-07-01,1\n",
                   "row 2, column category: 'exam' — does not match measure arcp, which is arcp")


def test_benchmark_import(engine, key, tmp_path):
    """Benchmarks store year, measure, group, counts and source."""
    result = run(engine, key, tmp_path, "benchmarks",
                 "year,measure,group,numerator,denominator,source\n2015,mrcpch_tas,IMGs,130,520,PMJ 2015\n")
    assert result.inserted == 1
    stored = rows(engine, "SELECT year, group_label, numerator, denominator FROM benchmark")
    assert stored == [(2015, "IMGs", 130, 520)]


def test_benchmark_numerator_above_denominator_refused(engine, key, tmp_path):
    """A numerator larger than its denominator is refused."""
    assert_refused(engine, key, tmp_path, "benchmarks",
                   "year,measure,group,numerator,denominator,source\n2015,mrcpch_tas,IMGs,600,520,PMJ\n",
                   "row 2, column numerator: '600' — larger than the denominator (520)")


# --- whole-file behaviour ------------------------------------------------------------


def test_reimport_changes_nothing(events, key, tmp_path):
    """Importing the same file twice leaves every row as it was."""
    content = "event_id,email,attended,region,stage\nEV1,a@example.org,yes,LDN,ST3\nEV2,b@example.org,no,,\n"
    run(events, key, tmp_path, "attendance", content)
    before = {n: t for n, t in state(events).items() if n not in ("import_batch", "app_meta")}
    result = run(events, key, tmp_path, "attendance", content)
    assert (result.rows_read, result.inserted, result.updated, result.unchanged) == (2, 0, 0, 2)
    after = {n: t for n, t in state(events).items() if n not in ("import_batch", "app_meta")}
    assert after == before


def test_existing_key_updates_and_records_previous_values(events, key, tmp_path):
    """A changed row updates its record and keeps the previous values for undo."""
    run(events, key, tmp_path, "attendance", "event_id,email,attended,region\nEV1,a@example.org,no,LDN\n")
    result = run(events, key, tmp_path, "attendance",
                 "event_id,email,attended,region\nEV1,a@example.org,yes,LDN\n")
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 0)
    assert [bool(a) for (a,) in rows(events, "SELECT attended FROM attendance")] == [True]
    with events.connect() as conn:
        previous = conn.execute(select(models.ImportChange.previous)).scalar_one()
    assert previous["attended"] is False


def test_duplicate_key_with_different_values_refused(events, key, tmp_path):
    """The same key twice with different values refuses the file."""
    assert_refused(events, key, tmp_path, "attendance",
                   ATTENDANCE_HEADER + "EV1,a@example.org,yes\nEV1,A@example.org,no\n",
                   "row 3, column email: 'A***@example.org' — same event and participant as row 2 "
                   "but different values")


def test_identical_duplicate_rows_imported_once(events, key, tmp_path):
    """A row repeated exactly is imported once, with a notice."""
    result = run(events, key, tmp_path, "attendance",
                 ATTENDANCE_HEADER + "EV1,a@example.org,yes\nEV1,a@example.org,yes\n")
    assert (result.rows_read, result.inserted) == (2, 1)
    assert result.notices == ["1 row repeats an earlier row exactly (same event and participant, "
                              "same values); each was imported once. Rows: 3."]


def test_one_bad_row_writes_nothing(events, key, tmp_path):
    """All or nothing: a file with good rows and one bad row changes nothing."""
    assert_refused(events, key, tmp_path, "attendance",
                   ATTENDANCE_HEADER + "EV1,a@example.org,yes\nEV1,b@example.org,yes\n"
                   "EV1,c@example.org,perhaps\n",
                   "row 4, column attended: 'perhaps' — not yes or no (use yes/no, y/n, true/false or 1/0)")


def test_problems_listed_in_row_order(events, key, tmp_path):
    """Every problem is listed, row by row, in spreadsheet row numbers."""
    result = run(events, key, tmp_path, "attendance",
                 ATTENDANCE_HEADER + "EV9,a@example.org,x\n\nEV1,b@example.org,yes\nEV1,,yes\n")
    assert result.problems == [
        "row 2, column event_id: 'EV9' — no such event (import it in an events file first)",
        "row 2, column attended: 'x' — not yes or no (use yes/no, y/n, true/false or 1/0)",
        "row 5, column email: '' — a value is required",
    ]


def test_binary_file_refused(engine, key, tmp_path):
    """A file that is not a table at all is refused."""
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    before = state(engine)
    result = importers.import_file(engine, kind="events", path=path, key=key)
    assert result.problems == [
        "the file is not a table: it holds binary data, not CSV text or an XLSX workbook"]
    assert state(engine) == before


def test_damaged_xlsx_refused(engine, key, tmp_path):
    """A zip that is not a workbook is refused."""
    path = tmp_path / "events.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"garbage" * 10)
    result = importers.import_file(engine, kind="events", path=path, key=key)
    assert result.problems == ["the file is not a table: it is not a readable XLSX workbook"]


def test_empty_file_refused(engine, key, tmp_path):
    """An empty file is refused."""
    assert run(engine, key, tmp_path, "events", " \n\n").problems == ["the file is empty"]


def test_header_without_rows_refused(engine, key, tmp_path):
    """A header with no data rows is refused."""
    assert run(engine, key, tmp_path, "events", "event_id,title,event_type,date\n").problems == [
        "the file has a header row but no data rows"]


def test_missing_file_refused(engine, key, tmp_path):
    """A path that does not exist gives a problem, not a traceback."""
    result = importers.import_file(engine, kind="events", path=tmp_path / "nope.csv", key=key)
    assert result.problems == ["the file could not be read: No such file or directory"]


# --- encodings and layout ---------------------------------------------------------------


def test_utf8_bom_and_crlf(engine, key, tmp_path):
    """A UTF-8 file with a byte-order mark and CRLF line endings imports."""
    path = write(tmp_path, EVENTS_CSV.replace("Virtual induction", "Induction – São Paulo"),
                 encoding="utf-8-sig", newline="\r\n")
    result = importers.import_file(engine, kind="events", path=path, key=key)
    assert result.inserted == 2
    assert scalar(engine, "SELECT title FROM event WHERE event_key = 'EV1'") == "Induction – São Paulo"


def test_windows_1252_fallback(engine, key, tmp_path):
    """A file that is not UTF-8 is read as Windows-1252."""
    path = write(tmp_path, EVENTS_CSV.replace("Virtual induction", "Café – induction"), encoding="cp1252",
                 newline="\r\n")
    importers.import_file(engine, kind="events", path=path, key=key)
    assert scalar(engine, "SELECT title FROM event WHERE event_key = 'EV1'") == "Café – induction"


def test_header_found_below_report_blocks(tmp_path):
    """The header is the first row at least as wide as every row below it."""
    table = importers.read_table(b"Report\nTopic,Date\nX,Y\n\nname,email,attended\nA,a@example.org,yes\n")
    assert table.attrs["header_row"] == 5
    assert list(table.columns) == ["name", "email", "attended"]
    assert list(table.index) == [6]


def test_header_row_can_be_given(tmp_path):
    """An explicit header row overrides the detection."""
    table = importers.read_table(b"a,b\nc,d\n", header_row=2)
    assert list(table.columns) == ["c", "d"]
    assert table.empty


def test_quoted_line_breaks_keep_row_numbers(events, key, tmp_path):
    """A cell with a line break is one spreadsheet row, as a person counts them."""
    result = run(events, key, tmp_path, "feedback", 'event_id,rating,comments\nEV1,5,"two\nlines"\nEV1,9,\n')
    assert result.problems == [
        "row 3, column rating: '9' — not a rating (use 1–5 or Poor, Fair, Good, Very good, Excellent)"]


# --- provenance ---------------------------------------------------------------------------


def test_import_batch_records_provenance(engine, key, tmp_path):
    """A successful import records kind, file, sha256, user, time and counts."""
    path = write(tmp_path, EVENTS_CSV, name="events-2025.csv")
    result = importers.import_file(engine, kind="events", path=path, key=key, imported_by="lead@example.com")
    with engine.connect() as conn:
        batch = conn.execute(select(models.ImportBatch)).one()._mapping
    assert batch["id"] == result.batch_id
    assert (batch["kind"], batch["file_name"], batch["imported_by"]) == ("events", "events-2025.csv",
                                                                        "lead@example.com")
    assert batch["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    counts = (batch["rows_read"], batch["rows_inserted"], batch["rows_updated"], batch["rows_unchanged"])
    assert counts == (2, 2, 0, 0)
    assert abs(batch["imported_at"] - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=5)


def test_import_sets_last_import_and_bumps_data_version(engine, key, tmp_path):
    """Every successful import bumps data_version and stamps last_import_at."""
    run(engine, key, tmp_path, "events", EVENTS_CSV)
    run(engine, key, tmp_path, "events", EVENTS_CSV)
    meta = dict(rows(engine, "SELECT key, value FROM app_meta"))
    assert meta["data_version"] == "2"
    assert dt.datetime.fromisoformat(meta["last_import_at"]).tzinfo == dt.UTC


def test_bump_data_version_counts_up(engine):
    """bump_data_version creates the version at 1 and then adds one."""
    with engine.begin() as conn:
        assert importers.bump_data_version(conn) == 1
        assert importers.bump_data_version(conn) == 2
    assert scalar(engine, "SELECT value FROM app_meta WHERE key = 'data_version'") == "2"


def test_prepare_gives_a_preview_without_writing(events, key):
    """prepare returns normalised rows (pseudonyms, codes) and writes nothing."""
    table = importers.read_table(b"event_id,email,attended,region\nEV1,a@example.org,Y,Oxford\n")
    before = state(events)
    rows_, problems, _ = importers.prepare(events, kind="attendance", table=table, key=key)
    assert problems == []
    assert rows_.to_dict("records") == [{
        "row": 2, "event_id": "EV1", "pseudonym": pseudonymise("a@example.org", key=key),
        "attended": True, "region": "TV", "stage": "unknown"}]
    assert state(events) == before


# --- undo -----------------------------------------------------------------------------------


def test_undo_restores_exactly(events, key, tmp_path):
    """Undoing a batch deletes its inserts and restores its updates."""
    run(events, key, tmp_path, "events",
        "event_id,title,event_type,date,mwres_indicators\nEV1,Virtual induction,induction,2025-03-01,4a\n")
    run(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV1,a@example.org,no\n")
    before = {n: t for n, t in state(events).items() if n not in PROVENANCE}
    result = run(events, key, tmp_path, "events",
                 "event_id,title,event_type,date,mwres_indicators\n"
                 "EV1,Induction (renamed),other,2025-03-02,1c\n"
                 "EV3,New,other,2025-05-01,4b\n")
    run_attendance = run(events, key, tmp_path, "attendance",
                         ATTENDANCE_HEADER + "EV1,a@example.org,yes\nEV3,b@example.org,yes\n")
    assert importers.undo_batch(events, batch_id=run_attendance.batch_id) == 3
    assert importers.undo_batch(events, batch_id=result.batch_id) == 2
    after = {n: t for n, t in state(events).items() if n not in PROVENANCE}
    assert after == before


def test_undo_refused_while_a_later_batch_depends_on_it(events, key, tmp_path):
    """A batch whose rows a later batch uses cannot be undone first."""
    batch = run(events, key, tmp_path, "events", EVENT_HEADER + "EV3,New,other,2025-05-01\n")
    later = run(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV3,a@example.org,yes\n")
    before = state(events)
    expected = (f"batch {later.batch_id} has attendance rows that use event rows "
                f"added by batch {batch.batch_id}")
    with pytest.raises(importers.UndoError, match=expected):
        importers.undo_batch(events, batch_id=batch.batch_id)
    assert state(events) == before


def test_undo_refused_when_a_later_batch_changed_its_rows(events, key, tmp_path):
    """A batch whose rows a later batch updated cannot be undone first."""
    header = "event_id,email,attended\n"
    first = run(events, key, tmp_path, "attendance", header + "EV1,a@example.org,no\n")
    later = run(events, key, tmp_path, "attendance", header + "EV1,a@example.org,yes\n")
    with pytest.raises(importers.UndoError, match=f"batch {later.batch_id} changed attendance rows"):
        importers.undo_batch(events, batch_id=first.batch_id)


def test_undo_twice_or_unknown_batch_refused(events, key, tmp_path):
    """Undoing an undone or missing batch is a clear error."""
    batch = run(events, key, tmp_path, "attendance", ATTENDANCE_HEADER + "EV1,a@example.org,no\n")
    importers.undo_batch(events, batch_id=batch.batch_id)
    with pytest.raises(importers.UndoError, match="already undone"):
        importers.undo_batch(events, batch_id=batch.batch_id)
    with pytest.raises(importers.UndoError, match="there is no import batch 999"):
        importers.undo_batch(events, batch_id=999)


# --- the organisation's own exports ------------------------------------------------------------


def test_zoom_attendee_report(engine, key, tmp_path):
    """Zoom's report imports: header found below the blocks, rejoins counted once."""
    run(engine, key, tmp_path, "events", EVENT_HEADER + "Z1,ARCP webinar,arcp_portfolio,12/03/2025\n")
    result = importers.import_file(engine, kind="attendance", path=SAMPLES / "zoom_attendee_report.csv",
                                   key=key, fixed_values={"event_id": "Z1"})
    assert result.problems == []
    assert (result.rows_read, result.inserted) == (40, 36)
    assert ("The table's header was taken from row 11 (the first row at least as wide as every row "
            "below it); the rows above it were skipped.") in result.notices
    assert scalar(engine, "SELECT COUNT(*) FROM attendance WHERE attended = :yes", yes=True) == 27
    assert "@" not in repr(state(engine))


def test_eventbrite_attendees_with_aliases(engine, key, tmp_path):
    """Eventbrite's summary imports with its check-in column and region aliases."""
    run(engine, key, tmp_path, "events", EVENT_HEADER + "EB1,IMG induction,induction,2025-04-10\n")
    result = importers.import_file(
        engine, kind="attendance", path=SAMPLES / "eventbrite_attendees.csv", key=key,
        fixed_values={"event_id": "EB1"},
        column_map={"Checked In": "attended", "Which deanery/region are you in?": "region", "Grade": "stage"})
    assert result.problems == []
    assert result.inserted == 30
    regions = {code for (code,) in rows(engine, "SELECT DISTINCT r.code FROM attendance a "
                                                "JOIN region r ON r.id = a.region_id")}
    assert regions == {"NI", "WAL", "MER", "NE", "TV", "LDN"}


def test_msforms_feedback_export(engine, key, tmp_path):
    """The Forms export imports: labels, anonymous rows, formula-like comments."""
    run(engine, key, tmp_path, "events",
        EVENT_HEADER + f"{FORMS_EVENT},ARCP webinar,arcp_portfolio,12/03/2025\n")
    result = importers.import_file(engine, kind="feedback", path=SAMPLES / "msforms_feedback_export.xlsx",
                                   key=key, column_map=FORMS_MAP)
    assert result.problems == []
    assert result.inserted == 24
    assert scalar(engine, "SELECT COUNT(*) FROM feedback WHERE participant_id IS NULL") == 6
    assert scalar(engine, "SELECT COUNT(*) FROM feedback WHERE comments = '=SUM(1,1)'") == 8
    assert scalar(engine, "SELECT COUNT(*) FROM feedback WHERE rating = 5") == 17
    assert "Respondent" not in repr(state(engine))


def test_msforms_maybe_is_stored_as_not_recommending(engine, key, tmp_path):
    """The three-choice recommend question imports: Maybe is stored as False, with No."""
    run(engine, key, tmp_path, "events",
        EVENT_HEADER + f"{FORMS_EVENT},ARCP webinar,arcp_portfolio,12/03/2025\n")
    result = importers.import_file(
        engine, kind="feedback", path=SAMPLES / "msforms_feedback_export.xlsx", key=key,
        column_map=FORMS_MAP | {"Would you recommend Soft Landing to a colleague?": "would_recommend"})
    assert result.problems == []
    assert ("8 “Maybe” answers to would_recommend were stored as not recommending: only a definite yes counts "
            "as a recommendation.") in result.notices
    assert scalar(engine, "SELECT COUNT(*) FROM feedback WHERE would_recommend = :no", no=False) == 8


def test_recommend_answer_that_is_not_yes_no_or_maybe_is_refused(events, key, tmp_path):
    """A would_recommend answer other than yes, no or maybe names the accepted answers."""
    assert_refused(events, key, tmp_path, "feedback", "event_id,rating,would_recommend\nEV1,5,Perhaps\n",
                   "row 2, column would_recommend: 'Perhaps' — not yes, no or maybe "
                   "(use yes/no/maybe, y/n, true/false or 1/0)")
