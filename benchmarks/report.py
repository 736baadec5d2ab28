"""The benchmark suite's Markdown: one section per backend, with the machine,
the figures and each target marked met or not met with its margin, and the
code that writes it between markers in ``docs/performance.md``."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

from data_access.filters import Filters
from domain.periods import preset_range

DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
PAGE_LABELS = {
    "dashboard": "Overview",
    "1_Event_reach": "Event reach",
    "2_Feedback": "Feedback",
    "3_Regional_coverage": "Regional coverage",
    "4_Differential_attainment": "Differential attainment",
    "5_About_the_data": "About the data",
    "6_Meeting_pack": "Meeting pack",
    "7_Records": "Records",
    "8_Audit_log": "Audit log",
    "9_Data": "Data",
}
CLIENT_LABELS = {
    "websocket": "WebSocket sessions (Streamlit's own protocol; a view lasts until the script finishes)",
    "browser": "Chromium sessions (a view lasts until every chart has drawn)",
}
# The targets of issues 6 and 10, on a 2-core machine at national scale.
CACHED_TARGET_MS = 300
FIRST_TARGET_MS = 1000
FLOOR_RATIO_TARGET = 3.0
RSS_TARGET_MB = 1536
IMPORT_TARGET_ROWS_PER_S = 50_000
# The Overview's first chart, as a multiple of the one-chart floor page: warm, and on the first visit after an import.
WARM_FLOOR_TARGET = 1.5
AFTER_IMPORT_FLOOR_TARGET = 2.0
LOAD_P50_TARGET_MS = 2000
LOAD_P95_TARGET_MS = 5000
# How long the after-import measurement waits for the warm-up (benchmarks.browser.WARM_UP_TIMEOUT_SECONDS).
WARM_UP_WAIT_S = 180


def default_filters(today: dt.date) -> Filters:
    """Return the pages' default filters on ``today``: the last 12 months."""
    date_from, date_to = preset_range("last_12_months", today=today)
    return Filters(date_from=date_from, date_to=date_to)


def machine_description() -> str:
    """Return a one-line description of this machine: cores, CPU model, RAM, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM, Python {platform.python_version()}"


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages from /proc/loadavg, e.g. "2.1 1.8 1.5"."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _verdict(met: bool, margin: str) -> str:
    return f"**met** ({margin})" if met else f"**not met** ({margin})"


def app_data_ms(row: dict) -> float:
    """Return a page's data time on the path the dashboard takes: its columnar snapshot when measured."""
    return row.get("snapshot", row["ours"])


def data_markdown(*, throughput: dict, data: dict) -> str:
    """Return the import, KPI-case and per-page data-time tables."""
    lines = [
        "| import | rows | seconds | rows/s |",
        "|---|---:|---:|---:|",
        f"| attendance CSV | {throughput['rows']:,} | {throughput['seconds']:.1f} "
        f"| {throughput['rows_per_second']:,.0f} |",
        "",
        "| KPI case | compute_kpis (ms) | DuckDB floor (ms) | ratio |",
        "|---|---:|---:|---:|",
    ]
    for case in data["kpi_cases"]:
        ratio = "disagree: no ratio" if case["mismatch"] else f"{case['ours'] / case['floor']:.1f}×"
        lines.append(f"| {case['name']} | {case['ours']:.0f} | {case['floor']:.0f} | {ratio} |")
    lines += ["", *data_time_table(data), ""]
    lines += mismatch_lines(data)
    return "\n".join(lines) + "\n"


