"""Smoke tests of the benchmark suite at a tiny scale: its pieces run, the
report has a row for every page, and the dashboard / DuckDB / pandas
comparison runs on real rows and refuses a ratio when the figures differ.
No timing is asserted: times belong in docs/performance.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from benchmarks import browser, data, database, floors, load, report
from benchmarks.__main__ import run_suite
from benchmarks.pages import page_files
from data_access.db import make_engine


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory) -> Path:
    """Return a folder whose small.db holds the small demo data set (the suite reuses it)."""
    folder = tmp_path_factory.mktemp("bench")
    database.demo_database(scale="small", server_url=None, folder=folder)
    return folder


@pytest.fixture(scope="module")
def small_url(small_folder) -> str:
    """Return the URL of the small demo database."""
    return database.demo_database(scale="small", server_url=None, folder=small_folder)


def test_check_same_counts_rows_that_agree():
    """Equal figures from every source are accepted and counted, zero rows ignored."""
    ours = pd.DataFrame({"region": ["LDN", "WM", "NW"], "attendances": [12, 7, 0]})
    floor = pd.DataFrame({"region": ["WM", "LDN"], "attendances": [7.0, 12.0]})
    assert floors.check_same("by region", {"ours": ours, "floor": floor}, keys=("region",),
                             values=("attendances",)) == 2


def test_check_same_refuses_a_wrong_figure():
    """One figure off by one is a mismatch naming the aggregate, row and column."""
    ours = pd.DataFrame({"region": ["LDN", "WM"], "attendances": [12, 7]})
    wrong = pd.DataFrame({"region": ["LDN", "WM"], "attendances": [12, 8]})
    with pytest.raises(floors.Mismatch, match=r"by region \('WM',\) attendances"):
        floors.check_same("by region", {"ours": ours, "floor": wrong}, keys=("region",),
                          values=("attendances",))


def test_check_same_refuses_a_missing_row():
    """A row that only one source has is a mismatch."""
    ours = pd.DataFrame({"month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)], "responses": [3, 4]})
    floor = pd.DataFrame({"month": [pd.Timestamp("2026-01-01")], "responses": [3]})
    with pytest.raises(floors.Mismatch, match="different rows"):
        floors.check_same("by month", {"ours": ours, "floor": floor}, keys=("month",), values=("responses",))


def test_a_wrong_floor_prints_no_ratio(small_url):
    """A DuckDB aggregate that is off by one makes its page disagree, and the report prints no ratio."""
    today = dt.date.today()
    good = floors.EVENT_REACH[1]

    def one_too_many(con, filters, today):
        rows = good.duck(con, filters, today)
        return rows.assign(attendances=rows["attendances"] + 1)

    wrong = {"1_Event_reach": (dataclasses.replace(good, duck=one_too_many),)}
    engine = make_engine(small_url)
    tables = floors.load_tables(engine)
    con = floors.duckdb_from_tables(tables)
    rows = data.page_data_times(engine, con, tables, filters=report.default_filters(today), today=today,
                                pages=wrong, repeats=1)
    engine.dispose()
    assert "attendances by region" in rows[0]["mismatch"]
    table = "\n".join(report.data_time_table({"pages": rows}))
    assert "disagree: no ratio" in table
    assert "×" not in table


def test_suite_reports_every_page(small_folder):
    """The suite without a browser reports every page, and its aggregates agree three ways on real rows."""
    results = run_suite(scale="small", server_url=None, folder=small_folder, import_rows=2_000,
                        import_events=20, repeats=1, with_browser=False)
    section = report.suite_markdown(results)
    for path in page_files():
        assert f"| {report.PAGE_LABELS[path.stem]} |" in section
    compared = results["data"]["pages"]
    assert [row["page"] for row in compared] == list(floors.PAGE_AGGREGATES)
    assert [row["mismatch"] for row in compared] == [None] * len(compared)
    assert all(row["compared_rows"] > 0 for row in compared)
    assert [case["mismatch"] for case in results["data"]["kpi_cases"]] == [None] * 6
    assert "agreed on every compared figure" in section
    assert results["import"]["rows"] == 2_000
    for target in ("cached page", "first run", "data time", "peak RSS", "import"):
        assert f"| {target}" in section


def test_write_docs_replaces_only_its_section(tmp_path):
    """Writing the docs twice keeps one section per backend and leaves other text alone."""
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\nEarlier figures.\n")
    report.write_docs("### SQLite run 1\n", backend="SQLite", path=docs)
    report.write_docs("### PostgreSQL run 1\n", backend="PostgreSQL", path=docs)
    report.write_docs("### SQLite run 2\n", backend="SQLite", path=docs)
    text = docs.read_text()
    assert "Earlier figures." in text
    assert "### SQLite run 1" not in text
    assert text.count("<!-- benchmarks:sqlite start -->") == 1
    assert "### SQLite run 2" in text
    assert "### PostgreSQL run 1" in text


def test_websocket_load_runs_without_errors(small_url, tmp_path):
    """Two WebSocket sessions move through pages with other filters, with no errors, and the server's RSS is read."""
    with browser.streamlit_server(small_url, log_path=tmp_path / "streamlit.log") as server:
        result = load.run_load(server.base_url, sessions=2, seconds=3)
        rss = browser.peak_rss_of(server.pid)
    assert result["clients"] == "websocket"
    assert result["views"] >= 2
    assert result["error_count"] == 0, result["examples"]
    assert rss > 0


