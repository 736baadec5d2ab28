"""The Regional coverage views: the tile cartogram of reps and reach, the
reps table, and training regions covered by month.

Reps are public volunteers, so their names and the regions they cover are
never suppressed; the reach counts per region (attendances, unique
participants) are. The region rows add up to the organisation's reach, so
they form one suppression group.

A rep is judged active on the last day of the selected period (today when
the period is open-ended), the same point-in-time rule as the rep-coverage
KPI tile.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from charts import alt_text
from charts.cartogram import NO_REGIONS, coverage_cartogram
from charts.coverage import NO_COVERAGE, regions_covered_chart
from data_access.filters import Filters
from data_access.queries import coverage
from views.base import ChartView

NO_REPS = "No reps served in the selected regions during this period"

REPS_TABLE_HEADINGS: dict[str, str] = {
    "name": "Name",
    "region_name": "Region",
    "role": "Role",
    "start_date": "Start",
    "end_date": "End",
    "active": "Active",
}
ROLE_LABELS: dict[str, str] = {"lead": "Lead", "rep": "Rep", "deputy": "Deputy"}
STILL_SERVING = "still serving"


def period_end(filters: Filters, *, today: dt.date | None = None) -> dt.date:
    """Return the day reps are judged active on: the end of the date filter, or ``today``."""
    return filters.date_to or today or dt.date.today()


def region_coverage_at_period_end(
    engine: Engine, *, filters: Filters, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Return ``coverage.region_coverage`` with reps judged on ``as_of``
    (default: the end of the period); one row per selected training region."""
    return coverage.region_coverage(engine, filters=filters, as_of=as_of or period_end(filters))


def reps_at_period_end(engine: Engine, *, filters: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    """Return ``coverage.reps_table`` with ``active`` judged on ``as_of``
    (default: the end of the period); one row per rep appointment."""
    return coverage.reps_table(engine, filters=filters, as_of=as_of or period_end(filters))


def reps_display_table(reps: pd.DataFrame) -> pd.DataFrame:
    """Return the reps table as shown and downloaded: name, region name, role,
    start and end dates (ISO text; "still serving" when open) and active
    ("Yes"/"No"), with readable headings, in the query's order."""
    shown = pd.DataFrame(
        {
            "name": reps["name"].astype(str),
            "region_name": reps["region_name"].astype(str),
            "role": [ROLE_LABELS.get(role, str(role)) for role in reps["role"]],
            "start_date": [day.isoformat() for day in reps["start_date"]],
            "end_date": [STILL_SERVING if pd.isna(day) else day.isoformat() for day in reps["end_date"]],
            "active": ["Yes" if active else "No" for active in reps["active"]],
        },
        index=reps.index,
    )
    return shown.rename(columns=REPS_TABLE_HEADINGS).reset_index(drop=True)


def _selected_regions(rows: pd.DataFrame) -> int:
    """Return the number of training regions selected, from the latest month's row (0 when empty)."""
    return 0 if rows.empty else int(rows["regions_total"].iloc[-1])


REGION_COVERAGE = ChartView(
    id="region-coverage",
    title="Reps and reach by training region",
    query=region_coverage_at_period_end,
    build=coverage_cartogram,
    alt_text=alt_text.alt_text_cartogram,
    key_message=alt_text.key_message_cartogram,
    empty_message=NO_REGIONS,
    counts=("attendances", "unique_participants"),
    n_column="attendances",
    metric_ids=("regions_with_active_rep", "attendances", "unique_participants"),
    table_columns=(
        "region",
        "region_name",
        "nation",
        "active_reps",
        "active_rep_names",
        "attendances",
        "unique_participants",
    ),
)

REGIONS_COVERED_BY_MONTH = ChartView(
    id="regions-covered-by-month",
    title="Training regions with an active rep, by month",
    query=coverage.regions_covered_by_month,
    build=regions_covered_chart,
    alt_text=alt_text.alt_text_regions_covered,
    key_message=alt_text.key_message_regions_covered,
    empty_message=NO_COVERAGE,
    n_of=_selected_regions,
    n_unit="training regions selected",
    metric_ids=("regions_with_active_rep", "regions_total"),
    takes_min_cell=False,
)

COVERAGE_VIEWS: tuple[ChartView, ...] = (REGION_COVERAGE, REGIONS_COVERED_BY_MONTH)
