"""NHS England "Making Data Count" XmR charts: limits, special-cause rules and icons.

Limits come from a baseline (the whole series by default, or its first
``baseline_points`` points, after which they stay frozen):

* mean x̄ of the baseline values;
* moving ranges MRᵢ = |xᵢ − xᵢ₋₁| within the baseline, and their mean;
* process limits x̄ ± 2.66 × mean MR; 2-sigma lines x̄ ± 1.773 × mean MR.

With fewer than 12 baseline points the limits are "trial limits".

The four special-cause rules follow NHSRplotthedots (MIT), and are checked
over the whole series against the frozen limits:

1. a point strictly above the upper or below the lower limit (a point
   exactly on a limit is inside);
2. a run of 7 or more consecutive points strictly on the same side of the
   mean (a point exactly on the mean breaks the run); every point of the
   run is flagged;
3. a trend of 7 or more consecutive points each strictly higher (or each
   strictly lower) than the one before, i.e. 6 rises or falls in a row; a
   tie breaks the trend; every point of the trend is flagged;
4. 2 of 3 consecutive points strictly beyond the same 2-sigma line (but not
   beyond the limit, which is rule 1) while all three points lie on that
   side of the mean; the points beyond the 2-sigma line are flagged.

A flagged point's side is, in this order of precedence: the side of the
limit it breaks, the direction of its trend, the side of its 2-of-3 group,
the side of its run. With the metric's improvement direction that makes it
'improvement', 'concern' or (direction 'neutral') 'neutral'.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

PROCESS_LIMIT_FACTOR = 2.66
# NHSRplotthedots uses 2/3 × 2.66 = 1.7733; Making Data Count publishes 1.773.
TWO_SIGMA_FACTOR = 1.773
RUN_LENGTH = 7
TREND_LENGTH = 7
MIN_BASELINE_FOR_FIRM_LIMITS = 12
MIN_POINTS = 2

IMPROVEMENT_COLOUR = "#00b0f0"
CONCERN_COLOUR = "#e46c0a"
NEUTRAL_COLOUR = "#490092"
COMMON_CAUSE_COLOUR = "#a6a6a6"
TARGET_COLOUR = "#de1b1b"

VARIATION_COLOURS: dict[str, str] = {
    "improvement": IMPROVEMENT_COLOUR,
    "concern": CONCERN_COLOUR,
    "neutral": NEUTRAL_COLOUR,
    "common": COMMON_CAUSE_COLOUR,
}

SPC_COLUMNS: tuple[str, ...] = (
    "period",
    "value",
    "mean",
    "lower_limit",
    "upper_limit",
    "special_cause",
    "variation",
)
RULE_COLUMNS: tuple[str, ...] = ("outside_limits", "run", "trend", "two_of_three")

DIRECTION_SIGN: dict[str, int] = {"up": 1, "down": -1, "neutral": 0}

VARIATION_DESCRIPTIONS: dict[str, str] = {
    "common_cause": "Common cause variation: the latest point is within what this process usually produces.",
    "special_cause_improvement_high": (
        "Special cause variation, improvement: the latest point is part of an unusually high signal, "
        "and higher is better."
    ),
    "special_cause_improvement_low": (
        "Special cause variation, improvement: the latest point is part of an unusually low signal, "
        "and lower is better."
    ),
    "special_cause_concern_high": (
        "Special cause variation, concern: the latest point is part of an unusually high signal, "
        "and lower is better."
    ),
    "special_cause_concern_low": (
        "Special cause variation, concern: the latest point is part of an unusually low signal, "
        "and higher is better."
    ),
    "special_cause_neutral_high": (
        "Special cause variation: the latest point is part of an unusually high signal; "
        "neither direction is better for this measure."
    ),
    "special_cause_neutral_low": (
        "Special cause variation: the latest point is part of an unusually low signal; "
        "neither direction is better for this measure."
    ),
}

ASSURANCE_DESCRIPTIONS: dict[str, str] = {
    "consistently_pass": (
        "Consistently passes: the target lies beyond the process limits on the safe side, so the "
        "process will meet it month after month unless something changes."
    ),
    "consistently_fail": (
        "Consistently fails: the target lies beyond the process limits on the wrong side, so the "
        "process will not meet it unless the process itself changes."
    ),
    "hit_and_miss": (
        "Hit and miss: the target lies between the process limits, so the process will sometimes "
        "meet it and sometimes not, by chance alone."
    ),
}


@dataclass(frozen=True, kw_only=True, eq=False)
class SpcResult:
    """An XmR chart's numbers.

    ``table`` has exactly ``SPC_COLUMNS`` (the CSV download contract);
    ``rules`` has one boolean column per rule in ``RULE_COLUMNS``, row for
    row. All limits are in the unit of the values.
    """

    table: pd.DataFrame
    rules: pd.DataFrame
    direction: str
    mean: float
    mean_moving_range: float
    lower_limit: float
    upper_limit: float
    lower_two_sigma: float
    upper_two_sigma: float
    baseline_points: int
    trial_limits: bool
    variation_icon: str
    variation_description: str
    target: float | None
    assurance_icon: str | None
    assurance_description: str | None


def _validate(
    periods: Sequence[Any], values: Sequence[float], direction: str, baseline_points: int | None, target: Any
) -> tuple[np.ndarray, int]:
    if direction not in DIRECTION_SIGN:
        raise ValueError(f"direction must be one of {sorted(DIRECTION_SIGN)}, not {direction!r}")
    if len(periods) != len(values):
        raise ValueError(f"periods and values differ in length ({len(periods)} and {len(values)})")
    if len(values) < MIN_POINTS:
        raise ValueError(f"An SPC chart needs at least {MIN_POINTS} points; there are {len(values)}.")
    try:
        y = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise ValueError("every value must be a number") from None
    if not np.all(np.isfinite(y)):
        raise ValueError("every value must be a finite number; drop periods without data first")
    index = pd.Index(list(periods))
    try:
        ordered = index.is_monotonic_increasing
    except TypeError:
        ordered = False
    if not (ordered and index.is_unique):
        raise ValueError("periods must be unique and in increasing time order")
    if baseline_points is None:
        baseline = len(y)
    elif isinstance(baseline_points, bool) or not isinstance(baseline_points, numbers.Integral):
        raise ValueError(f"baseline_points must be a whole number, not {baseline_points!r}")
    elif not MIN_POINTS <= baseline_points <= len(y):
        raise ValueError(f"baseline_points must be between {MIN_POINTS} and {len(y)}, not {baseline_points}")
    else:
        baseline = int(baseline_points)
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, numbers.Real) or not math.isfinite(target)
    ):
        raise ValueError(f"target must be a finite number or None, not {target!r}")
    return y, baseline


def _runs(side: np.ndarray) -> np.ndarray:
    """Flag every point in a run of RUN_LENGTH or more on the same non-zero side."""
    flagged = np.zeros(len(side), dtype=bool)
    for end in range(RUN_LENGTH - 1, len(side)):
        window = side[end - RUN_LENGTH + 1 : end + 1]
        if window[0] != 0 and np.all(window == window[0]):
            flagged[end - RUN_LENGTH + 1 : end + 1] = True
    return flagged


def _trends(y: np.ndarray) -> np.ndarray:
    """Return +1/-1 for each point in a rising/falling trend of TREND_LENGTH or more points, else 0."""
    trend = np.zeros(len(y), dtype=int)
    steps = np.sign(np.diff(y))
    for end in range(TREND_LENGTH - 1, len(y)):
        window = steps[end - TREND_LENGTH + 1 : end]
        if window[0] != 0 and np.all(window == window[0]):
            # A point shared by a rising and a falling trend (a peak) takes the later one,
            # as NHSRplotthedots does.
            trend[end - TREND_LENGTH + 1 : end + 1] = window[0]
    return trend


def _two_of_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Flag points beyond a 2-sigma line in any 3 consecutive points with 2+ such, all on one side."""
    flagged = np.zeros(len(close), dtype=bool)
    for start in range(len(close) - 2):
        window = slice(start, start + 3)
        if close[window].sum() >= 2 and abs(side[window].sum()) == 3:
            flagged[window] |= close[window]
    return flagged