def data_time_table(data: dict) -> list[str]:
    """Return the per-page data-time table: the dashboard's queries, DuckDB and naive pandas."""
    lines = [
        "| page | dashboard queries, first (ms) | dashboard queries (ms) | DuckDB floor (ms) "
        "| naive pandas (ms) | dashboard ÷ DuckDB | pandas ÷ DuckDB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in data["pages"]:
        if row["mismatch"]:
            ratios = "disagree: no ratio | disagree: no ratio"
        else:
            ratios = f"{row['ours'] / row['duckdb']:.1f}× | {row['pandas'] / row['duckdb']:.1f}×"
        lines.append(f"| {PAGE_LABELS.get(row['page'], row['page'])} | {_ms(row['first'])} | {_ms(row['ours'])} "
                     f"| {_ms(row['duckdb'])} | {_ms(row['pandas'])} | {ratios} |")
    return lines


def mismatch_lines(data: dict) -> list[str]:
    """Return one line per disagreement between the three computations (none when all agree)."""
    found = [case for case in data["kpi_cases"] if case["mismatch"]] + [
        row for row in data["pages"] if row["mismatch"]
    ]
    if not found:
        return ["The dashboard, DuckDB and pandas agreed on every compared figure."]
    return ["**Disagreements (no ratio printed):**", "",
            *[f"- {row.get('page', row.get('name'))}: {row['mismatch']}" for row in found]]


def suite_markdown(results: dict) -> str:
    """Return the whole suite's section for one backend."""
    pages = {row["page"]: row for row in results["pages"]["pages"]}
    data_pages = {row["page"]: row for row in results["data"]["pages"]}
    snapshot = any("snapshot" in row for row in results["data"]["pages"])
    lines = [
        f"### {results['backend']}, scale `{results['scale']}` ({results['started']:%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {results['machine']}. Shared with other jobs; load average (1, 5, 15 min) "
        f"{results['load_before']} at the start and {results['load_after']} at the end; 1-minute load "
        f"{min(results['load_samples']):.1f}–{max(results['load_samples']):.1f} at the phase changes. "
        f"Suite wall time {results['seconds'] / 60:.1f} min.",
        "",
        "Per page: AppTest script runs (first run with empty caches; median of 3 cached reruns), and the "
        "page's data time: its main aggregates run directly, without Streamlit, by the dashboard's own "
        "queries (first call, then median of 3), by DuckDB over an in-memory copy of the same rows, and by "
        "naive pandas over every table loaded into memory. Default filters (last 12 months).",
        "",
        "| page | first run (ms) | cached rerun (ms) | data: dashboard first (ms) "
        + ("| data: on the database (ms) | data: on columnar snapshot (ms) " if snapshot else "| data: dashboard (ms) ")
        + "| data: DuckDB (ms) | data: pandas (ms) | dashboard ÷ DuckDB "
        + ("| database ÷ DuckDB " if snapshot else "") + "| pandas ÷ DuckDB |",
        "|---|" + "---:|" * (10 if snapshot else 8),
    ]
    for name, row in pages.items():
        data = data_pages.get(name)
        if data is None:
            cells = " | ".join(["—"] * (5 if snapshot else 4) + ["no aggregates"] + ["—"] * (2 if snapshot else 1))
        else:
            timings = [_ms(data["first"]), _ms(data["ours"])]
            if snapshot:
                timings.append(_ms(data.get("snapshot")))
            timings += [_ms(data["duckdb"]), _ms(data["pandas"])]
            if data["mismatch"]:
                ratios = ["disagree: no ratio"] * (3 if snapshot else 2)
            else:
                ratios = [f"{app_data_ms(data) / data['duckdb']:.1f}×"]
                if snapshot:
                    ratios.append(f"{data['ours'] / data['duckdb']:.1f}×")
                ratios.append(f"{data['pandas'] / data['duckdb']:.1f}×")
            cells = " | ".join(timings + ratios)
        lines.append(f"| {PAGE_LABELS.get(name, name)} | {_ms(row['first'])} | {_ms(row['cached'])} | {cells} |")
    if snapshot:
        lines += ["", "“dashboard ÷ DuckDB” is the path the dashboard takes once its columnar snapshot is built "
                  f"(built in {results['data']['snapshot_seconds']:.1f} s after a data change; until then pages "
                  "query the database: “database ÷ DuckDB”)."]
    if "cold_start" in results["pages"]:
        lines += ["", f"First runs above are with empty query caches once the columnar snapshot is built, as on a "
                  f"server that has been up since the last import. In a fresh process, the Overview's first run "
                  f"took {results['pages']['cold_start']:,.0f} ms while the snapshot was still being built, and "
                  f"the snapshot was ready {results['pages']['snapshot_wait_seconds']:.1f} s after that run."]
    lines += ["", *mismatch_lines(results["data"]), ""]
    lines += [
        f"Naive pandas first loads every table: {results['data']['load_seconds']:.1f} s "
        f"({sum(results['data']['rows'].values()):,} rows), not counted in its per-page times.",
        "",
    ]
    browser = results.get("browser")
    if browser:
        lines += [
            f"Overview in Chromium, navigation to the first rendered Plotly chart: {browser['cold']:,.0f} ms on "
            f"the first load after the server started; {browser['warm']:,.0f} ms (median of 3 new sessions, "
            f"server caches warm); {browser['uncached']:,.0f} ms (median of 3 new sessions with filters not "
            "asked for before, so the queries run).",
            "",
        ]
        after = browser.get("after_import")
        if after:
            lines += [
                f"First visit after a command-line import (50 attendance rows, undone afterwards): "
                f"{after['ms']:,.0f} ms to the Overview's first chart, "
                + ("after the server logged its warm-up of the new data version." if after["warm_up_seen"]
                   else f"**no warm-up was logged within {WARM_UP_WAIT_S} s**, so the visit paid for it."),
                "",
            ]
    floor = results.get("floor")
    if floor:
        lines += [
            f"Browser floor, a one-chart Streamlit page (benchmarks/floor_page.py) served by the same Python in "
            f"the same run: {floor['cold']:,.0f} ms on its first load, {floor['warm']:,.0f} ms warm (median of 3).",
            "",
        ]
    load, team = results.get("load"), results.get("load_team")
    if load:
        lines += [
            f"Load: {load['sessions']} concurrent {CLIENT_LABELS[load['clients']]} for {load['seconds']:.0f} s "
            "(every page in turn, each view with other filters), against one Streamlit process and against "
            f"{team['processes'] if team else 2} behind nginx (`deploy/serve`), one after the other:",
            "",
            "| deployment | page views | p50 (ms) | p95 (ms) | max (ms) | errors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, run in (("1 process", load), (f"{team['processes']} processes + nginx" if team else "", team)):
            if run:
                errors = f"**{run['error_count']}**" + (
                    f" ({', '.join(f'{k}: {v}' for k, v in run['errors'].items())})" if run["errors"] else "")
                lines.append(f"| {name} | {run['views']:,} | {_ms(run['p50'])} | {_ms(run['p95'])} "
                             f"| {_ms(run['max'])} | {errors} |")
        lines.append("")
        examples = [*load["examples"], *(team["examples"] if team else [])]
        lines += [f"- {example}" for example in examples]
        if examples:
            lines.append("")
    rss = [f"AppTest process {results['pages']['peak_rss_mb']:,.0f} MB",
           f"benchmark process (pandas tables and DuckDB copy included) {results['suite_peak_rss_mb']:,.0f} MB"]
    if results.get("server_peak_rss_mb"):
        rss.insert(0, f"dashboard server {results['server_peak_rss_mb']:,.0f} MB (after the browser runs"
                      + (" and the load run)" if load else ")"))
    if results.get("team_peak_rss_mb"):
        rss.insert(1, "each process behind nginx "
                      + ", ".join(f"{value:,.0f} MB" for value in results["team_peak_rss_mb"]))
    lines += ["Peak RSS: " + "; ".join(rss) + ".", ""]
    throughput = results["import"]
    lines += [
        f"Import: {throughput['rows']:,} attendance rows through the real importer into an empty database "
        f"in {throughput['seconds']:.1f} s: {throughput['rows_per_second']:,.0f} rows/s.",
        "",
        "| KPI case | compute_kpis on the database (ms) | on the columnar snapshot (ms) | DuckDB floor (ms) "
        "| database ÷ DuckDB | snapshot ÷ DuckDB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for case in results["data"]["kpi_cases"]:
        if case["mismatch"]:
            ratios = "disagree: no ratio | disagree: no ratio"
        else:
            ratios = f"{case['ours'] / case['floor']:.1f}× | " + (
                "—" if case.get("snapshot") is None else f"{case['snapshot'] / case['floor']:.1f}×")
        lines.append(f"| {case['name']} | {case['ours']:.0f} | {_ms(case.get('snapshot'))} | {case['floor']:.0f} "
                     f"| {ratios} |")
    lines += ["", "Targets:", "", "| target | status |", "|---|---|", *target_rows(results), ""]
    lines += ["Aggregates compared (dashboard = DuckDB = pandas, figure by figure):", ""]
    for row in results["data"]["pages"]:
        lines.append(f"- {PAGE_LABELS.get(row['page'], row['page'])}: {', '.join(row['aggregates'])} "
                     f"({row['compared_rows']:,} result rows equal).")
    return "\n".join(lines) + "\n"


def target_rows(results: dict) -> list[str]:
    """Return one table row per issue-6 target, marked met or not met with its margin."""
    pages = results["pages"]["pages"]
    slowest_cached = max(pages, key=lambda row: row["cached"])
    slowest_first = max(pages, key=lambda row: row["first"])
    over_first = [f"{PAGE_LABELS.get(r['page'], r['page'])} {r['first']:,.0f} ms" for r in pages
                  if r["first"] > FIRST_TARGET_MS]
    rows = [
        f"| cached page ≤ {CACHED_TARGET_MS} ms | " + _verdict(
            slowest_cached["cached"] <= CACHED_TARGET_MS,
            f"slowest {PAGE_LABELS.get(slowest_cached['page'])} {slowest_cached['cached']:,.0f} ms") + " |",
        f"| first run ≤ {FIRST_TARGET_MS} ms | " + _verdict(
            not over_first,
            f"slowest {PAGE_LABELS.get(slowest_first['page'])} {slowest_first['first']:,.0f} ms"
            + (f"; over: {', '.join(over_first)}" if over_first else "")) + " |",
    ]
    agreed = [row for row in results["data"]["pages"] if not row["mismatch"]]
    if agreed:
        worst = max(agreed, key=lambda row: app_data_ms(row) / row["duckdb"])
        over = [f"{PAGE_LABELS.get(r['page'])} {app_data_ms(r) / r['duckdb']:.2f}×" for r in agreed
                if app_data_ms(r) / r["duckdb"] > FLOOR_RATIO_TARGET]
        rows.append(f"| data time ≤ {FLOOR_RATIO_TARGET:.0f}× DuckDB | " + _verdict(
            not over and len(agreed) == len(results["data"]["pages"]),
            f"worst {PAGE_LABELS.get(worst['page'])} {app_data_ms(worst) / worst['duckdb']:.2f}×"
            + (f"; over: {', '.join(over)}" if over else "")) + " |")
    peak = max(filter(None, [results.get("server_peak_rss_mb"), results["pages"]["peak_rss_mb"],
                             *results.get("team_peak_rss_mb", [])]))
    rows.append("| peak RSS per process ≤ 1.5 GB | " + _verdict(peak <= RSS_TARGET_MB, f"{peak:,.0f} MB, app processes")
                + " |")
    rate = results["import"]["rows_per_second"]
    rows.append(f"| import ≥ {IMPORT_TARGET_ROWS_PER_S:,} rows/s | "
                + _verdict(rate >= IMPORT_TARGET_ROWS_PER_S, f"{rate:,.0f} rows/s") + " |")
    floor, browser = results.get("floor"), results.get("browser")
    if floor and browser:
        ratio = browser["warm"] / floor["warm"]
        rows.append(f"| Overview first chart, warm ≤ {WARM_FLOOR_TARGET}× floor | " + _verdict(
            ratio <= WARM_FLOOR_TARGET, f"{ratio:.2f}×: {browser['warm']:,.0f} vs {floor['warm']:,.0f} ms") + " |")
        if browser.get("after_import"):
            after = browser["after_import"]["ms"]
            ratio = after / floor["warm"]
            rows.append(f"| Overview first chart after an import ≤ {AFTER_IMPORT_FLOOR_TARGET:.0f}× floor | "
                        + _verdict(ratio <= AFTER_IMPORT_FLOOR_TARGET,
                                   f"{ratio:.2f}×: {after:,.0f} vs {floor['warm']:,.0f} ms") + " |")
    team = results.get("load_team")
    if team:
        p50_met = team["p50"] is not None and team["p50"] <= LOAD_P50_TARGET_MS
        p95_met = team["p95"] is not None and team["p95"] <= LOAD_P95_TARGET_MS
        rows.append(
            f"| load, {team['sessions']} sessions, {team['processes']} processes: 0 errors, "
            f"p50 ≤ {LOAD_P50_TARGET_MS / 1000:.0f} s, p95 ≤ {LOAD_P95_TARGET_MS / 1000:.0f} s | "
            + _verdict(team["error_count"] == 0 and team["views"] > 0 and p50_met and p95_met,
                       f"{team['error_count']} errors in {team['views']:,} views; p50 {_ms(team['p50'])} ms, "
                       f"p95 {_ms(team['p95'])} ms") + " |")
    return rows


def write_docs(section: str, *, backend: str, path: Path = DOCS) -> None:
    """Replace the text between this backend's markers in ``path`` with
    ``section``, adding the markers at the end the first time."""
    start = f"<!-- benchmarks:{backend.lower()} start -->"
    end = f"<!-- benchmarks:{backend.lower()} end -->"
    text = path.read_text(encoding="utf-8")
    block = f"{start}\n{section.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
