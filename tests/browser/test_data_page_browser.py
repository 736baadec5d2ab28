"""The Data page in a real browser: an admin loads an export whose headers
differ from the contract, sees it on the Overview, undoes it; a bad file
shows its row-level problems and changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from data_access import importers
from data_access.db import make_engine
from tests.browser.access_helpers import IDLE_APP, choose, open_and_log_in, sidebar_link, tile_value, upload
from tests.browser.helpers import save_screenshot

pytestmark = pytest.mark.browser

SAME_VALUE = "— the same value for every row —"
# A Microsoft Forms-style feedback export: none of its headers is a contract name.
FORMS_HEADER = "ID,Start time,How would you rate this session?,Would you recommend it?,Any comments?\n"
FORMS_ROWS = (
    "1,{day},Excellent,Yes,Clear on ARCP evidence\n"
    "2,{day},Very good,Yes,\n"
    "3,{day},5,No,More on portfolios\n"
    "4,{day},Good,Yes,\n"
)


def recent_event_key(database_url: str) -> str:
    """Return the key of the newest event dated before today in the server's database."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        key = conn.execute(text("SELECT event_key FROM event WHERE date < :today ORDER BY date DESC LIMIT 1"),
                           {"today": dt.date.today()}).scalar_one()
    engine.dispose()
    return key


def batch_count(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM import_batch")).scalar_one()
    engine.dispose()
    return count


def choose_kind(page, label: str) -> None:
    """Choose what the file holds, and wait until the page has redrawn for it."""
    choose(page, "What the file holds", label)
    expect(page.get_by_role("button", name=f"Download the {label.lower()} template (CSV)")).to_be_visible()
    page.wait_for_selector(IDLE_APP)


def open_data_page_as_admin(page, access_server) -> None:
    password, _ = access_server.accounts["alice"]
    open_and_log_in(page, access_server.base_url + "/Data", "alice", password)
    expect(page.get_by_role("heading", name="Load a file")).to_be_visible()


def test_admin_maps_imports_and_undoes_an_export(access_server, page, tmp_path):
    """An admin maps a Forms export, previews and imports it, sees the Overview count rise, and undoes it."""
    export = tmp_path / "forms_feedback.csv"
    export.write_text(FORMS_HEADER + FORMS_ROWS.format(day=dt.date.today().isoformat()))
    password, _ = access_server.accounts["alice"]
    open_and_log_in(page, access_server.base_url + "/", "alice", password)
    before = tile_value(page, "Feedback responses")

    sidebar_link(page, "Data").click()
    expect(page.get_by_role("heading", name="Load a file")).to_be_visible()
    choose_kind(page, "Feedback responses")
    upload(page, export)
    expect(page.get_by_role("heading", name="Match the file's columns to the fields")).to_be_visible()
    choose(page, "event_id (required)", SAME_VALUE)
    event_value = page.get_by_role("textbox", name="event_id for every row")
    event_value.fill(recent_event_key(access_server.database_url))
    event_value.press("Enter")
    choose(page, "rating (required)", "How would you rate this session?")
    choose(page, "response_id", "ID")
    choose(page, "submitted", "Start time")
    choose(page, "would_recommend", "Would you recommend it?")
    choose(page, "comments", "Any comments?")
    expect(page.get_by_role("heading", name="Preview: the first rows of 4 as they will be stored")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    save_screenshot(page, "data-page-preview")
    page.get_by_role("button", name="Import 4 rows").click()
    # The import runs in a worker process that first has to start.
    expect(page.get_by_text("4 inserted, 0 updated, 0 unchanged", exact=False)).to_be_visible(timeout=60_000)

    sidebar_link(page, "Overview").click()
    page.wait_for_selector(IDLE_APP)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert tile_value(page, "Feedback responses") == before + 4

    sidebar_link(page, "Data").click()
    expect(page.get_by_role("heading", name="Import history")).to_be_visible()
    choose(page, "Import to undo", "forms_feedback.csv", exact=False)
    page.get_by_role("button", name="Undo this import…").click()
    page.get_by_role("button", name="Yes, undo it").click()
    expect(page.get_by_text("Undid import", exact=False)).to_be_visible()

    sidebar_link(page, "Overview").click()
    page.wait_for_selector(IDLE_APP)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert tile_value(page, "Feedback responses") == before


def test_bad_file_shows_row_problems_and_changes_nothing(access_server, page, tmp_path):
    """A file with bad rows lists the command line's row-level problems, offers them as CSV, imports nothing."""
    bad = tmp_path / "bad_attendance.csv"
    bad.write_text("event_id,email,attended\nNO-SUCH-EVENT,amina@example.org,yes\n"
                   f"{recent_event_key(access_server.database_url)},rohan@example.org,maybe\n")
    engine = make_engine(access_server.database_url)
    expected = importers.import_file(engine, kind="attendance", path=bad, key=b"any-key").problems
    engine.dispose()
    batches_before = batch_count(access_server.database_url)

    open_data_page_as_admin(page, access_server)
    choose_kind(page, "Attendance (registrations and attendees)")
    upload(page, bad)
    expect(page.get_by_text(f"{len(expected)} problems found, so nothing will be imported.")).to_be_visible()
    for problem in expected:
        expect(page.get_by_role("cell", name=problem)).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=False)).to_have_count(0)
    assert "amina@example.org" not in page.locator('[data-testid="stApp"]').inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the problems (CSV)").click()
    downloaded = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    assert [row["problem"] for row in downloaded] == expected
    save_screenshot(page, "data-page-problems")
    assert batch_count(access_server.database_url) == batches_before
