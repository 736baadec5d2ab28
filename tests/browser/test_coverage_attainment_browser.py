"""Regional coverage, Differential attainment and About the data in a real
browser: each opened by direct URL on the running server, charts drawn as
Plotly SVG, no exception box, and a full-page screenshot saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import save_screenshot, wait_for_app

pytestmark = pytest.mark.browser

PLOTLY_SVG = ".js-plotly-plot .main-svg"
EXCEPTION_BOX = '[data-testid="stException"]'


def open_page(page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}/{path}")
    wait_for_app(page)
    expect(page.locator(EXCEPTION_BOX)).to_have_count(0)


def test_regional_coverage_draws_the_tile_map(app_server, page):
    """The map and the coverage chart render as SVG, with the reps table and the map credit."""
    open_page(page, app_server, "Regional_coverage?period=all_time")
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
    expect(page.locator(PLOTLY_SVG).first).to_be_visible()
    expect(page.get_by_text("Tile cartogram: one tile per training region").first).to_be_visible()
    expect(page.get_by_role("heading", name="Regional reps")).to_be_visible()
    save_screenshot(page, "regional-coverage")


def test_differential_attainment_draws_rates_and_caveats(app_server, page):
    """Outcome charts render as SVG, with the ARCP grouping, the engagement caveat and benchmark
    comparisons titled with the members' interval and the self-selection caveat."""
    open_page(page, app_server, "Differential_attainment?period=all_time")
    expect(page.locator(PLOTLY_SVG).first).to_be_visible()
    expect(page.get_by_text("unsatisfactory (2, 3, 4, 5, 7.2, 7.3, 7.4)").first).to_be_visible()
    expect(page.get_by_text("associations, not effects").first).to_be_visible()
    expect(page.get_by_role("heading", name="members chose to take part", exact=False).first).to_be_visible()
    save_screenshot(page, "differential-attainment")


def test_differential_attainment_filter_link_round_trips(app_server, page):
    """A region link to the page keeps its parameters and draws without an exception."""
    open_page(page, app_server, "Differential_attainment?region=LDN&region=WM&period=all_time")
    expect(page.locator(PLOTLY_SVG).first).to_be_visible()
    expect(page).to_have_url(f"{app_server}/Differential_attainment?region=LDN&region=WM&period=all_time")


def test_about_the_data_lists_definitions_and_imports(app_server, page):
    """The About page renders the definitions, the suppression rule and the loading commands."""
    open_page(page, app_server, "About_the_data")
    expect(page.get_by_role("heading", name="What each figure means")).to_be_visible()
    expect(page.get_by_text("To protect individuals, counts from 1 to 4").first).to_be_visible()
    expect(page.get_by_role("heading", name="Loading real data")).to_be_visible()
    save_screenshot(page, "about-the-data")
