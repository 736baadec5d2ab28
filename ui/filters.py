"""The global filters as URL query parameters, and the small rules behind the
sidebar shortcuts. Pure functions: no Streamlit, so they test on their own.

URL contract: ``region``, ``stage`` and ``type`` are repeated once per
selected code (``?region=LDN&region=WM``); ``from`` and ``to`` are inclusive
ISO dates and mean the custom date range; ``period`` names any other date
preset except the default one (last 12 months), so a shared link to "this
training year" keeps meaning the training year current when it is opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence

from data_access.filters import Filters
from domain.periods import PRESETS

REGION_PARAM = "region"
STAGE_PARAM = "stage"
TYPE_PARAM = "type"
FROM_PARAM = "from"
TO_PARAM = "to"
PERIOD_PARAM = "period"
FILTER_PARAMS = (REGION_PARAM, STAGE_PARAM, TYPE_PARAM, FROM_PARAM, TO_PARAM, PERIOD_PARAM)

PRESET_LAST_12_MONTHS = "last_12_months"
PRESET_ALL_TIME = "all_time"
PRESET_CUSTOM = "custom"
DEFAULT_PRESET = PRESET_LAST_12_MONTHS

# The date presets of domain.periods, then custom dates.
PRESET_LABELS: dict[str, str] = {**PRESETS, PRESET_CUSTOM: "Custom dates"}

_FILTER_NOUNS = {REGION_PARAM: "region", STAGE_PARAM: "training stage", TYPE_PARAM: "event type"}


def filters_from_query(
    params: Mapping[str, Sequence[str]],
    *,
    valid_regions: Collection[str],
    valid_stages: Collection[str],
    valid_types: Collection[str],
) -> tuple[Filters, str, list[str]]:
    """Return the filters a URL asks for, the date preset code, and one short
    notice per ignored value.

    ``params`` maps each query parameter to all its values. Codes match the
    valid ones case-insensitively. The returned ``Filters`` carries dates
    only for the custom preset; for any other preset the caller resolves the
    dates for today.
    """
    notices: list[str] = []
    regions = _known_codes(params.get(REGION_PARAM, ()), valid_regions, REGION_PARAM, notices)
    stages = _known_codes(params.get(STAGE_PARAM, ()), valid_stages, STAGE_PARAM, notices)
    event_types = _known_codes(params.get(TYPE_PARAM, ()), valid_types, TYPE_PARAM, notices)

    date_from = _date_param(params.get(FROM_PARAM, ()), FROM_PARAM, notices)
    date_to = _date_param(params.get(TO_PARAM, ()), TO_PARAM, notices)
    if date_from is not None and date_to is not None and date_from > date_to:
        notices.append(
            f"Ignored the dates from {date_from:%-d %b %Y} to {date_to:%-d %b %Y} in the link: "
            "the start is after the end."
        )
        date_from = date_to = None

    preset = _preset_param(params.get(PERIOD_PARAM, ()), notices)
    if date_from is not None or date_to is not None:
        preset = PRESET_CUSTOM
    elif preset == PRESET_CUSTOM:
        preset = PRESET_ALL_TIME
    filters = Filters(
        regions=tuple(regions),
        stages=tuple(stages),
        event_types=tuple(event_types),
        date_from=date_from,
        date_to=date_to,
    )
    return filters, preset, notices


def query_from_filters(filters: Filters, *, preset: str) -> dict[str, list[str]]:
    """Return the URL query parameters (each with all its values) that
    reproduce ``filters`` under date preset ``preset``; defaults are left out."""
    query: dict[str, list[str]] = {}
    for param, codes in (
        (REGION_PARAM, filters.regions),
        (STAGE_PARAM, filters.stages),
        (TYPE_PARAM, filters.event_types),
    ):
        if codes:
            query[param] = list(codes)
    if preset == PRESET_CUSTOM:
        if filters.date_from is None and filters.date_to is None:
            query[PERIOD_PARAM] = [PRESET_ALL_TIME]
        if filters.date_from is not None:
            query[FROM_PARAM] = [filters.date_from.isoformat()]
        if filters.date_to is not None:
            query[TO_PARAM] = [filters.date_to.isoformat()]
    elif preset != DEFAULT_PRESET:
        query[PERIOD_PARAM] = [preset]
    return query


def toggle_group(selected: Sequence[str], group: Iterable[str]) -> list[str]:
    """Return ``selected`` with a shortcut group toggled: the group's codes are
    removed when all of them are already selected, else the missing ones are
    appended in the group's order."""
    members = list(group)
    if members and all(code in selected for code in members):
        return [code for code in selected if code not in members]
    return list(selected) + [code for code in members if code not in selected]


def complete_groups(selected: Collection[str], groups: Mapping[str, Sequence[str]]) -> list[str]:
    """Return the names of the groups whose codes are all in ``selected``, in ``groups`` order."""
    chosen = set(selected)
    return [name for name, members in groups.items() if members and chosen.issuperset(members)]


def _known_codes(values: Iterable[str], valid: Collection[str], param: str, notices: list[str]) -> list[str]:
    by_folded = {code.casefold(): code for code in valid}
    codes: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        code = by_folded.get(value.casefold())
        if code is None:
            notices.append(f"Ignored unknown {_FILTER_NOUNS[param]} '{_shorten(value)}' in the link.")
        elif code not in codes:
            codes.append(code)
    return codes


def _date_param(values: Sequence[str], param: str, notices: list[str]) -> dt.date | None:
    if not values:
        return None
    # A repeated date keeps its last value, as st.query_params does.
    value = values[-1].strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        notices.append(f"Ignored '{param}' date '{_shorten(value)}' in the link: use YYYY-MM-DD.")
        return None


def _preset_param(values: Sequence[str], notices: list[str]) -> str:
    if not values or not values[-1].strip():
        return DEFAULT_PRESET
    value = values[-1].strip().casefold()
    if value in PRESET_LABELS:
        return value
    notices.append(f"Ignored unknown period '{_shorten(values[-1].strip())}' in the link.")
    return DEFAULT_PRESET


def _shorten(value: str, limit: int = 40) -> str:
    # A crafted link must not flood the page with its own text.
    return value if len(value) <= limit else value[: limit - 1] + "…"
