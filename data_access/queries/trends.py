"""Time series for the SPC (Making Data Count) charts that no other query
gives: members' outcome counts per measure and calendar quarter.

Outcomes are counted as in ``queries.attainment``: ``n`` is the outcome rows
whose ``flag`` is not null and ``events`` the rows whose flag is 1 (a pass,
an unsatisfactory ARCP outcome, an offer). The region and stage filters
apply to the outcome row, the dates to the outcome date; the event-type
filter does not apply. Quarters are calendar quarters (January-March is Q1),
because a GMC training year starts on a Wednesday in early August and would
split a month between two periods.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, Integer, Table, cast, extract, func, select

from data_access.filters import Filters
from data_access.models import Outcome, OutcomeMeasure
from data_access.queries.filtering import date_conditions, person_conditions

measure_t: Table = OutcomeMeasure.__table__
outcome_t: Table = Outcome.__table__

OUTCOME_MEASURE_COLUMNS = ["measure", "measure_label", "category"]
OUTCOMES_BY_QUARTER_COLUMNS = ["measure", "measure_label", "category", "quarter", "n", "events"]


def quarter_label(key: int) -> str:
    """Return the label of a ``year * 10 + quarter`` key, e.g. 20252 -> "2025 Q2"."""
    return f"{int(key) // 10} Q{int(key) % 10}"


def outcome_measures(engine: Engine) -> pd.DataFrame:
    """Return every outcome measure in reference order: ``measure`` (code),
    ``measure_label`` and ``category`` (exam, arcp or recruitment)."""
    query = select(measure_t.c.code, measure_t.c.label, measure_t.c.category).order_by(measure_t.c.sort_order)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=OUTCOME_MEASURE_COLUMNS)


def outcomes_by_quarter(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return members' outcome counts per measure and calendar quarter.

    Columns: ``measure`` (code), ``measure_label``, ``category``,
    ``quarter`` (e.g. "2025 Q2"; labels sort in time order), ``n`` (outcome
    rows with a non-null flag) and ``events`` (rows with flag 1), both ints.
    Only measure-quarters with n > 0 appear, ordered by measure (reference
    order) then quarter.
    """
    quarter = (
        cast(extract("year", outcome_t.c.date), Integer) * 10
        + (cast(extract("month", outcome_t.c.date), Integer) + 2) // 3
    ).label("quarter")
    query = (
        select(
            measure_t.c.code,
            measure_t.c.label,
            measure_t.c.category,
            quarter,
            func.count(),
            cast(func.sum(outcome_t.c.flag), Integer),
        )
        .join(measure_t, measure_t.c.id == outcome_t.c.measure_id)
        .where(
            outcome_t.c.flag.is_not(None),
            *person_conditions(filters, outcome_t),
            *date_conditions(filters, outcome_t.c.date),
        )
        .group_by(measure_t.c.sort_order, measure_t.c.code, measure_t.c.label, measure_t.c.category, quarter)
        .order_by(measure_t.c.sort_order, quarter)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=OUTCOMES_BY_QUARTER_COLUMNS)
    frame["quarter"] = [quarter_label(key) for key in frame["quarter"]]
    return frame.astype({"n": "int64", "events": "int64"})
