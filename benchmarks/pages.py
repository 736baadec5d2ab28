"""Page benchmark: ``python -m benchmarks.pages [--scale national] [--database-url URL]``.

For each page it reports, through Streamlit's AppTest:
- the first script run with empty caches (ms);
- a cached rerun of the same script (ms);
and the peak resident memory of this process (MB).

The database is seeded once into ``benchmarks/out/<scale>.db`` (git-ignored)
and reused by later runs. It is a script, not a test: nothing asserts a time.
The suite (``python -m benchmarks``) runs it in a child process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks import database
from benchmarks.database import BENCH_KEY, OUT_DIR, ROOT
from data_access import columnar, demo
from data_access.db import make_engine
from data_access.queries import meta

REPEATS = 3


def page_files() -> list[Path]:
    """Return the entry page and every page in ``pages/``, in menu order."""
    return [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]


def time_page(path: Path) -> tuple[float, float]:
    """Return (first run, median cached rerun) of the page at ``path``, in ms;
    the page is opened with ``open_page`` and ``empty_caches`` first."""
    app = open_page(path)
    empty_caches()
    start = time.perf_counter()
    app.run()
    first = (time.perf_counter() - start) * 1000
    if app.exception:
        raise RuntimeError(f"{path.name} raised: {app.exception[0].message}")
    reruns = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        app.run()
        reruns.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(reruns)


def open_page(path: Path) -> AppTest:
    """Return an AppTest of the page at ``path``, opened through the entry
    script as a browser deep link is, so that Streamlit knows the page list."""
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if path.name != "dashboard.py":
        app.switch_page(str(path.relative_to(ROOT)))
    return app


def empty_caches() -> None:
    """Empty the query results and the prepared views (figures, texts), as a
    data change does, but keep the engine and its columnar snapshot."""
    import streamlit as st

    from ui import cache

    st.cache_data.clear()
    # Prepared views live in resource caches, which st.cache_data.clear() leaves alone.
    cache._prepared_view.clear()
    cache._prepared_spc_view.clear()


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def page_times(url: str) -> dict:
    """Time every page against ``url`` and return ``pages`` (name, ``first``
    and ``cached`` ms), ``peak_rss_mb`` of this process, ``cold_start`` (ms
    of the Overview's first run in this fresh process, while the columnar
    snapshot is still being built) and ``snapshot_wait_seconds`` (how much
    longer the snapshot took). The page times are taken once it is ready."""
    os.environ["DATABASE_URL"] = url
    cold_start, _ = time_page(ROOT / "dashboard.py")
    start = time.perf_counter()
    wait_for_snapshot(url)
    snapshot_wait = time.perf_counter() - start
    pages = []
    for path in page_files():
        first, cached = time_page(path)
        pages.append({"page": path.stem, "first": first, "cached": cached})
    return {"pages": pages, "peak_rss_mb": peak_rss_mb(), "cold_start": cold_start,
            "snapshot_wait_seconds": snapshot_wait}


def wait_for_snapshot(url: str) -> None:
    """Wait until the dashboard's columnar snapshot of ``url`` (started by the
    app's first run in this process) holds the current data version."""
    engine = make_engine(url)
    try:
        columnar.engine_at(engine, data_version=meta.data_version(engine), wait=True)
    finally:
        engine.dispose()


def measure_in_child(url: str) -> dict:
    """Return ``page_times(url)`` measured by a fresh Python process, so that
    its caches start empty and its peak RSS is the app's alone."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pages.json"
        subprocess.run([sys.executable, "-m", "benchmarks.pages", "--database-url", url, "--json", str(out)],
                       cwd=ROOT, check=True, env={**os.environ, **bench_env()})
        return json.loads(out.read_text())


def bench_env() -> dict[str, str]:
    """Return the environment a benchmarked app runs with: a fixed pseudonym
    key and no secrets file (local mode, no accounts)."""
    return {"SOFT_LANDING_PSEUDONYM_KEY": BENCH_KEY,
            "SOFT_LANDING_SECRETS_FILE": str(OUT_DIR / "no-secrets.toml")}


def markdown(results: dict, *, title: str) -> str:
    """Return ``page_times`` results as a Markdown section."""
    lines = [f"### {title}", "", "| page | first run (ms) | cached rerun (ms) |", "|---|---:|---:|"]
    lines += [f"| {row['page']} | {row['first']:.0f} | {row['cached']:.0f} |" for row in results["pages"]]
    lines += ["", f"Peak RSS of the benchmark process: {results['peak_rss_mb']:.0f} MB."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="defaults to benchmarks/out/<scale>.db (SQLite), seeded once")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    args = parser.parse_args()
    os.environ.update({key: value for key, value in bench_env().items() if key not in os.environ})
    url = args.database_url or database.demo_database(scale=args.scale, server_url=None)
    results = page_times(url)
    if args.json:
        args.json.write_text(json.dumps(results))
    else:
        print(markdown(results, title=f"Pages, {database.backend_name(url)}, "
                                      f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"))


if __name__ == "__main__":
    main()
