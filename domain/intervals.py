"""Wilson score intervals for proportions (pass rates, unsatisfactory ARCP rates, offer rates).

For x successes out of n, with p = x / n and z the normal quantile:

    centre     = (p + z² / 2n) / (1 + z² / n)
    half-width = z / (1 + z² / n) × √(p(1 − p) / n + z² / 4n²)

Unlike the simple p ± z√(p(1 − p)/n) interval, it stays inside [0, 1] and
behaves at 0/n and n/n, which matters for the small groups of members.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

Z_95 = 1.959964


def _validate_z(z: float) -> float:
    if isinstance(z, bool) or not isinstance(z, numbers.Real) or not math.isfinite(z) or z <= 0:
        raise ValueError(f"z must be a positive number, not {z!r}")
    return float(z)


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float]:
    """Return the (low, high) Wilson interval for ``successes`` out of ``n``, as fractions 0–1.

    (nan, nan) when ``n`` is 0. Raises ValueError unless 0 ≤ successes ≤ n
    are whole numbers and ``z`` is positive; the default ``z`` gives a 95%
    interval.
    """
    z = _validate_z(z)
    for name, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"{name} must be a whole number, not {value!r}")
    if not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    low, high = _wilson(np.array([successes], dtype=float), np.array([n], dtype=float), z)
    return (float(low[0]), float(high[0]))


def _wilson(successes: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z / denominator * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At 0/n and n/n the formula gives exactly 0 and 1; pin them against floating-point dust.
    low = np.where(successes == 0, 0.0, centre - half_width)
    high = np.where(successes == n, 1.0, centre + half_width)
    return low, high


def wilson_columns(df: pd.DataFrame, *, successes: str, n: str, z: float = Z_95) -> pd.DataFrame:
    """Return a copy of ``df`` with ``rate``, ``ci_low`` and ``ci_high`` columns (fractions 0–1).

    Rows with n = 0 or a missing count get NaN in all three. Raises
    ValueError for a missing column, or a row where successes is negative,
    fractional or larger than n.
    """
    z = _validate_z(z)
    missing = [column for column in (successes, n) if column not in df.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}; it has {list(df.columns)}")
    try:
        x = pd.to_numeric(df[successes]).to_numpy(dtype="float64", na_value=np.nan)
        total = pd.to_numeric(df[n]).to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"columns {successes!r} and {n!r} must hold numbers") from None
    known = ~np.isnan(x) & ~np.isnan(total)
    bad = known & ((x < 0) | (x > total) | (x != np.floor(x)) | (total != np.floor(total)))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"row {row}: need whole numbers with 0 <= {successes} <= {n}, got {x[row]:g} and {total[row]:g}"
        )
    usable = known & (total > 0)
    safe_total = np.where(usable, total, 1.0)
    safe_x = np.where(usable, x, 0.0)
    low, high = _wilson(safe_x, safe_total, z)
    out = df.copy()
    out["rate"] = np.where(usable, safe_x / safe_total, np.nan)
    out["ci_low"] = np.where(usable, low, np.nan)
    out["ci_high"] = np.where(usable, high, np.nan)
    return out
