"""Every page in pages/: opened by direct URL on the running server, and
reached from the Overview with the filters kept. One test per page file."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ROOT,
    region_filter,
    save_screenshot,
    serious_accessibility_violations,
    wait_for_app,
)
from ui.notices import page_label

pytestmark = pytest.mark.browser

PAGE_FILES = sorted(path for path in (ROOT / "pages").glob("*.py") if not path.name.startswith("_"))


def url_path(path: Path) -> str:
    return "/" + page_label(path.name).replace(" ", "_")


@pytest.mark.parametrize("path", PAGE_FILES, ids=[p.stem for p in PAGE_FILES])
def test_page_opens_by_direct_url_with_filters(app_server, page, path):
    """A filter link straight to a page renders it with those filters and no exception."""
    page.goto(f"{app_server}{url_path(path)}?region=SCN&period=all_time")
    wait_for_app(page)
    expect(region_filter(page)).to_contain_text(
        "Scotland North"
    )
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    save_screenshot(page, f"page-{path.stem}")


@pytest.mark.parametrize("path", PAGE_FILES, ids=[p.stem for p in PAGE_FILES])
def test_filters_survive_switch_to_page(app_server, page, path):
    """Filters set on the Overview are still set after following the sidebar link to a page."""
    page.goto(f"{app_server}/?region=WAL&type=induction")
    wait_for_app(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').get_by_role(
        "link", name=page_label(path.name), exact=True
    ).click()
    expect(page).to_have_url(re.compile(re.escape(url_path(path))))
    wait_for_app(page)
    expect(region_filter(page)).to_contain_text("Wales")
    assert parse_qs(urlsplit(page.url).query) == {"region": ["WAL"], "type": ["induction"]}


@pytest.mark.parametrize("path", PAGE_FILES, ids=[p.stem for p in PAGE_FILES])
def test_page_has_no_serious_accessibility_violations(app_server, page, path):
    """axe-core finds no critical or serious WCAG violation on the page."""
    page.goto(f"{app_server}{url_path(path)}")
    wait_for_app(page)
    assert serious_accessibility_violations(page) == []
