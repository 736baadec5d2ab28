"""The frame in a multipage app: filters persist across page switches and a
link opens any page with its filters."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest.support import RUN_TIMEOUT_SECONDS
from ui import frame

PAGE_SCRIPT = """
from ui.frame import page_frame

filters = page_frame({title!r})
"""


@pytest.fixture
def two_page_app(app_db, tmp_path, monkeypatch) -> AppTest:
    """Return an AppTest of a two-page app whose pages are just the frame."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "main.py").write_text(PAGE_SCRIPT.format(title="First"))
    (tmp_path / "pages" / "2_Second_page.py").write_text(PAGE_SCRIPT.format(title="Second"))
    monkeypatch.setattr(frame, "ENTRY_SCRIPT", tmp_path / "main.py")
    monkeypatch.setattr(frame, "PAGES_DIR", tmp_path / "pages")
    return AppTest.from_file(str(tmp_path / "main.py"), default_timeout=RUN_TIMEOUT_SECONDS)


def test_menu_lists_overview_then_pages(two_page_app):
    """The sidebar menu names the entry page "Overview", then each page by its label."""
    at = two_page_app.run()
    assert [link.value for link in at.get("page_link")] == ["Overview", "Second page"]


def test_filters_persist_across_page_switch(two_page_app):
    """Filters chosen on one page are still selected on the next."""
    at = two_page_app.run()
    at.multiselect(key="filter_region").set_value(["NI"]).run()
    at.selectbox(key="filter_period").select("all_time").run()
    at.switch_page("pages/2_Second_page.py").run()
    assert not at.exception
    assert at.title[0].value == "Second"
    assert at.multiselect(key="filter_region").value == ["NI"]
    assert at.selectbox(key="filter_period").value == "all_time"


def test_link_to_second_page_applies_filters(two_page_app):
    """A filter link opened on a further page sets that page's filters."""
    two_page_app.query_params["type"] = ["exam_prep"]
    at = two_page_app.switch_page("pages/2_Second_page.py").run()
    assert at.title[0].value == "Second"
    assert at.multiselect(key="filter_type").value == ["exam_prep"]
