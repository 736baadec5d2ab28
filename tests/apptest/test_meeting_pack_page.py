"""The Meeting pack page: prepare a pack for the current filters, then download it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data_access.audit import audit_events
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS
from ui.notices import page_label, page_sort_key

PAGE = "pages/6_Meeting_pack.py"


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    return at.switch_page(PAGE)


def download_buttons(at) -> list:
    return at.get("download_button")


def test_meeting_pack_appears_after_about_the_data_and_before_admin_pages():
    """The menu lists "Meeting pack" after About the data and before the Audit log."""
    names = sorted((path.name for path in (ROOT / "pages").glob("*.py")), key=page_sort_key)
    labels = [page_label(name) for name in names]
    assert labels.index("Meeting pack") == labels.index("About the data") + 1
    assert labels.index("Meeting pack") < labels.index("Audit log")


def test_page_offers_no_download_before_prepare(app_db):
    """Before "Prepare" is pressed, the page shows the formats and no download."""
    at = open_page().run()
    assert not at.exception
    assert at.title[0].value == "Meeting pack"
    assert at.radio(key="meeting_pack_format").options == ["PowerPoint deck (.pptx)", "HTML report (.html)",
                                                           "CSV files (.zip)"]
    assert download_buttons(at) == []


def test_prepare_gives_a_pptx_download_and_an_audit_event(app_db):
    """Pressing Prepare makes a deck with the page's filters, offers it for download and logs the export."""
    at = open_page().run()
    at.button(key="meeting_pack_prepare").click().run()
    assert not at.exception
    assert len(download_buttons(at)) == 1
    events = audit_events(app_db, actions=("export",))
    assert len(events) == 1
    assert "Meeting pack (pptx)" in events["detail"].iloc[0]
    assert "Last 12 months" in events["detail"].iloc[0]


def test_changing_the_format_asks_to_prepare_again(app_db):
    """A pack prepared as a deck is not offered once the format changes to HTML."""
    at = open_page().run()
    at.button(key="meeting_pack_prepare").click().run()
    at.radio(key="meeting_pack_format").set_value("html").run()
    assert download_buttons(at) == []
    assert any("prepare it again" in info.value for info in at.info)
