"""Hostile uploads on the Data page: an XLSX whose sheet expands to millions
of rows, a CSV with a 10 MB cell, a 100,000-column CSV and a CSV with no line
ends each show the one-line refusal that names the limit, and the database is
unchanged."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from data_access import importers
from data_access.config import ImportLimits
from tests import hostile_files
from tests.browser.access_helpers import upload
from tests.browser.test_data_page_browser import choose_kind, open_data_page_as_admin
from tests.test_import_limits import row_counts

pytestmark = pytest.mark.browser

HOSTILE_FILES = {
    "sheet_bomb.xlsx": hostile_files.write_sheet_bomb,
    "huge_cell.csv": hostile_files.write_huge_cell_csv,
    "wide.csv": hostile_files.write_wide_csv,
    "no_line_ends.csv": hostile_files.write_no_line_ends_csv,
}


def expected_refusal(path) -> str:
    """Return the refusal ``read_table`` gives for the file with the default limits."""
    with pytest.raises(importers.TableError) as raised:
        importers.read_table(path, limits=ImportLimits())
    return str(raised.value)


@pytest.mark.parametrize("file_name", HOSTILE_FILES)
def test_hostile_upload_refused_in_one_line(access_server, page, tmp_path, file_name):
    """The Data page shows the file's one-line refusal naming the limit, and nothing is written."""
    path = HOSTILE_FILES[file_name](tmp_path / file_name)
    refusal = expected_refusal(path)
    open_data_page_as_admin(page, access_server)
    choose_kind(page, "Attendance (registrations and attendees)")
    # Logging in records an audit event; the upload must record nothing.
    before = row_counts(access_server.database_url)
    upload(page, path)
    shown = page.get_by_text(f"{file_name} cannot be read: {refusal}. Nothing was changed.")
    expect(shown).to_be_visible()
    expect(page.get_by_role("heading", name="Match the file's columns to the fields")).to_have_count(0)
    assert row_counts(access_server.database_url) == before