def test_filter_queries_differ_between_sessions_and_views():
    """Each session's views, and the sessions' first views, ask for different filters."""
    assert len({str(load.filter_query(0, visit)) for visit in range(8)}) > 1
    assert len({str(load.filter_query(session, 0)) for session in range(20)}) > 1


@pytest.mark.browser
def test_browser_first_chart_and_load_run_without_errors(small_url, tmp_path):
    """The Overview draws a chart in Chromium, and two browser sessions load pages with no errors."""
    with browser.streamlit_server(small_url, log_path=tmp_path / "streamlit.log") as server:
        with browser.chromium() as chromium:
            first = browser.first_chart_ms(chromium, server.base_url + "/")
        result = load.run_load(server.base_url, sessions=2, seconds=5, clients="browser")
    assert first > 0
    assert result["views"] >= 2
    assert result["error_count"] == 0, result["examples"]


def _target_results(*, floor_warm: float, overview_warm: float, after_import: float) -> dict:
    """Return the least suite results ``report.target_rows`` reads, with the given browser times (ms)."""
    page = {"page": "dashboard", "first": 500.0, "cached": 50.0}
    return {
        "pages": {"pages": [page], "peak_rss_mb": 400.0},
        "data": {"pages": []},
        "import": {"rows_per_second": 60_000.0},
        "floor": {"cold": 2 * floor_warm, "warm": floor_warm},
        "browser": {"cold": 0.0, "warm": overview_warm, "uncached": 0.0,
                    "after_import": {"ms": after_import, "warm_up_seen": True}},
    }


def test_browser_floor_targets_are_ratios_of_the_floor_page():
    """The Overview's warm and after-import times are judged as multiples of the floor page's warm time."""
    within = "\n".join(report.target_rows(_target_results(floor_warm=1000, overview_warm=1400, after_import=1900)))
    assert "| Overview first chart, warm ≤ 1.5× floor | **met** (1.40×" in within
    assert "| Overview first chart after an import ≤ 2× floor | **met** (1.90×" in within
    beyond = "\n".join(report.target_rows(_target_results(floor_warm=1000, overview_warm=1600, after_import=2100)))
    assert "warm ≤ 1.5× floor | **not met** (1.60×" in beyond
    assert "after an import ≤ 2× floor | **not met** (2.10×" in beyond


def test_wait_for_warm_up_reads_the_server_log(tmp_path):
    """A logged warm-up of the version asked for, or a later one, ends the wait; an older one does not."""
    log_path = tmp_path / "server.log"
    log_path.write_text("INFO warm-up: data version 7 ready: 12 views in 840 ms\n")
    assert browser.wait_for_warm_up(log_path, data_version=7, timeout=1)
    assert browser.wait_for_warm_up(log_path, data_version=6, timeout=1)
    assert not browser.wait_for_warm_up(log_path, data_version=8, timeout=1)


@pytest.mark.browser
def test_floor_page_draws_its_chart(small_url, tmp_path):
    """The one-chart floor page, served like the dashboard, draws its chart in Chromium on every load."""
    with browser.streamlit_server(small_url, log_path=tmp_path / "floor.log", entry=browser.FLOOR_PAGE) as floor:
        with browser.chromium() as chromium:
            times = browser.floor_first_chart(chromium, floor.base_url, loads=1)
    assert set(times) == {"cold", "warm"}
    assert min(times.values()) > 0


def test_team_load_target_needs_no_errors_and_both_percentiles():
    """The two-process load target is met only with no errors, p50 within 2 s and p95 within 5 s."""
    def verdict(**team) -> str:
        results = _target_results(floor_warm=1000, overview_warm=1000, after_import=1000)
        results["load_team"] = {"sessions": 20, "processes": 2, "views": 300, "p50": 1500.0, "p95": 4800.0,
                                "error_count": 0, **team}
        return next(row for row in report.target_rows(results) if row.startswith("| load, 20 sessions"))

    assert "**met** (0 errors in 300 views; p50 1,500 ms, p95 4,800 ms)" in verdict()
    assert "**not met**" in verdict(p95=5200.0)
    assert "**not met**" in verdict(p50=2100.0)
    assert "**not met**" in verdict(error_count=1)


def test_websocket_load_through_two_processes_behind_nginx(small_url, tmp_path):
    """Two WebSocket sessions through deploy/serve's nginx in front of two processes load pages with no errors."""
    with browser.streamlit_server(small_url, log_path=tmp_path / "team.log", processes=2) as team:
        result = load.run_load(team.base_url, sessions=2, seconds=3)
        rss = [browser.peak_rss_of(backend.pid) for backend in team.backends]
    assert result["views"] >= 2
    assert result["error_count"] == 0, result["examples"]
    assert len(rss) == 2 and min(rss) > 0
