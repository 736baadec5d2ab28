"""Is the members' rate really different from a benchmark group's? Two proportions, tested.

``compare_proportions`` compares events_a out of n_a (the members) with
events_b out of n_b (a national benchmark group) and says "higher",
"lower" or "cannot tell", two-sided at the 5% level:

* when every expected count of the 2×2 table (group × event or not, under
  the hypothesis that both groups share one rate) is at least 5, the
  pooled two-proportion z-test:  p = (x_a + x_b) / (n_a + n_b),
  z = (x_a/n_a − x_b/n_b) / √(p(1 − p)(1/n_a + 1/n_b)), p-value = erfc(|z|/√2);
  it is the same test as Pearson's chi-squared without continuity correction;
* when any expected count is below 5 (Cochran's rule), Fisher's exact
  test: x_a is hypergeometric given the margins, and the two-sided p-value
  adds up the probabilities of every table no more likely than the one
  observed (as R's ``fisher.test`` does).

Pure Python (``math.lgamma`` and ``math.erfc``); no Streamlit.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["higher", "lower", "cannot tell"]

Z_TEST = "two-proportion z-test"
FISHER_TEST = "Fisher's exact test"
DEFAULT_ALPHA = 0.05
MIN_EXPECTED = 5
# R's fisher.test counts a table as "no more likely" within this relative tolerance,
# so that tables equally likely to the observed one are not lost to rounding.
RELATIVE_TOLERANCE = 1e-7

COMPARISON_RULE = (
    f"Members' rate is called higher or lower than a benchmark group's only when a two-sided test at the "
    f"5% level says the difference is unlikely to be chance: Fisher's exact test when any expected count in "
    f"the 2×2 table is below {MIN_EXPECTED}, otherwise the pooled {Z_TEST}. Otherwise the data cannot tell "
    "them apart. Only the same measure and training year are compared. Members chose to take part (a "
    "self-selected group), so a difference is an association, not an effect of Soft Landing. National "
    "figures may include members; while members are a small share of a group, that barely changes the test."
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Comparison:
    """The result of comparing rate a (events_a / n_a) with rate b.

    ``method`` is ``Z_TEST`` or ``FISHER_TEST``; ``p_value`` is two-sided
    (0–1); ``verdict`` is "higher" or "lower" (rate a against rate b) when
    ``p_value`` is below ``alpha``, otherwise "cannot tell".
    """

    method: str
    p_value: float
    verdict: Verdict
    alpha: float


def compare_proportions(
    *, events_a: int, n_a: int, events_b: int, n_b: int, alpha: float = DEFAULT_ALPHA
) -> Comparison:
    """Return the two-sided test of rate a = events_a / n_a against rate b = events_b / n_b.

    Fisher's exact test is used when any expected count of the 2×2 table
    is below 5, the pooled two-proportion z-test otherwise (see the module
    docstring). Raises ValueError unless the counts are whole numbers with
    0 ≤ events ≤ n and n ≥ 1, and 0 < ``alpha`` < 1.
    """
    _check_counts(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number between 0 and 1, not {alpha!r}")
    if min(expected_counts(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)) < MIN_EXPECTED:
        method, p_value = FISHER_TEST, fisher_exact_p(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)
    else:
        method, p_value = Z_TEST, z_test_p(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)
    verdict: Verdict = "cannot tell"
    if p_value < alpha:
        verdict = "higher" if events_a * n_b > events_b * n_a else "lower"
    return Comparison(method=method, p_value=p_value, verdict=verdict, alpha=float(alpha))


def expected_counts(*, events_a: int, n_a: int, events_b: int, n_b: int) -> tuple[float, ...]:
    """Return the four expected counts of the 2×2 table if both groups had the pooled rate:
    events and non-events in group a, then in group b."""
    _check_counts(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)
    total = n_a + n_b
    events = events_a + events_b
    return (
        n_a * events / total,
        n_a * (total - events) / total,
        n_b * events / total,
        n_b * (total - events) / total,
    )


def z_test_p(*, events_a: int, n_a: int, events_b: int, n_b: int) -> float:
    """Return the two-sided p-value (0–1) of the pooled two-proportion z-test.

    1.0 when the pooled rate is 0 or 1 (both groups all events or all
    non-events), where the two rates are equal.
    """
    _check_counts(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)
    pooled = (events_a + events_b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        return 1.0
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (events_a / n_a - events_b / n_b) / standard_error
    return math.erfc(abs(z) / math.sqrt(2))


def fisher_exact_p(*, events_a: int, n_a: int, events_b: int, n_b: int) -> float:
    """Return the two-sided p-value (0–1) of Fisher's exact test for the 2×2 table.

    Given the margins, events_a is hypergeometric; the p-value is the total
    probability of the tables no more likely than the observed one.
    """
    _check_counts(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)
    events = events_a + events_b
    total = n_a + n_b
    low, high = max(0, n_a - (total - events)), min(events, n_a)

    def log_probability(x: int) -> float:
        return _log_choose(events, x) + _log_choose(total - events, n_a - x) - _log_choose(total, n_a)

    observed = log_probability(events_a)
    cutoff = observed + math.log1p(RELATIVE_TOLERANCE)
    p_value = math.fsum(
        math.exp(log_p) for log_p in map(log_probability, range(low, high + 1)) if log_p <= cutoff
    )
    return min(1.0, p_value)


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _check_counts(*, events_a: int, n_a: int, events_b: int, n_b: int) -> None:
    for name, value in (("events_a", events_a), ("n_a", n_a), ("events_b", events_b), ("n_b", n_b)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"{name} must be a whole number, not {value!r}")
    for events, n, group in ((events_a, n_a, "a"), (events_b, n_b, "b")):
        if n < 1 or not 0 <= events <= n:
            raise ValueError(f"group {group}: need 0 <= events <= n and n >= 1, got {events} of {n}")
