"""Small-number suppression, applied before any figure reaches a chart, table or export.

The rules (the threshold is ``[privacy] min_cell``, default 5):

* a count from 1 to ``min_cell`` - 1 is hidden and shown as "<5"; zero is
  not sensitive and stays;
* a rate is hidden when its denominator is from 1 to ``min_cell`` - 1, and
  when its numerator or denominator cell is hidden (rate × denominator
  would give the numerator back, and numerator / rate the denominator);
* secondary suppression: within each group of cells that adds up to a
  total shown elsewhere, a lone hidden cell, or hidden cells that together
  come to less than ``min_cell``, could be worked out by subtraction, so the
  next-smallest visible non-zero cell is hidden too, until neither holds.

Hidden numbers become NaN, so a chart's hover text or a CSV download never
sees them. Whole-organisation totals are exempt: they are not passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from domain.metrics import format_value, metric

DEFAULT_MIN_CELL = 5

HIDDEN_LABEL = "hidden"

SUPPRESSED_SUFFIX = "_suppressed"
SECONDARY_SUFFIX = "_secondary"


def suppression_note(*, min_cell: int = DEFAULT_MIN_CELL) -> str:
    """Return the plain-English explanation of the suppression marks, for captions and the About page."""
    return (
        f"To protect individuals, counts from 1 to {min_cell - 1} show as \"<{min_cell}\", and rates based "
        f"on fewer than {min_cell} people show as \"n<{min_cell}\". Where a small number could be worked out "
        f"from a total, another figure is also withheld and shows as \"{HIDDEN_LABEL}\". "
        "Whole-organisation totals are shown in full."
    )


def _validate_min_cell(min_cell: Any) -> int:
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number of at least 1, not {min_cell!r}")
    return int(min_cell)


def _groupings(group_by: Sequence[str] | Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    if isinstance(group_by, str):
        return [(group_by,)]
    if len(group_by) == 0:
        return [()]
    if all(isinstance(column, str) for column in group_by):
        return [tuple(group_by)]
    groupings = []
    for grouping in group_by:
        if isinstance(grouping, str) or not all(isinstance(column, str) for column in grouping):
            raise ValueError(
                "group_by must be column names (one grouping) or a list of lists of column names "
                f"(several groupings), not {list(group_by)!r}"
            )
        groupings.append(tuple(grouping))
    return groupings


def _numeric_column(df: pd.DataFrame, column: str) -> np.ndarray:
    try:
        values = pd.to_numeric(df[column], errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"column {column!r} must hold numbers") from None
    return values


def _secondary(
    values: np.ndarray, hidden: np.ndarray, group_ids: list[np.ndarray], *, min_cell: int
) -> np.ndarray:
    """Return ``hidden`` widened until no group gives a hidden value away by subtraction."""
    hidden = hidden.copy()
    groups = []
    for ids in group_ids:
        order = np.argsort(ids, kind="stable")
        boundaries = np.flatnonzero(np.diff(ids[order])) + 1
        groups.extend(np.split(order, boundaries) if len(order) else [])
    changed = True
    while changed:
        changed = False
        for members in groups:
            known = members[~np.isnan(values[members])]
            hidden_members = known[hidden[known]]
            if len(hidden_members) == 0:
                continue
            hidden_sum = values[hidden_members].sum()
            lone = len(hidden_members) == 1
            small_sum = 0 < hidden_sum < min_cell
            if not (lone or small_sum):
                continue
            visible = known[~hidden[known]]
            candidates = visible[values[visible] > 0]
            # A lone hidden cell next to only zeros is still exposed; hiding a zero
            # at least leaves two unknowns. A small hidden sum cannot be helped by a zero.
            if len(candidates) == 0 and lone:
                candidates = visible
            if len(candidates) == 0:
                continue
            hidden[candidates[np.argmin(values[candidates])]] = True
            changed = True
    return hidden


def suppress(
    df: pd.DataFrame,
    *,
    counts: Sequence[str],
    rates: Mapping[str, str] | None = None,
    numerators: Mapping[str, str] | None = None,
    group_by: Sequence[str] | Sequence[Sequence[str]] = (),
    min_cell: int = DEFAULT_MIN_CELL,
) -> pd.DataFrame:
    """Return a copy of ``df`` with small numbers hidden as NaN.

    ``counts`` are additive columns of people or responses. ``rates`` maps
    each rate column to its denominator column; ``numerators`` optionally
    maps a rate column to its numerator column. Denominator and numerator
    columns are suppressed as counts too, so no raw small number is left in
    the frame.

    ``group_by`` says which rows add up to a total shown elsewhere: ``()``
    (the default) means all rows, e.g. a breakdown whose total is the
    organisation figure; ``["month"]`` means the rows of each month, e.g. a
    stacked bar; ``[["month"], ["event_type"]]`` protects both margins of a
    cross-table. Do not include total rows in ``df``.

    For every count and rate column the result has a boolean
    ``<col>_suppressed`` (hidden for any reason) and ``<col>_secondary``
    (hidden only to protect another cell) column. Count and rate columns
    become float64. Raises ValueError, leaving ``df`` untouched, for a
    missing or non-numeric column, a negative count or a bad ``min_cell``.
    """
    min_cell = _validate_min_cell(min_cell)
    rates = dict(rates or {})
    numerators = dict(numerators or {})
    groupings = _groupings(group_by)
    unknown_numerators = sorted(set(numerators) - set(rates))
    if unknown_numerators:
        raise ValueError(f"numerators given for columns that are not rates: {unknown_numerators}")
    count_columns = list(dict.fromkeys([*counts, *rates.values(), *numerators.values()]))
    overlap = sorted(set(count_columns) & set(rates))
    if overlap:
        raise ValueError(f"columns cannot be both a count and a rate: {overlap}")
    needed = [*count_columns, *rates, *(column for grouping in groupings for column in grouping)]
    missing = sorted({column for column in needed if column not in df.columns})
    if missing:
        raise ValueError(f"columns not in the data: {missing}; it has {list(df.columns)}")

    count_values = {column: _numeric_column(df, column) for column in count_columns}
    for column, values in count_values.items():
        if np.any(values < 0):
            raise ValueError(f"column {column!r} holds a negative count")
    rate_values = {column: _numeric_column(df, column) for column in rates}

    group_ids = [
        df.groupby(list(grouping), dropna=False, sort=False).ngroup().to_numpy()
        if grouping
        else np.zeros(len(df), dtype=int)
        for grouping in groupings
    ]

    out = df.copy()
    hidden_counts: dict[str, np.ndarray] = {}
    for column, values in count_values.items():
        primary = (values >= 1) & (values < min_cell)
        hidden = _secondary(values, primary, group_ids, min_cell=min_cell)
        hidden_counts[column] = hidden
        out[column] = np.where(hidden, np.nan, values)
        out[column + SUPPRESSED_SUFFIX] = hidden
        out[column + SECONDARY_SUFFIX] = hidden & ~primary

    for column, values in rate_values.items():
        denominator = rates[column]
        denominator_values = count_values[denominator]
        # A zero denominator leaves the rate undefined rather than sensitive, so it passes through.
        own = ~(denominator_values >= min_cell) & (denominator_values != 0)
        linked = hidden_counts[denominator].copy()
        if column in numerators:
            linked |= hidden_counts[numerators[column]]
        hidden = own | linked
        out[column] = np.where(hidden, np.nan, values)
        out[column + SUPPRESSED_SUFFIX] = hidden
        out[column + SECONDARY_SUFFIX] = hidden & ~own
    return out


def display_value(
    value: float | int | None,
    suppressed: bool,
    *,
    unit: str,
    min_cell: int = DEFAULT_MIN_CELL,
    secondary: bool = False,
    decimals: int = 0,
) -> str:
    """Return the text to show for one cell.

    A hidden count shows "<5" (with the real threshold); a hidden rate
    shows "n<5"; a cell hidden only to protect another (``secondary``)
    shows "hidden", because "<5" would be untrue for it. A visible value
    is formatted in ``unit`` (see ``domain.metrics.format_value``).
    """
    if not suppressed:
        return format_value(value, unit=unit, decimals=decimals)
    if secondary:
        return HIDDEN_LABEL
    if unit in ("count", "regions"):
        return f"<{min_cell}"
    return f"n<{min_cell}"


def suppress_kpis(
    figures: Mapping[str, float | int | None],
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    whole_organisation: bool,
) -> tuple[dict[str, float | int | None], frozenset[str]]:
    """Return the KPI figures with small numbers replaced by None, and the ids that were hidden.

    Keys are metric ids from ``domain.metrics``; each metric's
    ``suppression`` and ``denominator_id`` decide what is hidden. Pass
    ``whole_organisation=True`` when no region, stage or event-type filter
    narrows the figures: organisation totals are exempt and come back
    unchanged. A None that is not in the hidden set means "no data".
    """
    min_cell = _validate_min_cell(min_cell)
    entries = {key: metric(key) for key in figures}
    if whole_organisation:
        return dict(figures), frozenset()
    hidden: set[str] = set()
    for key, entry in entries.items():
        value = figures[key]
        if entry.suppression == "count" and value is not None and 1 <= value < min_cell:
            hidden.add(key)
    for key, entry in entries.items():
        if entry.suppression != "rate":
            continue
        denominator = figures.get(entry.denominator_id)
        if (
            entry.denominator_id not in figures
            or denominator is None
            or 0 < denominator < min_cell
            or entry.denominator_id in hidden
            or entry.numerator_id in hidden
        ):
            hidden.add(key)
    shown = {key: (None if key in hidden else value) for key, value in figures.items()}
    return shown, frozenset(hidden)


def display_kpi(key: str, figures: Mapping[str, Any], hidden: frozenset[str], *, min_cell: int) -> str:
    """Return the tile text for KPI ``key`` after ``suppress_kpis``: "<5", "n<5", "–" or the value."""
    entry = metric(key)
    return display_value(
        figures.get(key), key in hidden, unit=entry.unit, min_cell=min_cell, decimals=entry.decimals
    )
