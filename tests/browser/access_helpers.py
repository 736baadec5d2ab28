"""Helpers for the browser tests of the server with accounts: log in, wait
for the login form, choose in a selectbox, read an Overview tile."""

from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.helpers import APP_TIMEOUT_MS

LOGIN_HEADING = "Log in to the Soft Landing dashboard"
IDLE_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'
OPEN_ATTEMPTS = 3
OPTION_TIMEOUT_MS = 5_000


def wait_for_login_form(page) -> None:
    """Wait until the app is idle and shows the login form."""
    page.wait_for_selector(IDLE_APP, timeout=APP_TIMEOUT_MS)
    expect(page.get_by_role("heading", name=LOGIN_HEADING)).to_be_visible()


def log_in(page, username: str, password: str) -> None:
    """Fill in and submit the login form (the page must show it)."""
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def open_and_log_in(page, url: str, username: str, password: str) -> None:
    """Open ``url``, log in, and wait until the page behind the login is drawn."""
    page.goto(url)
    wait_for_login_form(page)
    log_in(page, username, password)
    expect(page.get_by_role("heading", name=LOGIN_HEADING)).to_have_count(0)
    page.wait_for_selector(IDLE_APP, timeout=APP_TIMEOUT_MS)


def choose(page, label: str, option: str, *, exact: bool = True) -> None:
    """Pick ``option`` (with ``exact=False``, the first option containing it)
    in the selectbox labelled exactly ``label`` and wait until the app has
    run with it."""
    page.wait_for_selector(IDLE_APP, timeout=APP_TIMEOUT_MS)
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    choice = page.get_by_role("option", name=option, exact=exact).first
    # A rerun that redraws the page while the list opens closes it again.
    for _ in range(OPEN_ATTEMPTS):
        box.click()
        try:
            choice.wait_for(timeout=OPTION_TIMEOUT_MS)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    choice.click()
    expect(box.get_by_role("combobox")).to_have_value(option if exact else re.compile(re.escape(option)))
    page.wait_for_selector(IDLE_APP, timeout=APP_TIMEOUT_MS)


def sidebar_link(page, name: str):
    """Return the sidebar menu link named exactly ``name``."""
    return page.locator('[data-testid="stSidebar"]').get_by_role("link", name=name, exact=True)


def tile_value(page, label: str) -> int:
    """Return the whole number shown on the Overview tile labelled ``label``."""
    tile = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(tile.locator('[data-testid="stMetricValue"]').inner_text().replace(",", "").strip())


def upload(page, path) -> None:
    """Put the file at ``path`` into the page's one file uploader, once the
    previous run's elements are gone."""
    uploader = page.locator('[data-testid="stFileUploader"]')
    expect(uploader).to_have_count(1)
    uploader.locator('input[type="file"]').set_input_files(str(path))
