"""A small, hand-checkable data set for the meeting-pack tests, with small
cells that suppression must hide and event titles that look like
spreadsheet formulas.

Twelve monthly London events in 2025, each with 10-12 attendances except
August with 80 (a special cause on the SPC chart); West Midlands has 2
attendances and Scotland North 3 (both must be hidden); feedback on every
event; six further events whose titles start with each formula prefix.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from data_access.db import make_engine, migrate, normalise_url
from data_access.filters import Filters
from tests.factories import FactRows

PACK_FILTERS = Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
# The pack's statement of those filters.
PACK_FILTER_TEXT = "All regions · all stages · all event types · Custom dates (1 Jan 2025 – 31 Dec 2025)"
MONTHLY_ATTENDANCES = (10, 11, 10, 12, 11, 10, 11, 80, 10, 11, 12, 10)
SMALL_REGIONS = {"WM": 2, "SCN": 3}
# One event title per formula prefix: =, +, -, @, tab, carriage return.
FORMULA_TITLES = {
    "equals": '=HYPERLINK("http://attacker.example","Click")',
    "plus": "+SUM(1,2)",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\tTabbed title",
    "carriage_return": "\rReturn title",
}


def seed_pack_rows(rows: FactRows) -> None:
    """Insert the pack test data set (see the module docstring)."""
    for month, count in enumerate(MONTHLY_ATTENDANCES, start=1):
        key = f"M{month:02d}"
        kind = "induction" if month % 2 else "exam_prep"
        rows.event(key=key, date=dt.date(2025, month, 14), event_type=kind, title=f"Monthly session {month}")
        for n in range(count):
            # The first five people come back every month; the rest are new each time.
            person = f"regular{n}" if n < 5 else f"{key}-p{n}"
            rows.attendance(event=key, person=person, region="LDN", stage="st1" if n % 2 else "st2")
        rows.attendance(event=key, person=f"{key}-noshow", region="LDN", stage="st1", attended=False)
        for n in range(8):
            rows.feedback(event=key, rating=5 if n < 6 else 4, region="LDN", stage="st1")
    for region, count in SMALL_REGIONS.items():
        for n in range(count):
            rows.attendance(event="M03", person=f"{region}-p{n}", region=region, stage="st3")
    for position, title in enumerate(FORMULA_TITLES.values(), start=1):
        key = f"F{position}"
        rows.event(key=key, date=dt.date(2025, 6, position), event_type="other", title=title)
        for n in range(6):
            rows.attendance(event=key, person=f"{key}-p{n}", region="LDN", stage="st4")
            rows.feedback(event=key, rating=5, region="LDN", stage="st4")
    rows.rep(name="Synthetic Rep A", region="LDN", start_date=dt.date(2024, 1, 1))


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                 reason="TEST_DATABASE_URL is not set; PostgreSQL tests run in CI"),
    ),
]


@contextmanager
def seeded_database(backend: str, directory: Path, *, name: str) -> Iterator[Engine]:
    """Yield an Engine on a new migrated database holding the pack data set:
    a SQLite file in ``directory``, or a PostgreSQL schema ``name`` (dropped
    afterwards). For module-scoped fixtures, so each file builds its packs once."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'pack.db'}"
        admin = None
    else:
        base = normalise_url(os.environ["TEST_DATABASE_URL"])
        schema = "t_" + re.sub(r"\W", "_", f"{os.getpid()}_{name}")[:55].lower()
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        migrate(engine)
        seed_pack_rows(FactRows(engine))
        yield engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
