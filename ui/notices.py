"""Display text the frame and the tiles show: when the data was last
imported, what the filters select, the demo-data banner, page menu labels and
the change of a figure against the previous period. Pure functions."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping

from data_access.filters import Filters
from domain.metrics import Metric
from domain.periods import uk_time_text

DEMO_BANNER = (
    "**Demo data.** Every figure on this page comes from synthetic demonstration records, "
    "not from Soft Landing's own events. Load real data with `python -m data_access import`, "
    "then remove the demo rows with `python -m data_access clear-demo`."
)


def data_as_of_text(last_import: dt.datetime | None) -> str:
    """Return the "data as of" line for a last-import moment (aware, any zone),
    shown in UK time, e.g. "Data as of 26 Nov 2026, 09:41 GMT"."""
    if last_import is None:
        return "No data has been imported yet."
    return f"Data as of {uk_time_text(last_import)}"


def date_range_text(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """Return an inclusive date range as text, e.g. "1 Aug 2024 – 31 Jul 2025"."""
    if date_from is None and date_to is None:
        return "all dates"
    if date_to is None:
        return f"from {date_from:%-d %b %Y}"
    if date_from is None:
        return f"up to {date_to:%-d %b %Y}"
    return f"{date_from:%-d %b %Y} – {date_to:%-d %b %Y}"


def filter_summary_text(
    filters: Filters,
    *,
    period_label: str,
    region_names: Mapping[str, str],
    stage_labels: Mapping[str, str],
    type_labels: Mapping[str, str],
) -> str:
    """Return one line saying what the filters select, e.g. "All regions ·
    all stages · Induction · Last 12 months (1 Dec 2025 – 30 Nov 2026)"."""
    parts = [
        _selection_text(filters.regions, region_names, everything="all regions"),
        _selection_text(filters.stages, stage_labels, everything="all stages"),
        _selection_text(filters.event_types, type_labels, everything="all event types"),
        f"{period_label} ({date_range_text(filters.date_from, filters.date_to)})",
    ]
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def _selection_text(codes: tuple[str, ...], labels: Mapping[str, str], *, everything: str) -> str:
    if not codes:
        return everything
    named = [labels.get(code, code) for code in codes]
    if len(named) > 4:
        return f"{', '.join(named[:3])} and {len(named) - 3} more"
    return ", ".join(named)


def page_label(file_name: str) -> str:
    """Return a page file's menu label as Streamlit derives it: no numeric
    prefix, no extension, underscores as spaces ("2_Event_reach.py" -> "Event reach")."""
    return re.sub(r"^\d+[_ -]*", "", file_name.removesuffix(".py")).replace("_", " ").strip()


def page_sort_key(file_name: str) -> tuple[float, str]:
    """Return the key that orders page files as Streamlit does: by numeric prefix, then by label."""
    prefix = re.match(r"\d+", file_name)
    return (int(prefix.group()) if prefix else math.inf, page_label(file_name).casefold())


def change_text(figure: Metric, current: float | int | None, previous: float | int | None) -> str | None:
    """Return the change from ``previous`` to ``current`` in the figure's unit,
    signed: "+12" for counts, "+3.4 pp" for rates and percentages, "+0.05"
    for ratings; None when either value is missing."""
    if current is None or previous is None:
        return None
    difference = current - previous
    if figure.unit in ("count", "regions"):
        return f"{round(difference):+,}"
    if figure.unit == "fraction":
        return f"{100 * difference:+.1f} pp"
    if figure.unit == "percent":
        return f"{difference:+.1f} pp"
    return f"{difference:+.{figure.decimals}f}"
