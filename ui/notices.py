"""Display text the frame and the tiles show: when the data was last
imported, what the filters select (both from ``views.filter_text``, which the
meeting pack shares), the demo-data banner, page menu labels and the change of
a figure against the previous period. Pure functions."""

from __future__ import annotations

import math
import re

from domain.metrics import Metric
from views.filter_text import data_as_of_text, date_range_text, filter_summary_text

__all__ = [
    "DEMO_BANNER",
    "change_text",
    "data_as_of_text",
    "date_range_text",
    "filter_summary_text",
    "page_label",
    "page_sort_key",
]

DEMO_BANNER = (
    "**Demo data.** Every figure on this page comes from synthetic demonstration records, "
    "not from Soft Landing's own events. An admin loads real data on the **Data** page (or with "
    "`python -m data_access import`), then removes the demo rows there (*Remove demo data…*)."
)


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
