"""Page profile: ``python -m benchmarks.profile [--scale national] [--database-url URL] [--top N]``.

For each page, with the columnar snapshot built and every query and view
cache emptied (as on a warm server just after a data change), it times
``--repeats`` first script runs and as many cached reruns through AppTest,
as ``benchmarks.pages`` does, and reports the medians both as wall time and
as this process's CPU time (which other jobs on a shared machine disturb
less). Then it profiles one more first run with cProfile and prints the
``--top`` functions by cumulative time in the script thread, below the
page script itself. Profiling slows a run down, so the times come from the
unprofiled runs.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks import database, pages
from benchmarks.database import ROOT
from benchmarks.report import load_average
from data_access import demo

# AppTest runs the page in a thread of this name; Streamlit's own threads and
# the columnar snapshot's are left out of the profile.
SCRIPT_THREAD_PREFIX = "ScriptRunner"
# Frames that only hand a call on (Streamlit's cache wrappers, SQLAlchemy's
# execution layers): listed, they would fill the top of every table.
PASS_THROUGH = ("streamlit/runtime/caching/", "sqlalchemy/engine/", "sqlalchemy/sql/")


@contextmanager
def profiled_script_threads() -> Iterator[list[cProfile.Profile]]:
    """Yield a list that fills with one started profiler per script thread
    started inside the block (cProfile sees only the thread it runs in)."""
    profiles: list[cProfile.Profile] = []

    def start(*_: object) -> None:
        if threading.current_thread().name.startswith(SCRIPT_THREAD_PREFIX):
            profile = cProfile.Profile()
            profiles.append(profile)
            # From here on this thread reports to the profiler instead of to ``start``.
            profile.enable()
        else:
            sys.setprofile(None)

    threading.setprofile(start)
    try:
        yield profiles
    finally:
        threading.setprofile(None)


@dataclass(frozen=True)
class PageTimes:
    """Medians of a page's runs, in ms: wall and CPU time of the first run
    (empty caches) and of a cached rerun."""

    first_wall: float
    first_cpu: float
    cached_wall: float
    cached_cpu: float


def time_runs(path: Path, *, repeats: int) -> PageTimes:
    """Return the medians of ``repeats`` first runs and ``repeats`` cached
    reruns of the page at ``path``."""
    first: list[tuple[float, float]] = []
    cached: list[tuple[float, float]] = []
    for _ in range(repeats):
        app = pages.open_page(path)
        pages.empty_caches()
        first.append(_timed_run(app))
        cached.append(_timed_run(app))
    return PageTimes(
        first_wall=statistics.median(wall for wall, _ in first),
        first_cpu=statistics.median(cpu for _, cpu in first),
        cached_wall=statistics.median(wall for wall, _ in cached),
        cached_cpu=statistics.median(cpu for _, cpu in cached),
    )


def _timed_run(app: AppTest) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    app.run()
    if app.exception:
        raise RuntimeError(f"the page raised: {app.exception[0].message}")
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def profile_first_run(path: Path) -> pstats.Stats:
    """Return the cProfile statistics of one first run of the page at
    ``path``, with the query and view caches emptied."""
    app = pages.open_page(path)
    pages.empty_caches()
    with profiled_script_threads() as profiles:
        app.run()
    if app.exception:
        raise RuntimeError(f"{path.name} raised: {app.exception[0].message}")
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    return stats


def top_entries(stats: pstats.Stats, *, page: Path, top: int) -> list[tuple[float, float, int, str]]:
    """Return the ``top`` functions by cumulative time below the script of
    ``page`` (Streamlit's frames around it and ``PASS_THROUGH`` frames are
    left out) as (cumulative s, own s, calls, "file:line(function)"), paths
    shortened to the package."""
    stats.sort_stats("cumulative")
    rows = []
    below_page = False
    for key in stats.fcn_list:
        calls, _, own, cumulative, _ = stats.stats[key]
        if not below_page:
            below_page = key[0] == str(page) and key[2] == "<module>"
            continue
        name = _function_name(key)
        if name.startswith(PASS_THROUGH):
            continue
        rows.append((cumulative, own, calls, name))
        if len(rows) == top:
            break
    return rows


def _function_name(key: tuple[str, int, str]) -> str:
    file, line, name = key
    if file == "~":
        return name
    parts = Path(file).parts
    for anchor in ("site-packages", "lib", ROOT.name):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor):]
            break
    return f"{'/'.join(parts)}:{line}({name})"


def markdown(path: Path, *, times: PageTimes, rows: list[tuple[float, float, int, str]]) -> str:
    """Return one page's times and top profile entries as a Markdown section."""
    lines = [f"#### {path.stem}: first run {times.first_wall:,.0f} ms ({times.first_cpu:,.0f} ms CPU), "
             f"cached rerun {times.cached_wall:,.0f} ms ({times.cached_cpu:,.0f} ms CPU)", "",
             "| cumulative (ms) | own (ms) | calls | function |", "|---:|---:|---:|---|"]
    lines += [f"| {cum * 1000:,.0f} | {own * 1000:,.0f} | {calls:,} | `{name}` |"
              for cum, own, calls, name in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="defaults to benchmarks/out/<scale>.db (SQLite), seeded once")
    parser.add_argument("--repeats", type=int, default=3, help="first runs (and cached reruns) per page")
    parser.add_argument("--top", type=int, default=15, help="how many functions to list per page")
    parser.add_argument("--page", action="append", help="only this page (file stem); repeatable")
    parser.add_argument("--dump", type=Path, help="also write each page's raw pstats file into this folder")
    args = parser.parse_args()
    os.environ.update({key: value for key, value in pages.bench_env().items() if key not in os.environ})
    url = args.database_url or database.demo_database(scale=args.scale, server_url=None)
    os.environ["DATABASE_URL"] = url
    # The first run of the process imports the pages' modules and starts the columnar snapshot.
    pages.time_page(ROOT / "dashboard.py")
    pages.wait_for_snapshot(url)
    print(f"### Profiles, {database.backend_name(url)}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"load average {load_average()}\n")
    for path in pages.page_files():
        if args.page and path.stem not in args.page:
            continue
        times = time_runs(path, repeats=args.repeats)
        stats = profile_first_run(path)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            stats.dump_stats(args.dump / f"{path.stem}.pstats")
        print(markdown(path, times=times, rows=top_entries(stats, page=path, top=args.top)), flush=True)
    print(f"Load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
