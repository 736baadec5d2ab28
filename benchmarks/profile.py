"""Page profile: ``python -m benchmarks.profile [--scale national] [--database-url URL] [--top N]``.

For each page, with the columnar snapshot built and every query and view
cache emptied (as on a warm server just after a data change), it times the
first script run and the median cached rerun through AppTest, as
``benchmarks.pages`` does, then profiles one more first run with cProfile
and prints the ``--top`` functions by cumulative time in the script thread.
Profiling slows a run down, so the times come from the unprofiled runs.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks import database, pages
from benchmarks.database import ROOT
from benchmarks.report import load_average
from data_access import demo

# AppTest runs the page in a thread of this name; Streamlit's own threads and
# the columnar snapshot's are left out of the profile.
SCRIPT_THREAD_PREFIX = "ScriptRunner"


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


def profile_first_run(path: Path) -> pstats.Stats:
    """Return the cProfile statistics of one first run of the page at
    ``path``, with the query and view caches emptied."""
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if path.name != "dashboard.py":
        app.switch_page(str(path.relative_to(ROOT)))
    pages.empty_caches()
    with profiled_script_threads() as profiles:
        app.run()
    if app.exception:
        raise RuntimeError(f"{path.name} raised: {app.exception[0].message}")
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    return stats


def top_entries(stats: pstats.Stats, *, top: int) -> list[tuple[float, float, int, str]]:
    """Return the ``top`` functions by cumulative time as (cumulative s, own
    s, calls, "file:line(function)") with paths shortened to the package."""
    stats.sort_stats("cumulative")
    rows = []
    for key in stats.fcn_list[:top]:
        calls, _, own, cumulative, _ = stats.stats[key]
        rows.append((cumulative, own, calls, _function_name(key)))
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


def markdown(path: Path, *, first: float, cached: float, rows: list[tuple[float, float, int, str]]) -> str:
    """Return one page's times and top profile entries as a Markdown section."""
    lines = [f"#### {path.stem}: first run {first:,.0f} ms, cached rerun {cached:,.0f} ms", "",
             "| cumulative (ms) | own (ms) | calls | function |", "|---:|---:|---:|---|"]
    lines += [f"| {cum * 1000:,.0f} | {own * 1000:,.0f} | {calls:,} | `{name}` |"
              for cum, own, calls, name in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="defaults to benchmarks/out/<scale>.db (SQLite), seeded once")
    parser.add_argument("--top", type=int, default=15, help="how many functions to list per page")
    parser.add_argument("--page", action="append", help="profile only this page (file stem); repeatable")
    parser.add_argument("--dump", type=Path, help="also write each page's raw pstats file into this folder")
    args = parser.parse_args()
    os.environ.update({key: value for key, value in pages.bench_env().items() if key not in os.environ})
    url = args.database_url or database.demo_database(scale=args.scale, server_url=None)
    os.environ["DATABASE_URL"] = url
    pages.time_page(ROOT / "dashboard.py")
    pages.wait_for_snapshot(url)
    print(f"### Profiles, {database.backend_name(url)}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"load average {load_average()}\n")
    for path in pages.page_files():
        if args.page and path.stem not in args.page:
            continue
        first, cached = pages.time_page(path)
        stats = profile_first_run(path)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            stats.dump_stats(args.dump / f"{path.stem}.pstats")
        print(markdown(path, first=first, cached=cached, rows=top_entries(stats, top=args.top)), flush=True)
    print(f"Load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
