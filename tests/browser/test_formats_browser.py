"""The Data page in a real browser recognises a Zoom attendee report and
imports it without any column matching (the admin only chooses the event),
and remembers a form question chosen once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from data_access import importers
from data_access.db import make_engine
from tests.browser.access_helpers import choose, upload
from tests.browser.helpers import save_screenshot
from tests.browser.test_data_page_browser import choose_kind, open_data_page_as_admin, recent_event_key

pytestmark = pytest.mark.browser

ZOOM_REPORT = Path(__file__).resolve().parent.parent / "data" / "zoom_attendee_report.csv"
# People in the report's attendee table, each once however often they rejoined (counted by hand).
REPORT_PEOPLE = 36


def event_option(database_url: str, event_key: str) -> str:
    """Return how the page names the event ``event_key`` in its event choice."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        title, date = conn.execute(text("SELECT title, date FROM event WHERE event_key = :key"),
                                   {"key": event_key}).one()
    engine.dispose()
    return f"{event_key} — {title} ({dt.date.fromisoformat(str(date)):%-d %b %Y})"


def attendance_rows(database_url: str, event_key: str) -> int:
    """Return how many attendance rows the event ``event_key`` has."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM attendance a JOIN event e ON e.id = a.event_id "
                                  "WHERE e.event_key = :key"), {"key": event_key}).scalar_one()
    engine.dispose()
    return count


def undo_newest_import(database_url: str) -> None:
    """Undo the newest import, so that later tests on the shared server see the data they expect."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        newest = conn.execute(text("SELECT MAX(id) FROM import_batch")).scalar_one()
    importers.undo_batch(engine, batch_id=newest)
    engine.dispose()


def test_zoom_report_is_recognised_and_imported_without_matching_columns(access_server, page):
    """Zoom's report shows "Recognised", asks only for the event, and imports every attendee once."""
    event_key = recent_event_key(access_server.database_url)
    before = attendance_rows(access_server.database_url, event_key)
    open_data_page_as_admin(page, access_server)
    choose_kind(page, "Attendance (registrations and attendees)")
    upload(page, ZOOM_REPORT)
    expect(page.get_by_text("Recognised as a Zoom webinar attendee report", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Match the file's columns to the fields")).to_have_count(0)
    choose(page, "Event the export is of", event_option(access_server.database_url, event_key))
    preview = f"Preview: the first rows of {REPORT_PEOPLE} as they will be stored"
    expect(page.get_by_role("heading", name=preview)).to_be_visible()
    save_screenshot(page, "data-page-recognised-zoom")
    page.get_by_role("button", name=f"Import {REPORT_PEOPLE} rows").click()
    expect(page.get_by_text("Imported zoom_attendee_report.csv", exact=False)).to_be_visible()
    assert attendance_rows(access_server.database_url, event_key) == before + REPORT_PEOPLE
    undo_newest_import(access_server.database_url)


def test_form_question_chosen_once_is_remembered_for_the_form(access_server, page):
    """A form whose rating question no wording finds asks for it once; its next upload needs no choice."""
    renamed_form = ZOOM_REPORT.with_name("googleforms_feedback_renamed.csv")
    option = event_option(access_server.database_url, recent_event_key(access_server.database_url))
    preview = "Preview: the first rows of 6 as they will be stored"
    open_data_page_as_admin(page, access_server)
    choose_kind(page, "Feedback responses")
    upload(page, renamed_form)
    expect(page.get_by_text("Recognised as a Google Forms response export", exact=False)).to_be_visible()
    choose(page, "Event the export is of", option)
    expect(page.get_by_text("no question of this form was found for rating", exact=False)).to_be_visible()
    choose(page, "Which question asks for the rating?", "How was today's session for you?")
    expect(page.get_by_role("heading", name=preview)).to_be_visible()

    open_data_page_as_admin(page, access_server)
    choose_kind(page, "Feedback responses")
    upload(page, renamed_form)
    choose(page, "Event the export is of", option)
    expect(page.get_by_role("heading", name=preview)).to_be_visible()
    expect(page.get_by_text("no question of this form was found", exact=False)).to_have_count(0)
