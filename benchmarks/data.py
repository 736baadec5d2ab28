"""Data-layer benchmark: ``python -m benchmarks.data [--scale national] [--backend sqlite|postgresql]``.

Reports, in one run on the same data:
- import throughput of an attendance CSV through the real importer (rows/s);
- the time of each KPI case through ``compute_kpis`` (ms, median of repeats);
- the same aggregates run by DuckDB over the same rows (the columnar floor);
- the ratio between the two.

It is a script, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import Date, Engine, text

from data_access import demo, importers, kpis
from data_access.db import make_engine, migrate
from data_access.filters import Filters
from data_access.models import Base

BENCH_KEY = b"benchmark-key-not-secret"
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


def median_ms(fn: Callable[[], object], *, repeats: int = REPEATS) -> float:
    """Return the median wall time of ``fn`` in milliseconds, after one warm-up call."""
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


def duckdb_copy(engine: Engine) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB holding the same rows as ``engine`` (copied
    once, outside any timing), for the columnar floor."""
    con = duckdb.connect()
    tables = ["region", "stage", "event_type", "event", "attendance", "feedback", "rep"]
    with engine.connect() as conn:
        for table in tables:
            frame = pd.read_sql(text(f"SELECT * FROM {table}"), conn)
            # SQLite hands dates back as text; DuckDB must compare real dates.
            for column in Base.metadata.tables[table].columns:
                if isinstance(column.type, Date):
                    frame[column.name] = pd.to_datetime(frame[column.name])
            con.register(f"{table}_df", frame)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_df")
            con.unregister(f"{table}_df")
    return con


