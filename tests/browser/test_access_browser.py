"""Access control in a real browser, on a server with built-in accounts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.access_helpers import (
    IDLE_APP,
    log_in,
    open_and_log_in,
    sidebar_link,
    wait_for_login_form,
)
from tests.browser.helpers import ROOT, save_screenshot
from ui.auth import NOT_PERMITTED, WRONG_LOGIN
from ui.notices import page_label

pytestmark = pytest.mark.browser

PAGE_PATHS = ["/"] + sorted("/" + page_label(path.name).replace(" ", "_") for path in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_deep_link_without_login_shows_login_form_and_no_number(access_server, page, path):
    """A link straight to any page, filters and all, shows only the login form: no tile, no number."""
    page.goto(f"{access_server.base_url}{path}?region=LDN&period=all_time")
    wait_for_login_form(page)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    assert not re.search(r"\d", page.locator('[data-testid="stApp"]').inner_text())


def test_wrong_password_refused(access_server, page):
    """A wrong password gets the generic message and still no tiles."""
    page.goto(access_server.base_url + "/")
    wait_for_login_form(page)
    log_in(page, "alice", "not-alice-password")
    expect(page.get_by_text(WRONG_LOGIN)).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)


def test_throttle_engages_after_five_failures(access_server, page):
    """After five failures, even the right password is refused with a wait, in a new session too."""
    password, _ = access_server.accounts["tess"]
    for attempt in range(5):
        page.goto(access_server.base_url + "/")
        wait_for_login_form(page)
        log_in(page, "tess", f"wrong-{attempt}")
        expect(page.get_by_text(WRONG_LOGIN)).to_be_visible()
    page.goto(access_server.base_url + "/")
    wait_for_login_form(page)
    log_in(page, "tess", password)
    expect(page.get_by_text("Too many failed attempts for this username.", exact=False)).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    save_screenshot(page, "login-throttled")


def test_viewer_sees_dashboard_but_not_data_page(access_server, page):
    """A viewer sees the Overview tiles and the dashboard pages, but no Data page or audit log in the menu."""
    password, _ = access_server.accounts["victor"]
    open_and_log_in(page, access_server.base_url + "/", "victor", password)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(8)
    expect(sidebar_link(page, "Event reach")).to_be_visible()
    expect(sidebar_link(page, "Data")).to_have_count(0)
    expect(sidebar_link(page, "Audit log")).to_have_count(0)
    save_screenshot(page, "viewer-overview")


@pytest.mark.parametrize("path", ["/Records", "/Data", "/Audit_log"])
def test_viewer_deep_link_to_admin_page_not_permitted(access_server, page, path):
    """A viewer who logs in on an admin page's link is told it is not permitted, with no controls."""
    password, _ = access_server.accounts["victor"]
    open_and_log_in(page, access_server.base_url + path, "victor", password)
    page.wait_for_selector(IDLE_APP)
    expect(page.get_by_text(NOT_PERMITTED.replace("**", ""))).to_be_visible()
    expect(page.locator('[data-testid="stFileUploader"]')).to_have_count(0)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
