"""Data-layer benchmark: ``python -m benchmarks.data [--scale national] [--database-url URL]``.

Reports, in one run on the same data:
- import throughput of an attendance CSV through the real importer (rows/s);
- the time of each KPI case through ``compute_kpis`` next to DuckDB;
- per page, the time of its main aggregates through the dashboard's own
  queries, DuckDB over the same rows (the columnar floor) and naive pandas
  over every table loaded into memory, with the ratios between them; a ratio
  is printed only where all three agree on every figure (``floors.check_same``).

It is a script, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from benchmarks import database, floors, report
from data_access import columnar, demo, importers, kpis
from data_access.db import make_engine
from data_access.filters import Filters
from data_access.queries import meta

BENCH_KEY = database.BENCH_KEY.encode()
REPEATS = 5


def kpi_cases(today: dt.date) -> dict[str, Filters]:
    """Return the named filter combinations the benchmark times."""
    year_ago = today - dt.timedelta(days=365)
    return {
        "all time, no filter": Filters(),
        "last 12 months": Filters(date_from=year_ago, date_to=today),
        "region LDN": Filters(regions=("LDN",)),
        "core stages ST1-4": Filters(stages=("st1", "st2", "st3", "st4")),
        "inductions only": Filters(event_types=("induction",)),
        "Scotland, ST1-4, 12 months": Filters(
            regions=("SCN", "SCE", "SCSE", "SCW"),
            stages=("st1", "st2", "st3", "st4"),
            date_from=year_ago,
            date_to=today,
        ),
    }


def median_ms(fn: Callable[[], object], *, repeats: int = REPEATS, warm_up: bool = True) -> float:
    """Return the median wall time of ``fn`` in milliseconds, after one warm-up call unless not ``warm_up``."""
    if warm_up:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def write_import_files(folder: Path, *, events: int, rows: int, seed: int = 7) -> tuple[Path, Path]:
    """Write a synthetic events CSV and attendance CSV (example.org emails) and
    return their paths. Attendance rows are unique per event and email."""
    rng = np.random.default_rng(seed)
    types = ["induction", "arcp_portfolio", "interview_practice", "exam_prep", "academic_careers", "mentoring"]
    event_ids = [f"B{i:05d}" for i in range(events)]
    dates = pd.Timestamp("2023-09-01") + pd.to_timedelta(rng.integers(0, 1000, events), unit="D")
    events_path = folder / "events.csv"
    pd.DataFrame({
        "event_id": event_ids,
        "title": [f"Benchmark event {i}" for i in range(events)],
        "event_type": rng.choice(types, events),
        "date": dates.strftime("%d/%m/%Y"),
    }).to_csv(events_path, index=False)

    per_event = rows // events
    people = max(rows // 10, per_event)
    regions = ["LDN", "KSS", "TV", "WX", "SEV", "PEN", "EOE", "EM", "WM", "MER", "NW", "YH", "NE",
               "SCN", "SCE", "SCSE", "SCW", "WAL", "NI", "OVS"]
    stages = ["pre_nhs", "led", "st1", "st2", "st3", "st4", "st5", "st6", "st7", "st8", "sas"]
    # A random window of distinct people per event keeps event+participant unique.
    starts = rng.integers(0, people - per_event, events)
    person = (starts[:, None] + np.arange(per_event)[None, :]).ravel()
    attendance_path = folder / "attendance.csv"
    pd.DataFrame({
        "Event ID": np.repeat(event_ids, per_event),
        "Email": [f"Person{p}@Example.org" for p in person],
        "Attended": rng.choice(["Yes", "No"], person.size, p=[0.78, 0.22]),
        "Region": rng.choice(regions, person.size),
        "Stage": rng.choice(stages, person.size),
    }).to_csv(attendance_path, index=False)
    return events_path, attendance_path


def import_throughput(engine: Engine, folder: Path, *, events: int, rows: int) -> dict[str, float]:
    """Import the synthetic files and return rows, seconds and rows per second."""
    events_path, attendance_path = write_import_files(folder, events=events, rows=rows)
    result = importers.import_file(engine, kind="events", path=events_path, key=BENCH_KEY)
    if result.problems:
        raise RuntimeError("benchmark events file refused: " + "; ".join(result.problems[:5]))
    start = time.perf_counter()
    result = importers.import_file(engine, kind="attendance", path=attendance_path, key=BENCH_KEY)
    seconds = time.perf_counter() - start
    if result.problems:
        raise RuntimeError("benchmark attendance file refused: " + "; ".join(result.problems[:5]))
    return {"rows": result.rows_read, "seconds": seconds, "rows_per_second": result.rows_read / seconds}


def import_benchmark(*, server_url: str | None, rows: int, events: int) -> dict[str, float]:
    """Import ``rows`` synthetic attendance rows into an empty scratch database
    (a temp SQLite file, or a scratch PostgreSQL schema) and return rows,
    seconds and rows per second."""
    with tempfile.TemporaryDirectory() as tmp, \
            database.scratch_database(server_url=server_url, folder=Path(tmp), name="import") as url:
        engine = make_engine(url)
        try:
            return import_throughput(engine, Path(tmp), events=events, rows=rows)
        finally:
            engine.dispose()


def kpi_case_times(engine: Engine, con: duckdb.DuckDBPyConnection, *, today: dt.date,
                   snapshot: Engine | None = None) -> list[dict]:
    """Return, per KPI case: name, ``ours`` and ``floor`` (median ms of
    ``compute_kpis`` and of DuckDB), ``snapshot`` (median ms of
    ``compute_kpis`` on the columnar snapshot, None without one) and
    ``mismatch`` (None when every compared figure agrees, else why not)."""
    cases = []
    for name, filters in kpi_cases(today).items():
        as_of = filters.date_to or today
        ours = median_ms(lambda f=filters, a=as_of: kpis.compute_kpis(engine, filters=f, as_of=a))
        on_snapshot = None if snapshot is None else median_ms(
            lambda f=filters, a=as_of: kpis.compute_kpis(snapshot, filters=f, as_of=a))
        floor = median_ms(lambda f=filters, a=as_of: floors.duck_kpis(con, f, a))
        mismatch = None
        try:
            floors.check_same(
                name,
                {"compute_kpis": floors.ours_kpis(engine, filters, today),
                 "DuckDB": floors.duck_kpis(con, filters, as_of)}
                | ({} if snapshot is None else {"on the snapshot": floors.ours_kpis(snapshot, filters, today)}),
                keys=(), values=floors.KPI_FIGURES,
            )
        except floors.Mismatch as exc:
            mismatch = str(exc)
        cases.append({"name": name, "ours": ours, "snapshot": on_snapshot, "floor": floor, "mismatch": mismatch})
    return cases


def page_data_times(
    engine: Engine,
    con: duckdb.DuckDBPyConnection,
    tables: floors.Frames,
    *,
    filters: Filters,
    today: dt.date,
    pages: dict[str, tuple[floors.Aggregate, ...]] = floors.PAGE_AGGREGATES,
    repeats: int = REPEATS,
    snapshot: Engine | None = None,
) -> list[dict]:
    """Return, per page: ``page``, the ``aggregates`` compared, ``first``
    (ms of the dashboard's queries on their first call in this process),
    ``ours``, ``duckdb`` and ``pandas`` (median ms over ``repeats`` after
    that), ``mismatch`` (None when all agree on every figure) and
    ``compared_rows`` (result rows found equal).

    With ``snapshot`` (the engine of the dashboard's columnar copy), the
    same queries also run on it: ``snapshot`` (median ms) and
    ``snapshot_first``, and its results are compared too."""
    results = []
    for page, aggregates in pages.items():
        def run_all(source, which: str):
            return [getattr(aggregate, which)(source, filters, today) for aggregate in aggregates]

        start = time.perf_counter()
        ours = run_all(engine, "ours")
        first = (time.perf_counter() - start) * 1000
        row: dict = {}
        on_snapshot = [None] * len(aggregates)
        if snapshot is not None:
            start = time.perf_counter()
            on_snapshot = run_all(snapshot, "ours")
            row["snapshot_first"] = (time.perf_counter() - start) * 1000
            row["snapshot"] = median_ms(lambda: run_all(snapshot, "ours"), repeats=repeats, warm_up=False)
        duck = run_all(con, "duck")
        naive = run_all(tables, "pandas")
        mismatch = None
        compared = 0
        try:
            for aggregate, a, b, c, d in zip(aggregates, ours, duck, naive, on_snapshot, strict=True):
                sources = {"dashboard": a, "DuckDB": b, "pandas": c}
                if d is not None:
                    sources["dashboard on its columnar snapshot"] = d
                compared += floors.check_same(aggregate.name, sources, keys=aggregate.keys,
                                              values=aggregate.values)
        except floors.Mismatch as exc:
            mismatch = str(exc)
        results.append(row | {
            "page": page,
            "aggregates": [aggregate.name for aggregate in aggregates],
            "first": first,
            "ours": median_ms(lambda: run_all(engine, "ours"), repeats=repeats, warm_up=False),
            "duckdb": median_ms(lambda: run_all(con, "duck"), repeats=repeats, warm_up=False),
            "pandas": median_ms(lambda: run_all(tables, "pandas"), repeats=repeats, warm_up=False),
            "mismatch": mismatch,
            "compared_rows": compared,
        })
    return results


def columnar_snapshot(engine: Engine) -> tuple[Engine | None, float]:
    """Return the dashboard's columnar snapshot of ``engine`` (``data_access.columnar``),
    built afresh and waited for, and the seconds the build took."""
    columnar.forget_snapshots()
    start = time.perf_counter()
    snapshot = columnar.engine_at(engine, data_version=meta.data_version(engine), wait=True)
    return snapshot, time.perf_counter() - start


def data_benchmark(url: str, *, today: dt.date, filters: Filters, repeats: int = REPEATS) -> dict:
    """Load every table of ``url`` into pandas and DuckDB, build the
    dashboard's columnar snapshot, then time the KPI cases and each page's
    aggregates on the database, on the snapshot, in DuckDB and in pandas.
    Returns ``load_seconds`` (pandas read of every table),
    ``snapshot_seconds`` (snapshot build), ``kpi_cases`` and ``pages``."""
    engine = make_engine(url)
    snapshot, snapshot_seconds = columnar_snapshot(engine)
    start = time.perf_counter()
    tables = floors.load_tables(engine)
    load_seconds = time.perf_counter() - start
    con = floors.duckdb_from_tables(tables)
    result = {
        "load_seconds": load_seconds,
        "snapshot_seconds": snapshot_seconds,
        "rows": {name: len(frame) for name, frame in tables.items()},
        "kpi_cases": kpi_case_times(engine, con, today=today, snapshot=snapshot),
        "pages": page_data_times(engine, con, tables, filters=filters, today=today, repeats=repeats,
                                 snapshot=snapshot),
    }
    con.close()
    columnar.forget_snapshots()
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; SQLite in benchmarks/out/ when unset")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--import-events", type=int, default=5_000)
    args = parser.parse_args()
    today = dt.date.today()
    throughput = import_benchmark(server_url=args.database_url, rows=args.import_rows,
                                  events=args.import_events)
    url = database.demo_database(scale=args.scale, server_url=args.database_url)
    data = data_benchmark(url, today=today, filters=report.default_filters(today))
    print(report.data_markdown(throughput=throughput, data=data))


if __name__ == "__main__":
    main()