def duckdb_kpis(con: duckdb.DuckDBPyConnection, *, filters: Filters, as_of: dt.date) -> dict[str, object]:
    """Return the KPI figures computed by DuckDB with the same definitions."""
    event_where = ["TRUE"]
    person_where = ["TRUE"]
    params: list[object] = []
    if filters.date_from:
        event_where.append("e.date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        event_where.append("e.date <= ?")
        params.append(filters.date_to)
    if filters.event_types:
        event_where.append(f"et.code IN ({','.join('?' * len(filters.event_types))})")
        params.extend(filters.event_types)
    person_params: list[object] = []
    if filters.regions:
        person_where.append(f"r.code IN ({','.join('?' * len(filters.regions))})")
        person_params.extend(filters.regions)
    if filters.stages:
        person_where.append(f"s.code IN ({','.join('?' * len(filters.stages))})")
        person_params.extend(filters.stages)
    where = " AND ".join(event_where + person_where)
    joins = ("JOIN event e ON e.id = f.event_id JOIN event_type et ON et.id = e.event_type_id "
             "JOIN region r ON r.id = f.region_id JOIN stage s ON s.id = f.stage_id")
    attendance = con.execute(
        f"""
        WITH counted AS (SELECT f.* FROM attendance f {joins} WHERE {where})
        SELECT
          (SELECT COUNT(DISTINCT event_id) FROM counted WHERE attended) AS events,
          (SELECT COUNT(*) FROM counted) AS registrations,
          (SELECT COUNT(*) FROM counted WHERE attended) AS attendances,
          (SELECT COUNT(DISTINCT participant_id) FROM counted WHERE attended) AS unique_participants,
          (SELECT COUNT(*) FROM (SELECT participant_id FROM counted WHERE attended
             GROUP BY participant_id HAVING COUNT(DISTINCT event_id) >= 2)) AS returning_participants
        """,
        params + person_params,
    ).fetchone()
    feedback = con.execute(
        f"SELECT COUNT(*), SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END), AVG(rating) "
        f"FROM feedback f {joins} WHERE {where}",
        params + person_params,
    ).fetchone()
    region_where = "r.is_training_region"
    region_params: list[object] = []
    if filters.regions:
        region_where += f" AND r.code IN ({','.join('?' * len(filters.regions))})"
        region_params.extend(filters.regions)
    coverage = con.execute(
        f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM rep p WHERE p.region_id = r.id AND p.start_date <= ?
              AND (p.end_date IS NULL OR p.end_date >= ?)))
            FROM region r WHERE {region_where}""",
        [as_of, as_of] + region_params,
    ).fetchone()
    events, registrations, attendances, unique, returning = attendance
    responses, excellent, mean_rating = feedback
    return {
        "events": events, "registrations": registrations, "attendances": attendances,
        "unique_participants": unique, "returning_participants": returning,
        "feedback_responses": responses, "excellent": excellent, "mean_rating": mean_rating,
        "regions_total": coverage[0], "regions_with_active_rep": coverage[1],
    }


def machine_description() -> str:
    """Return a one-line description of this machine for the results table."""
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


def run(*, scale: str, url: str, import_rows: int, import_events: int) -> str:
    """Run the benchmark and return a Markdown report."""
    today = dt.date.today()
    lines = [
        f"### Data layer, scale `{scale}`, backend `{url.split(':', 1)[0]}`",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine_description()}.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        import_engine = make_engine(url if not url.startswith("sqlite") else f"sqlite:///{tmp}/import.db")
        _reset(import_engine)
        throughput = import_throughput(import_engine, Path(tmp), events=import_events, rows=import_rows)
        import_engine.dispose()
        lines += [
            "| import | rows | seconds | rows/s |",
            "|---|---:|---:|---:|",
            f"| attendance CSV | {throughput['rows']:,} | {throughput['seconds']:.1f} "
            f"| {throughput['rows_per_second']:,.0f} |",
            "",
        ]

        engine = make_engine(url if not url.startswith("sqlite") else f"sqlite:///{tmp}/demo.db")
        _reset(engine)
        start = time.perf_counter()
        counts = demo.seed_demo(engine, scale=scale)
        seed_seconds = time.perf_counter() - start
        lines.append(
            f"Demo data seeded in {seed_seconds:.0f} s: "
            + ", ".join(f"{n:,} {table}" for table, n in counts.items()) + "."
        )
        lines.append("")
        con = duckdb_copy(engine)
        lines += [
            "| KPI case | compute_kpis (ms) | DuckDB floor (ms) | ratio |",
            "|---|---:|---:|---:|",
        ]
        for name, filters in kpi_cases(today).items():
            as_of = filters.date_to or today
            ours = median_ms(lambda f=filters, a=as_of: kpis.compute_kpis(engine, filters=f, as_of=a))
            floor = median_ms(lambda f=filters, a=as_of: duckdb_kpis(con, filters=f, as_of=a))
            _check_same(kpis.compute_kpis(engine, filters=filters, as_of=as_of),
                        duckdb_kpis(con, filters=filters, as_of=as_of), name)
            lines.append(f"| {name} | {ours:.0f} | {floor:.0f} | {ours / floor:.1f}× |")
        engine.dispose()
    return "\n".join(lines) + "\n"


def _check_same(ours: dict, floor: dict, case: str) -> None:
    """Refuse to report timings for two computations that disagree."""
    for key in ("events", "registrations", "attendances", "unique_participants",
                "returning_participants", "feedback_responses", "regions_total", "regions_with_active_rep"):
        if int(ours[key] or 0) != int(floor[key] or 0):
            raise RuntimeError(f"{case}: {key} differs: compute_kpis {ours[key]} vs DuckDB {floor[key]}")


def _reset(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", default="sqlite", help="'sqlite' for a temp file, or a URL")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--import-events", type=int, default=5_000)
    parser.add_argument("--out", type=Path, help="append the Markdown report to this file")
    args = parser.parse_args()
    report = run(scale=args.scale, url=args.database_url, import_rows=args.import_rows,
                 import_events=args.import_events)
    print(report)
    if args.out:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + report)


if __name__ == "__main__":
    main()
