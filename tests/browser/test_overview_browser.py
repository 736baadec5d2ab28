"""The Overview in a real browser: direct URL, filter links and bad links."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    region_filter,
    save_screenshot,
    serious_accessibility_violations,
    sidebar_multiselect,
    wait_for_app,
)

pytestmark = pytest.mark.browser

FILTER_LINK = "/?region=LDN&region=WM&from=2024-08-01"


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_overview_opens_by_direct_url(app_server, page):
    """The Overview renders its KPI tiles with no exception box."""
    page.goto(app_server + "/")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(8)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Demo data.", exact=False)).to_be_visible()
    save_screenshot(page, "overview")


def test_filter_link_sets_widgets(app_server, page):
    """A filter link shows its regions and start date in the sidebar widgets."""
    page.goto(app_server + FILTER_LINK)
    wait_for_app(page)
    regions = region_filter(page)
    expect(regions).to_contain_text("London")
    expect(regions).to_contain_text("West Midlands")
    expect(page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"] input').first).to_have_value(
        "2024-08-01"
    )
    assert query_of(page) == {"region": ["LDN", "WM"], "from": ["2024-08-01"]}
    save_screenshot(page, "overview-filter-link")


def test_filter_link_survives_a_rerun(app_server, page):
    """After another filter changes, the link's filters stay in the URL."""
    page.goto(app_server + FILTER_LINK)
    wait_for_app(page)
    event_types = sidebar_multiselect(page, "Event type")
    event_types.click()
    page.get_by_role("option", name="Induction").click()
    expect(page).to_have_url(re.compile(r"type=induction"))
    wait_for_app(page)
    assert query_of(page) == {"region": ["LDN", "WM"], "type": ["induction"], "from": ["2024-08-01"]}


def test_invalid_link_value_shows_notice(app_server, page):
    """An unknown region in a link is named in a notice and dropped from the URL."""
    page.goto(app_server + "/?region=XXX")
    wait_for_app(page)
    expect(page.get_by_text("Ignored unknown region 'XXX' in the link.")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "region" not in query_of(page)


def test_overview_has_no_serious_accessibility_violations(app_server, page):
    """axe-core finds no critical or serious WCAG violation on the filtered Overview."""
    page.goto(app_server + FILTER_LINK)
    wait_for_app(page)
    assert serious_accessibility_violations(page) == []


def test_accessibility_scan_reports_a_lasting_violation(app_server, page):
    """A scrollable region with nothing to focus, added to the page, is reported by the settled scan."""
    page.goto(app_server + "/")
    wait_for_app(page)
    page.evaluate("""() => {
        const region = document.createElement('div');
        region.style.cssText = 'overflow: auto; height: 40px';
        region.innerHTML = '<p>one</p><p>two</p><p>three</p><p>four</p><p>five</p>';
        document.body.appendChild(region);
    }""")
    violations = serious_accessibility_violations(page)
    assert any(line.startswith("scrollable-region-focusable (serious)") for line in violations), violations


def test_chart_data_downloads_as_csv(app_server, page):
    """The data behind the reach chart downloads as CSV, written when the button is clicked."""
    page.goto(app_server + "/")
    wait_for_app(page)
    data = page.locator(".st-key-view-reach-by-month")
    data.get_by_text("Data behind this chart", exact=False).click()
    with page.expect_download() as download_info:
        data.get_by_role("button", name="Download these rows as CSV").click()
    assert download_info.value.suggested_filename == "reach-by-month.csv"
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    assert rows and {"month", "attendances"} <= set(rows[0])
