"""Helpers every chart builder and alt-text function shares.

The convention for empty input: a builder raises ``EmptyChart`` whose message
is a human sentence ("No feedback for these filters") that the page shows in
place of the chart. Missing columns are a programming error and raise
``ChartInputError`` naming them.

Suppressed cells arrive as NaN with a boolean ``<col>_suppressed`` column
(see ``domain.suppression``). Everything here treats a cell as hidden when it
is NaN *or* flagged, so a flagged cell that still carries a number is never
drawn either.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from domain.metrics import NO_VALUE
from domain.suppression import HIDDEN_LABEL, SECONDARY_SUFFIX, SUPPRESSED_SUFFIX


class EmptyChart(Exception):
    """Raised by a builder when there is nothing to draw; ``str()`` is the message to show."""


class ChartInputError(ValueError):
    """Raised when a frame lacks the columns a builder needs."""


def require(df: pd.DataFrame | None, columns: Iterable[str], *, empty_message: str) -> pd.DataFrame:
    """Return ``df`` after checking its columns; raise ``EmptyChart`` when it has no rows."""
    if df is None:
        raise EmptyChart(empty_message)
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise ChartInputError(f"chart input is missing column(s): {', '.join(missing)}")
    if df.empty:
        raise EmptyChart(empty_message)
    return df.reset_index(drop=True)


def hidden(df: pd.DataFrame, column: str) -> pd.Series:
    """Return a boolean Series: True where ``column`` is suppressed or missing."""
    mask = pd.to_numeric(df[column], errors="coerce").isna()
    return (mask | _flag(df, column + SUPPRESSED_SUFFIX)).astype(bool)


def _flag(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series(False, index=df.index)
    flags = df[column]
    # Flags from domain.suppression are plain booleans already; the nullable
    # conversion below took 7% of Differential attainment's view preparation.
    if flags.dtype == bool:
        return flags
    return flags.astype("boolean").fillna(False).astype(bool)


def any_hidden(df: pd.DataFrame, *columns: str) -> pd.Series:
    """Return a boolean Series: True where any of ``columns`` is hidden."""
    mask = pd.Series(False, index=df.index)
    for column in columns:
        mask = mask | hidden(df, column)
    return mask


def values(df: pd.DataFrame, column: str, *, hide: pd.Series | None = None) -> list[float | None]:
    """Return the column as plain floats with None for hidden cells (or where ``hide`` is True)."""
    numbers = pd.to_numeric(df[column], errors="coerce")
    # ``hidden``'s rule, on the numbers already converted.
    mask = numbers.isna() | _flag(df, column + SUPPRESSED_SUFFIX)
    if hide is not None:
        mask = mask | hide
    return [None if masked else float(number)
            for number, masked in zip(numbers.tolist(), mask.tolist(), strict=True)]


def small(min_cell: int) -> str:
    """Return the label shown instead of a hidden count, e.g. "<5"."""
    return f"<{min_cell}"


def format_percent(proportion: float | None, *, digits: int = 0) -> str:
    """Return a proportion (0-1) as a percentage string, e.g. 0.834 -> "83%"; "–" when there is none."""
    if proportion is None or math.isnan(proportion):
        return NO_VALUE
    return f"{proportion * 100:.{digits}f}%"


def count_labels(df: pd.DataFrame, column: str, *, min_cell: int) -> list[str]:
    """Return display labels for a count column.

    A visible count reads "1,234"; a suppressed one "<5" (with the real
    threshold), or "hidden" when it was hidden only to protect another cell
    (so could be large); a missing one without a suppression flag "–".
    """
    flagged = _flag(df, column + SUPPRESSED_SUFFIX)
    secondary = _flag(df, column + SECONDARY_SUFFIX)
    numbers = pd.to_numeric(df[column], errors="coerce")
    labels = []
    for number, is_flagged, is_secondary in zip(numbers, flagged, secondary, strict=True):
        if is_secondary:
            labels.append(HIDDEN_LABEL)
        elif is_flagged:
            labels.append(small(min_cell))
        elif pd.isna(number):
            labels.append(NO_VALUE)
        else:
            labels.append(f"{round(number):,}")
    return labels


def hidden_rate_labels(df: pd.DataFrame, *, rate: str | None, denominator: str, min_cell: int) -> list[str]:
    """Return, per row, the label for a rate that is not drawn.

    "n<5" when the denominator is small (or was suppressed as small), and
    "hidden" when the rate or its denominator was withheld only to protect
    another cell, because "n<5" would then be untrue.
    """
    secondary = _flag(df, denominator + SECONDARY_SUFFIX)
    if rate is not None:
        secondary = secondary | (
            _flag(df, rate + SECONDARY_SUFFIX) & ~_flag(df, denominator + SUPPRESSED_SUFFIX)
        )
    return [HIDDEN_LABEL if flag else f"n<{min_cell}" for flag in secondary]


def months(df: pd.DataFrame, column: str = "month") -> pd.Series:
    """Return the month column as Timestamps at the first of each month."""
    return pd.to_datetime(df[column]).dt.to_period("M").dt.to_timestamp()


def month_axis(series: pd.Series) -> list[str]:
    """Return month Timestamps as ISO dates, the form a Plotly date axis reads."""
    return [stamp.strftime("%Y-%m-%d") for stamp in series]


def month_name(stamp: pd.Timestamp | dt.date) -> str:
    """Return e.g. "March 2025"."""
    return pd.Timestamp(stamp).strftime("%B %Y")


def safe_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Return numerator / denominator as floats, NaN where the denominator is 0 or missing."""
    top = pd.to_numeric(numerator, errors="coerce").astype("float64")
    bottom = pd.to_numeric(denominator, errors="coerce").astype("float64")
    return top / bottom.where(bottom > 0, np.nan)
