"""What a set of filters selects and when the data was last imported, as
text: shared by the page frame and the meeting pack. Pure functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from data_access.filters import Filters
from domain.periods import PRESETS, preset_range, uk_time_text

CUSTOM_PERIOD_LABEL = "Custom dates"


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


def period_label(filters: Filters, *, today: dt.date) -> str:
    """Return the name of the date preset whose range, seen on ``today``,
    is exactly the filters' dates (e.g. "Last 12 months"), else "Custom dates"."""
    for preset, label in PRESETS.items():
        if preset_range(preset, today=today) == (filters.date_from, filters.date_to):
            return label
    return CUSTOM_PERIOD_LABEL


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
