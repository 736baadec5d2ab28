"""Page benchmark: ``python -m benchmarks.pages [--scale national] [--database-url URL]``.

For each page it reports, through Streamlit's AppTest:
- the first script run with empty caches (ms);
- a cached rerun of the same script (ms);
and the peak resident memory of this process (MB).

The database is seeded once into ``benchmarks/out/<scale>.db`` (git-ignored)
and reused by later runs. It is a script, not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks.data import machine_description
from data_access import demo
from data_access.db import make_engine, migrate
from data_access.queries.meta import demo_rows_present

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
REPEATS = 3


def page_files() -> list[Path]:
    """Return the entry page and every page in ``pages/``, in menu order."""
    return [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]


def prepare_database(url: str, *, scale: str) -> None:
    """Migrate ``url`` and seed the demo data set of ``scale`` unless it is there."""
    engine = make_engine(url)
    migrate(engine)
    if not demo_rows_present(engine):
        demo.seed_demo(engine, scale=scale)
    engine.dispose()


def time_page(path: Path) -> tuple[float, float]:
    """Return (first run, median cached rerun) of the page at ``path``, in ms.

    Pages are opened through the entry script, as a browser deep link is, so
    that Streamlit knows the page list; query caches are emptied first."""
    import streamlit as st

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if path.name != "dashboard.py":
        app.switch_page(str(path.relative_to(ROOT)))
    st.cache_data.clear()
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


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(*, scale: str, url: str) -> str:
    """Run the benchmark and return a Markdown report."""
    prepare_database(url, scale=scale)
    os.environ["DATABASE_URL"] = url
    lines = [
        f"### Pages, scale `{scale}`, backend `{url.split(':', 1)[0]}`",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine_description()}; "
        "default filters (last 12 months); AppTest script-run times.",
        "",
        "| page | first run (ms) | cached rerun (ms) |",
        "|---|---:|---:|",
    ]
    for path in page_files():
        first, cached = time_page(path)
        lines.append(f"| {path.stem} | {first:.0f} | {cached:.0f} |")
    lines += ["", f"Peak RSS of the benchmark process: {peak_rss_mb():.0f} MB."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="defaults to benchmarks/out/<scale>.db (SQLite)")
    parser.add_argument("--out", type=Path, help="append the Markdown report to this file")
    args = parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT_DIR / f'{args.scale}.db'}"
    # Benchmarks use a fixed, non-secret key: the demo data holds no emails.
    os.environ.setdefault("SOFT_LANDING_PSEUDONYM_KEY", "benchmark-key-not-secret")
    report = run(scale=args.scale, url=url)
    print(report)
    if args.out:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + report)


if __name__ == "__main__":
    main()
