"""Meeting mode in Debian's Chromium: a present=1 link hides the sidebar,
uses larger type, states the filters at the top, hides the page controls,
and keeps meeting mode when moving to another page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import APP_TIMEOUT_MS, serious_accessibility_violations, wait_for_app
from ui.meeting import BAR_KEY, CONTEXT_KEY, EXIT_LABEL

pytestmark = pytest.mark.browser

BAR = f".st-key-{BAR_KEY}"
CONTEXT = f".st-key-{CONTEXT_KEY}"


def wait_for_meeting(page) -> None:
    """Wait until the app has drawn meeting mode's page bar and its script is not running."""
    idle_app = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    page.wait_for_selector(idle_app, timeout=APP_TIMEOUT_MS)
    page.wait_for_selector(BAR, timeout=APP_TIMEOUT_MS)


def open_meeting(page, url: str) -> None:
    """Open ``url`` (a new browser session) and wait for meeting mode."""
    page.goto(url)
    wait_for_meeting(page)


FONT_PX = "selector => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize)"


def font_px(page, selector: str) -> float:
    return page.evaluate(FONT_PX, selector)


def wait_until_larger(page, selector: str, normal_px: float) -> None:
    """Wait until the first ``selector`` element's font is larger than ``normal_px``; time out if never."""
    larger = f"([selector, normal]) => ({FONT_PX})(selector) > normal"
    page.wait_for_function(larger, arg=[selector, normal_px], timeout=APP_TIMEOUT_MS)


def test_present_link_shows_no_sidebar(app_server, page):
    """A present=1 link draws no sidebar and no button to expand one."""
    open_meeting(page, f"{app_server}/?present=1")
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
    expect(page.locator('[data-testid="stExpandSidebarButton"]')).to_be_hidden()
    expect(page.get_by_role("button", name=EXIT_LABEL)).to_be_visible()


def test_meeting_mode_uses_larger_type(app_server, page):
    """The page title and the body text are larger than in the normal view."""
    page.goto(app_server)
    wait_for_app(page)
    normal_title, normal_body = font_px(page, "h1"), font_px(page, ".stMain p")
    open_meeting(page, f"{app_server}/?present=1")
    # The style sheet can land a moment after the page bar.
    wait_until_larger(page, "h1", normal_title)
    wait_until_larger(page, ".stMain p", normal_body)
    assert font_px(page, "h1") > normal_title
    assert font_px(page, ".stMain p") > normal_body


def test_filters_and_data_as_of_sit_above_the_charts(app_server, page):
    """The filters line with the period and "data as of" is at the top, above the first chart."""
    open_meeting(page, f"{app_server}/?present=1&region=SCN&period=all_time")
    context = page.locator(CONTEXT)
    expect(context).to_contain_text("Scotland North · all stages · all event types · All time")
    expect(context).to_contain_text("Data as of ")
    first_chart = page.locator('[data-testid="stPlotlyChart"]').first
    first_chart.wait_for()
    assert context.bounding_box()["y"] < first_chart.bounding_box()["y"]


def test_page_controls_are_hidden(app_server, page):
    """On Event reach the events table's download button is hidden; no download or expander shows."""
    open_meeting(page, f"{app_server}/Event_reach?present=1")
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    expect(page.locator(".st-key-csv-events")).to_have_count(1)
    expect(page.locator(".st-key-csv-events")).to_be_hidden()
    expect(page.locator('[data-testid="stDownloadButton"]:visible')).to_have_count(0)
    expect(page.locator('[data-testid="stExpander"]:visible')).to_have_count(0)


def test_moving_to_another_page_keeps_meeting_mode(app_server, page):
    """The page bar's Event reach link opens it still in meeting mode, with the filters, in the URL too."""
    open_meeting(page, f"{app_server}/?present=1&region=WAL")
    page.locator(BAR).get_by_role("link", name="Event reach", exact=True).click()
    expect(page).to_have_url(re.compile(r"/Event_reach\?"))
    expect(page.locator("h1")).to_have_text("Event reach")
    wait_for_meeting(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
    expect(page.locator(CONTEXT)).to_contain_text("Wales")
    assert parse_qs(urlsplit(page.url).query) == {"present": ["1"], "region": ["WAL"]}


def test_exit_brings_the_sidebar_back(app_server, page):
    """Exit meeting mode shows the sidebar with its filters and drops present from the URL."""
    open_meeting(page, f"{app_server}/?present=1&region=WAL")
    page.get_by_role("button", name=EXIT_LABEL).click()
    wait_for_app(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Wales")
    expect(page).not_to_have_url(re.compile("present="))


def test_meeting_mode_has_no_serious_accessibility_violations(app_server, page):
    """axe-core finds no critical or serious WCAG violation on the Overview in meeting mode."""
    open_meeting(page, f"{app_server}/?present=1")
    assert serious_accessibility_violations(page) == []
