"""The Event reach views (and the Overview's reach over time): one
``ChartView`` per chart, in page order, plus the suppressed events table.

Suppression groups say which cells add up to a total shown elsewhere: the
whole breakdown by default (its total is the caption's n and the Overview
tile); for the monthly stack, both each month (the reach-over-time chart
shows the month total) and each event type (the conversion chart shows the
type total).
"""

from __future__ import annotations

import pandas as pd

from charts import alt_text
from charts.reach import (
    NO_ATTENDANCES,
    NO_REGISTRATIONS,
    attendances_by_month_chart,
    attendances_by_region_chart,
    attendances_by_stage_chart,
    conversion_chart,
    cumulative_reach_chart,
    new_vs_returning_chart,
    reach_over_time_chart,
)
from data_access.queries import reach
from domain.suppression import suppress
from views.base import ChartView

NO_EVENTS = "No events for these filters"

REACH_BY_MONTH = ChartView(
    id="reach-by-month",
    title="Reach over time",
    query=reach.reach_by_month,
    build=reach_over_time_chart,
    alt_text=alt_text.alt_text_reach_over_time,
    key_message=alt_text.key_message_reach_over_time,
    empty_message=NO_ATTENDANCES,
    counts=("registrations", "attendances", "unique_participants"),
    n_column="attendances",
    metric_ids=("registrations", "attendances", "unique_participants"),
)

ATTENDANCES_BY_MONTH = ChartView(
    id="attendances-by-month",
    title="Attendances by month and event type",
    query=reach.attendances_by_month_and_type,
    build=attendances_by_month_chart,
    alt_text=alt_text.alt_text_attendances_by_month,
    key_message=alt_text.key_message_attendances_by_month,
    empty_message=NO_ATTENDANCES,
    counts=("attendances",),
    group_by=(("month",), ("event_type",)),
    n_column="attendances",
    metric_ids=("attendances",),
)

ATTENDANCES_BY_REGION = ChartView(
    id="attendances-by-region",
    title="Attendances by training region",
    query=reach.attendances_by_region,
    build=attendances_by_region_chart,
    alt_text=alt_text.alt_text_attendances_by_region,
    key_message=alt_text.key_message_attendances_by_region,
    empty_message=NO_ATTENDANCES,
    counts=("attendances", "unique_participants"),
    n_column="attendances",
    metric_ids=("attendances", "unique_participants"),
)

ATTENDANCES_BY_STAGE = ChartView(
    id="attendances-by-stage",
    title="Attendances by training stage",
    query=reach.attendances_by_stage,
    build=attendances_by_stage_chart,
    alt_text=alt_text.alt_text_attendances_by_stage,
    key_message=alt_text.key_message_attendances_by_stage,
    empty_message=NO_ATTENDANCES,
    counts=("attendances", "unique_participants"),
    n_column="attendances",
    metric_ids=("attendances", "unique_participants"),
)

CONVERSION_BY_EVENT_TYPE = ChartView(
    id="conversion-by-event-type",
    title="Registration-to-attendance conversion by event type",
    query=reach.conversion_by_event_type,
    build=conversion_chart,
    alt_text=alt_text.alt_text_conversion,
    key_message=alt_text.key_message_conversion,
    empty_message=NO_REGISTRATIONS,
    counts=("registrations", "attendances"),
    n_column="registrations",
    n_unit="registrations",
    metric_ids=("attendance_rate",),
)

NEW_VS_RETURNING = ChartView(
    id="new-vs-returning",
    title="New and returning participants by month",
    query=reach.new_vs_returning_by_month,
    build=new_vs_returning_chart,
    alt_text=alt_text.alt_text_new_vs_returning,
    key_message=alt_text.key_message_new_vs_returning,
    empty_message=NO_ATTENDANCES,
    counts=("new_participants", "returning_participants"),
    n_column="new_participants",
    n_unit="first-time participants",
    metric_ids=("unique_participants", "returning_participants"),
)

CUMULATIVE_REACH = ChartView(
    id="cumulative-reach",
    title="Cumulative unique participants",
    query=reach.cumulative_unique_reach,
    build=cumulative_reach_chart,
    alt_text=alt_text.alt_text_cumulative_reach,
    key_message=alt_text.key_message_cumulative_reach,
    empty_message=NO_ATTENDANCES,
    counts=("new_participants", "cumulative_unique_participants"),
    # Running totals do not add up to anything, so each month is its own
    # group: small early values are hidden, with no secondary suppression.
    group_by=("month",),
    n_column="new_participants",
    n_unit="unique participants",
    metric_ids=("unique_participants",),
    table_columns=("month", "cumulative_unique_participants"),
)

# The Event reach page's charts, in the order the page shows them.
EVENT_REACH_VIEWS: tuple[ChartView, ...] = (
    ATTENDANCES_BY_MONTH,
    ATTENDANCES_BY_REGION,
    ATTENDANCES_BY_STAGE,
    CONVERSION_BY_EVENT_TYPE,
    NEW_VS_RETURNING,
    CUMULATIVE_REACH,
)

EVENTS_TABLE_COUNTS = ("registrations", "attendances", "feedback_responses")

# The events table's columns as shown, in order; the download keeps every column.
EVENTS_TABLE_LABELS: dict[str, str] = {
    "title": "Event",
    "date": "Date",
    "event_type_label": "Type",
    "host_region": "Host region",
    "registrations": "Registrations",
    "attendances": "Attendances",
    "feedback_responses": "Feedback responses",
    "pct_excellent": "% excellent",
}


def events_table(rows: pd.DataFrame, *, min_cell: int | None) -> pd.DataFrame:
    """Return the rows of ``reach.events_table`` with small numbers hidden:
    registrations, attendances and feedback responses below ``min_cell``
    become NaN (each with a ``*_suppressed`` flag), and so does % excellent
    (0-100) on fewer than ``min_cell`` responses. ``min_cell=None`` returns
    the rows unchanged (internal view)."""
    if min_cell is None:
        return rows
    return suppress(
        rows,
        counts=EVENTS_TABLE_COUNTS,
        rates={"pct_excellent": "feedback_responses"},
        min_cell=min_cell,
    )
