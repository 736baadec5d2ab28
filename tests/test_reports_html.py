"""The meeting pack's HTML report is self-contained: it opens in headless
Chromium with every network request refused, and draws each chart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import sync_playwright

from reports.pack import build_pack
from reports.html_report import html_text
from tests.pack_data import BACKENDS, PACK_FILTERS, seeded_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RENDER_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module", params=BACKENDS)
def report(request, tmp_path_factory):
    """Return the pack and the path of its HTML report, written for the pack test data set."""
    folder = tmp_path_factory.mktemp("html")
    with seeded_database(request.param, folder, name="reports_html") as engine:
        pack = build_pack(engine, filters=PACK_FILTERS, min_cell=5)
    path = folder / "pack.html"
    path.write_text(html_text(pack), encoding="utf-8")
    return pack, path


def test_report_states_filters_data_as_of_and_key_messages(report):
    """The report's header names the filters and data as of, and each chart's key message is a heading."""
    pack, path = report
    text = path.read_text(encoding="utf-8")
    assert "Filters: All regions · all stages · all event types · Custom dates" in text
    assert "Data as of" in text
    headings = re.findall(r"<h2>(.*?)</h2>", text)
    assert sum(1 for prepared in pack.charted if prepared.key_message in headings) == len(pack.charted)


@pytest.mark.browser
def test_report_renders_every_chart_offline(report):
    """With every request other than the file itself aborted, Chromium draws one Plotly chart per view."""
    pack, path = report
    url = path.as_uri()
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def only_the_file(route):
                if route.request.url == url:
                    route.continue_()
                else:
                    refused.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_file)
            page.on("requestfailed", lambda request: refused.append(request.url))
            page.goto(url, wait_until="load")
            charts = len(pack.charted)
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= {charts}",
                timeout=RENDER_TIMEOUT_MS,
            )
            drawn = page.eval_on_selector_all(".js-plotly-plot", "plots => plots.length")
            with_svg = page.eval_on_selector_all(
                ".js-plotly-plot", "plots => plots.filter(p => p.querySelector('svg.main-svg')).length"
            )
        finally:
            browser.close()
    assert refused == []
    assert drawn == charts
    assert with_svg == charts
