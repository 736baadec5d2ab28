"""The benchmark suite: ``python -m benchmarks --scale national [--database-url URL]``.

One run on one backend (SQLite in ``benchmarks/out/`` by default, or a
``bench_<scale>`` schema on the PostgreSQL server ``--database-url``):

1. import throughput into an empty scratch database (``benchmarks.data``);
2. every page's first and cached AppTest run, in a child process
   (``benchmarks.pages``);
3. the KPI cases and each page's data time: the dashboard's queries, DuckDB
   (the columnar floor) and naive pandas, checked equal (``benchmarks.data``);
4. a ``deploy/serve`` server: the Overview's time to first chart in Chromium
   (``benchmarks.browser``) and the load run (``benchmarks.load``);
5. peak RSS of the server, the AppTest process and this process.

It prints one Markdown section; ``--write-docs`` also puts it between this
backend's markers in ``docs/performance.md``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from benchmarks import browser, data, database, load, pages, report
from benchmarks.database import OUT_DIR
from data_access import demo

# Streamlit processes behind nginx in the team-deployment load run.
TEAM_PROCESSES = 2


def run_suite(
    *,
    scale: str,
    server_url: str | None,
    fresh: bool = False,
    folder: Path = OUT_DIR,
    import_rows: int = 1_000_000,
    import_events: int = 5_000,
    repeats: int = 3,
    with_browser: bool = True,
    sessions: int = 20,
    load_seconds: float = 0,
    load_clients: str = "websocket",
) -> dict:
    """Run the suite and return every figure (see ``report.suite_markdown``).
    ``load_seconds=0`` skips the load run; ``with_browser=False`` skips the
    server, the browser and the load run."""
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    load_before = report.load_average()
    today = dt.date.today()
    results: dict = {"scale": scale, "backend": database.backend_name(server_url or "sqlite://"),
                     "started": started, "machine": report.machine_description(), "load_before": load_before,
                     "load_samples": []}

    def phase(name: str) -> None:
        results["load_samples"].append(float(report.load_average().split()[0]))
        print(f"[{time.monotonic() - clock:5.0f} s] {name} (load {results['load_samples'][-1]})", flush=True)

    phase("import throughput")
    results["import"] = data.import_benchmark(server_url=server_url, rows=import_rows, events=import_events)
    phase("demo database")
    url = database.demo_database(scale=scale, server_url=server_url, fresh=fresh, folder=folder)
    phase("pages through AppTest")
    results["pages"] = pages.measure_in_child(url)
    phase("data times: dashboard, DuckDB, pandas")
    results["data"] = data.data_benchmark(url, today=today, filters=report.default_filters(today),
                                          repeats=repeats)
    if with_browser:
        phase("server, browser and load")
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / "streamlit-suite.log"
        with browser.streamlit_server(url, log_path=folder / "streamlit-floor.log",
                                      entry=browser.FLOOR_PAGE) as floor, browser.chromium() as chromium:
            results["floor"] = browser.floor_first_chart(chromium, floor.base_url)
        with browser.streamlit_server(url, log_path=log_path) as server:
            # The load run drives its own event loop, so Chromium's closes first.
            with browser.chromium() as chromium:
                results["browser"] = browser.overview_first_chart(chromium, server.base_url)
                results["browser"]["after_import"] = browser.first_chart_after_import(
                    chromium, server, database_url=url, log_path=log_path)
            if load_seconds:
                results["load"] = load.run_load(server.base_url, sessions=sessions, seconds=load_seconds,
                                                clients=load_clients)
            results["server_peak_rss_mb"] = browser.peak_rss_of(server.pid)
        if load_seconds:
            team_log = folder / "streamlit-team.log"
            with browser.streamlit_server(url, log_path=team_log, processes=TEAM_PROCESSES) as team:
                browser.wait_for_warm_up(team_log, data_version=database.data_version(url),
                                         processes=TEAM_PROCESSES)
                results["load_team"] = load.run_load(team.base_url, sessions=sessions, seconds=load_seconds,
                                                     clients=load_clients)
                results["load_team"]["processes"] = TEAM_PROCESSES
                results["team_peak_rss_mb"] = [browser.peak_rss_of(backend.pid) for backend in team.backends]
    phase("done")
    results["suite_peak_rss_mb"] = pages.peak_rss_mb()
    results["load_after"] = report.load_average()
    results["seconds"] = time.monotonic() - clock
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (benchmarks use their own schemas); "
                        "SQLite in benchmarks/out/ when unset")
    parser.add_argument("--fresh", action="store_true", help="re-create and re-seed the demo database")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--import-events", type=int, default=5_000)
    parser.add_argument("--skip-browser", action="store_true", help="no server, browser or load run")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="length of the load run")
    parser.add_argument("--load-clients", choices=load.CLIENTS, default=load.CLIENTS[0])
    parser.add_argument("--write-docs", action="store_true",
                        help="replace this backend's section of docs/performance.md")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON to this file")
    args = parser.parse_args()
    results = run_suite(
        scale=args.scale, server_url=args.database_url, fresh=args.fresh, import_rows=args.import_rows,
        import_events=args.import_events, with_browser=not args.skip_browser, sessions=args.sessions,
        load_seconds=0 if args.skip_load else args.seconds, load_clients=args.load_clients,
    )
    section = report.suite_markdown(results)
    print(section)
    if args.json:
        args.json.write_text(json.dumps(results, default=str, indent=2))
    if args.write_docs:
        report.write_docs(section, backend=results["backend"])


if __name__ == "__main__":
    main()
