"""Browser benchmark: the time from navigation to the Overview's first
rendered Plotly chart, in Debian's Chromium driven by Playwright, against the
dashboard started by ``deploy/serve`` on 127.0.0.1.

``python -m benchmarks.browser [--scale national] [--database-url URL]``.
The server and the browser never leave the loopback interface.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import func, select

from benchmarks import database
from benchmarks.database import OUT_DIR, ROOT
from benchmarks.pages import bench_env
from data_access import demo, importers, models
from data_access.db import make_engine
from data_access.queries import meta
from deploy.serve import START_TIMEOUT_SECONDS, STATE_FILE, STOP_TIMEOUT_SECONDS, free_ports

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 1000}
# deploy/serve waits up to its own START_TIMEOUT_SECONDS for each process, after preparing the database.
SERVER_START_TIMEOUT_SECONDS = START_TIMEOUT_SECONDS + 60
SERVER_STOP_TIMEOUT_SECONDS = STOP_TIMEOUT_SECONDS + 10
FIRST_CHART = ".js-plotly-plot .main-svg"
CHART_TIMEOUT_MS = 120_000
LOADS = 3
# Filters no earlier load asked for, so the server's query caches miss.
# The trivial one-chart page whose time to first chart is the browser floor.
FLOOR_PAGE = "benchmarks/floor_page.py"
# How long a data change may take to be warmed up before the time is taken anyway.
WARM_UP_TIMEOUT_SECONDS = 180
# The line the server logs when the warm-up of a data version has finished.
WARMED_LINE = re.compile(r"warm-up: data version (\d+) ready")
# Attendance rows the "first visit after an import" measurement imports (and undoes).
AFTER_IMPORT_ROWS = 50
UNCACHED_FILTERS = ({"period": "all_time"}, {"region": "NW"}, {"type": "induction", "period": "all_time"})


@dataclass(frozen=True)
class Backend:
    """One Streamlit process of a running dashboard: its own URL and process id."""

    url: str
    pid: int


@dataclass(frozen=True)
class Server:
    """A running dashboard: the URL people open (nginx's, with several
    processes) and each Streamlit process behind it."""

    base_url: str
    backends: tuple[Backend, ...]

    @property
    def pid(self) -> int:
        """Return the first (with one process, the only) Streamlit process's id."""
        return self.backends[0].pid


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    return free_ports(1)[0]


def peak_rss_of(pid: int) -> float:
    """Return the peak resident set size (VmHWM) of process ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


@contextmanager
def dashboard_server(env: Mapping[str, str], *, log_path: Path, processes: int = 1,
                     entry: str | None = None) -> Iterator[Server]:
    """Run ``deploy/serve --processes N`` on a free port of 127.0.0.1 with
    ``env`` added, and yield it once every process and the proxy are healthy.
    ``entry`` replaces the dashboard's entry file (the benchmarks' floor page).
    Its output goes to ``log_path``; nginx's files to the folder beside it
    named after the log. Raise RuntimeError, with the log, if it fails to start."""
    run_dir = log_path.parent / f"{log_path.stem}-run"
    (run_dir / STATE_FILE).unlink(missing_ok=True)
    command = [str(ROOT / "deploy" / "serve"), "--processes", str(processes), "--port", str(free_port()),
               "--address", "127.0.0.1", "--run-dir", str(run_dir), *(["--entry", entry] if entry else [])]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHON": sys.executable, **env},
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        state = _wait_for_state(run_dir / STATE_FILE, process, log_path)
        yield Server(base_url=state["url"],
                     backends=tuple(Backend(url=item["url"], pid=item["pid"]) for item in state["backends"]))
    finally:
        process.terminate()
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def streamlit_server(database_url: str, *, log_path: Path, processes: int = 1,
                     entry: str | None = None) -> Iterator[Server]:
    """Run the dashboard (``dashboard_server``), or another ``entry`` file, on
    ``database_url`` in local mode with the benchmarks' pseudonym key."""
    with dashboard_server({**bench_env(), "DATABASE_URL": database_url}, log_path=log_path,
                          processes=processes, entry=entry) as server:
        yield server


