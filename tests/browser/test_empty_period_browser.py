"""An empty period explains itself in the browser: a link to a year before
any record shows the explanation, and one click moves the period, the URL
and the figures to the last 12 months that hold data."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from domain.periods import months_ending_in
from tests.browser.helpers import save_screenshot, serious_accessibility_violations, wait_for_app

pytestmark = pytest.mark.browser

EMPTY_YEAR = "?from=2016-01-01&to=2016-12-31"


def attendances_value(page):
    """Return the value element of the Overview's Attendances tile."""
    tile = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text("Attendances", exact=True))
    return tile.locator('[data-testid="stMetricValue"]')


def test_empty_period_offers_the_last_12_months_with_data(app_server, page):
    """The explanation passes axe, and its button puts the last 12 months with data in the URL and tiles."""
    page.goto(f"{app_server}/{EMPTY_YEAR}")
    wait_for_app(page)
    explanation = page.locator('[data-testid="stAlert"]').filter(has_text="Nothing recorded in this period")
    expect(explanation).to_contain_text("start after it")
    expect(attendances_value(page)).to_have_text("0")
    save_screenshot(page, "empty-period-before-offer")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name=re.compile("Show the last 12 months with data")).click()
    expect(page).not_to_have_url(re.compile("2016-01-01"))
    wait_for_app(page)
    save_screenshot(page, "empty-period-after-offer")

    query = parse_qs(urlsplit(page.url).query)
    assert set(query) == {"from", "to"}
    date_from, date_to = (dt.date.fromisoformat(query[name][0]) for name in ("from", "to"))
    # The demo data reaches today: its last 12 months end at the latest record's month, or today.
    assert date_from == months_ending_in(day=date_to, months=12)[0]
    assert date_to <= dt.date.today()
    expect(explanation).to_have_count(0)
    expect(attendances_value(page)).not_to_have_text("0")
