"""Helpers for browser tests: wait for the Streamlit app, save screenshots,
run the axe-core accessibility scan shipped with axe-playwright-python."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"
APP_TIMEOUT_MS = 30_000


def wait_for_app(page) -> None:
    """Wait until the Streamlit app's script is not running and every element
    has drawn: a new browser loads each element's code on first use and shows
    a skeleton (stSkeleton) until then, which can outlast a fast script run."""
    idle_app = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    page.wait_for_selector(idle_app, timeout=APP_TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=APP_TIMEOUT_MS)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')",
                           timeout=APP_TIMEOUT_MS)


def sidebar_multiselect(page, label: str):
    """Return the sidebar multiselect whose label is ``label``."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label)


def region_filter(page):
    """Return the sidebar's Region multiselect."""
    return sidebar_multiselect(page, "Region")


def save_screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_violations(page) -> list[str]:
    """Return one line per critical or serious axe-core violation on the page:
    rule id, help text and the first offending element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {violation['nodes'][0]['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("critical", "serious")
    ]
