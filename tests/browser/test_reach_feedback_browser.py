"""Event reach and Feedback in a real browser: opened by direct URL on the
running server, their Plotly charts drawn as SVG, no exception box, and the
internal-view switch raising its banner."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import save_screenshot, wait_for_app

pytestmark = pytest.mark.browser

# Each page's charts, plus its SPC chart (the demo data has a year of months).
PAGES = {
    "Event_reach": ("Event reach", 7),
    "Feedback": ("Feedback", 5),
}


@pytest.mark.parametrize("path", list(PAGES))
def test_page_draws_its_charts(app_server, page, path):
    """The page opens by direct URL and every chart renders as Plotly SVG."""
    title, charts = PAGES[path]
    page.goto(f"{app_server}/{path}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(charts)
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    save_screenshot(page, f"page-{path.lower()}-all")


def test_overview_draws_reach_over_time(app_server, page):
    """The Overview shows its key messages and the reach-over-time chart."""
    page.goto(f"{app_server}/")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Key messages")).to_be_visible()
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_internal_view_switch_raises_banner(app_server, page):
    """Switching on exact small numbers shows the warning and leaves the URL unchanged."""
    page.goto(f"{app_server}/Feedback?region=SCN")
    wait_for_app(page)
    page.get_by_text("Show exact small numbers (internal view)").click()
    expect(page.get_by_text("Internal view: exact small numbers are shown.")).to_be_visible()
    wait_for_app(page)
    assert page.url.endswith("/Feedback?region=SCN")
    save_screenshot(page, "page-feedback-internal-view")