def _assurance(direction: str, target: float | None, lower: float, upper: float) -> str | None:
    if target is None or direction == "neutral":
        return None
    if target > upper:
        return "consistently_fail" if direction == "up" else "consistently_pass"
    if target < lower:
        return "consistently_pass" if direction == "up" else "consistently_fail"
    return "hit_and_miss"


def xmr(
    *,
    periods: Sequence[Any],
    values: Sequence[float],
    direction: str,
    baseline_points: int | None = None,
    target: float | None = None,
) -> SpcResult:
    """Return the XmR chart for ``values`` (one per period, in time order).

    ``direction`` is the metric's improvement direction ('up', 'down' or
    'neutral', as in ``domain.metrics``). ``baseline_points`` freezes the
    limits after the first that many points (default: all points).
    ``target``, in the unit of the values, adds an assurance icon unless
    the direction is neutral. Raises ValueError for fewer than 2 points,
    missing values, unordered periods or a bad argument; a caller shows
    that as an empty state.
    """
    y, baseline = _validate(periods, values, direction, baseline_points, target)
    base = y[:baseline]
    centre = float(base.mean())
    mean_moving_range = float(np.abs(np.diff(base)).mean())
    lower = centre - PROCESS_LIMIT_FACTOR * mean_moving_range
    upper = centre + PROCESS_LIMIT_FACTOR * mean_moving_range
    lower_two_sigma = centre - TWO_SIGMA_FACTOR * mean_moving_range
    upper_two_sigma = centre + TWO_SIGMA_FACTOR * mean_moving_range

    side = np.sign(y - centre).astype(int)
    outside = (y > upper) | (y < lower)
    close = ~outside & ((y > upper_two_sigma) | (y < lower_two_sigma))
    run = _runs(side)
    trend_direction = _trends(y)
    two_of_three = _two_of_three(close, side)

    signal_side = np.select(
        [outside, trend_direction != 0, two_of_three, run],
        [side, trend_direction, side, side],
        default=0,
    )
    special_cause = signal_side != 0
    sign = DIRECTION_SIGN[direction]
    if sign == 0:
        variation = np.where(special_cause, "neutral", "common")
    else:
        variation = np.select(
            [signal_side * sign > 0, signal_side * sign < 0], ["improvement", "concern"], default="common"
        )

    count = len(y)
    table = pd.DataFrame(
        {
            "period": list(periods),
            "value": y,
            "mean": np.full(count, centre),
            "lower_limit": np.full(count, lower),
            "upper_limit": np.full(count, upper),
            "special_cause": special_cause,
            "variation": pd.Series(variation, dtype=object).astype(str),
        },
        columns=list(SPC_COLUMNS),
    )
    rules = pd.DataFrame(
        {"outside_limits": outside, "run": run, "trend": trend_direction != 0, "two_of_three": two_of_three}
    )

    latest_side = int(signal_side[-1])
    if latest_side == 0:
        variation_icon = "common_cause"
    else:
        variation_icon = f"special_cause_{variation[-1]}_{'high' if latest_side > 0 else 'low'}"
    target_value = None if target is None else float(target)
    assurance_icon = _assurance(direction, target_value, lower, upper)
    return SpcResult(
        table=table,
        rules=rules,
        direction=direction,
        mean=centre,
        mean_moving_range=mean_moving_range,
        lower_limit=lower,
        upper_limit=upper,
        lower_two_sigma=lower_two_sigma,
        upper_two_sigma=upper_two_sigma,
        baseline_points=baseline,
        trial_limits=baseline < MIN_BASELINE_FOR_FIRM_LIMITS,
        variation_icon=variation_icon,
        variation_description=VARIATION_DESCRIPTIONS[variation_icon],
        target=target_value,
        assurance_icon=assurance_icon,
        assurance_description=None if assurance_icon is None else ASSURANCE_DESCRIPTIONS[assurance_icon],
    )