def _wait_for_state(state_path: Path, process: subprocess.Popen, log_path: Path) -> dict:
    """Return ``deploy/serve``'s processes.json once it is written (every
    process healthy); raise RuntimeError, with the log, if ``serve`` exits or
    ``SERVER_START_TIMEOUT_SECONDS`` pass first."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"deploy/serve exited with {process.returncode}:\n{log_path.read_text()}"
            )
        if state_path.exists():
            return json.loads(state_path.read_text())
        time.sleep(0.25)
    raise RuntimeError(
        f"deploy/serve was not ready after {SERVER_START_TIMEOUT_SECONDS} s:\n{log_path.read_text()}"
    )


@contextmanager
def chromium() -> Iterator[object]:
    """Yield a headless Debian Chromium (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def first_chart_ms(browser, url: str) -> float:
    """Return the ms from navigating a fresh browser context to ``url`` until
    the first Plotly chart's SVG is visible."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=CHART_TIMEOUT_MS)
        page.wait_for_selector(FIRST_CHART, state="visible", timeout=CHART_TIMEOUT_MS)
        elapsed = (time.perf_counter() - start) * 1000
        if page.locator('[data-testid="stException"]').count():
            raise RuntimeError(f"{url} shows an exception")
        return elapsed
    finally:
        context.close()


def floor_first_chart(browser, base_url: str, *, loads: int = LOADS) -> dict:
    """Return the floor page's time to first chart (ms): ``cold`` (the first
    load after its server started) and ``warm`` (median of ``loads`` new
    sessions)."""
    cold = first_chart_ms(browser, base_url + "/")
    warm = [first_chart_ms(browser, base_url + "/") for _ in range(loads)]
    return {"cold": cold, "warm": statistics.median(warm)}


def overview_first_chart(browser, base_url: str, *, loads: int = LOADS) -> dict:
    """Return the Overview's time to first chart (ms): ``cold`` (the first
    load after the server started), ``warm`` (median of ``loads`` new
    sessions with the default filters, server caches warm) and ``uncached``
    (median of loads with filters not asked for before, so queries run)."""
    cold = first_chart_ms(browser, base_url + "/")
    warm = [first_chart_ms(browser, base_url + "/") for _ in range(loads)]
    uncached = [first_chart_ms(browser, f"{base_url}/?{urlencode(query)}")
                for query in UNCACHED_FILTERS[:loads]]
    return {"cold": cold, "warm": statistics.median(warm), "uncached": statistics.median(uncached)}


def wait_for_warm_up(log_path: Path, *, data_version: int, processes: int = 1,
                     timeout: float = WARM_UP_TIMEOUT_SECONDS) -> bool:
    """Return True once the server log at ``log_path`` reports ``processes``
    finished warm-ups of ``data_version`` or a later one; False after
    ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        versions = [int(found) for found in WARMED_LINE.findall(log_path.read_text(errors="replace"))]
        if sum(version >= data_version for version in versions) >= processes:
            return True
        time.sleep(0.5)
    return False


def first_chart_after_import(browser, server: Server, *, database_url: str, log_path: Path) -> dict:
    """Import a small attendance file through the command line into
    ``database_url`` while ``server`` runs, wait for its warm-up, time the
    Overview's first chart in a new session, then undo the import (and wait
    for that warm-up too), so the database is as it was. Returns ``ms`` and
    ``warm_up_seen`` (False when no warm-up was logged within the timeout)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            event_key = conn.execute(select(models.Event.event_key).limit(1)).scalar_one()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "after-import.csv"
            pd.DataFrame({
                "event_id": event_key,
                "email": [f"after-import-{n}@example.org" for n in range(AFTER_IMPORT_ROWS)],
                "attended": "yes",
            }).to_csv(path, index=False)
            subprocess.run(
                [sys.executable, "-m", "data_access", "import", "attendance", str(path), "--user", "benchmark"],
                cwd=ROOT, env={**os.environ, **bench_env(), "DATABASE_URL": database_url},
                check=True, capture_output=True,
            )
        seen = wait_for_warm_up(log_path, data_version=meta.data_version(engine))
        ms = first_chart_ms(browser, server.base_url + "/")
        with engine.connect() as conn:
            batch_id = conn.execute(select(func.max(models.ImportBatch.id))).scalar_one()
        importers.undo_batch(engine, batch_id=batch_id)
        wait_for_warm_up(log_path, data_version=meta.data_version(engine))
    finally:
        engine.dispose()
    return {"ms": ms, "warm_up_seen": seen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; SQLite in benchmarks/out/ when unset")
    args = parser.parse_args()
    url = database.demo_database(scale=args.scale, server_url=args.database_url)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with streamlit_server(url, log_path=OUT_DIR / "streamlit.log") as server, chromium() as browser:
        result = overview_first_chart(browser, server.base_url)
        result["server_peak_rss_mb"] = peak_rss_of(server.pid)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
