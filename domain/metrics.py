"""The metric registry: one definition per figure the dashboard shows.

Tiles, help text, the About page, SPC direction and exports all read these
entries, so a definition is written once. The twelve KPI ids are exactly the
keys of ``python -m data_access kpis --json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from domain.compare import COMPARISON_RULE

Unit = Literal["count", "fraction", "percent", "points", "rating", "regions"]
Direction = Literal["up", "down", "neutral"]
SuppressionKind = Literal["count", "rate", "none"]

UNITS: frozenset[str] = frozenset({"count", "fraction", "percent", "points", "rating", "regions"})
DIRECTIONS: frozenset[str] = frozenset({"up", "down", "neutral"})
SUPPRESSION_KINDS: frozenset[str] = frozenset({"count", "rate", "none"})

NO_VALUE = "–"

COUNTING_RULES = (
    "The date and event-type filters apply to the event's date and type. The region and stage "
    "filters apply to the region and stage recorded on the attendance or feedback row itself, "
    "not to the event's host region. While a region or stage filter is set, a feedback row "
    "without that field is not counted."
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Metric:
    """One figure: what it means, its unit, which way is better and how it is protected.

    ``direction`` says which way is an improvement ('neutral' when neither).
    ``suppression`` is 'count' for numbers of people or responses, 'rate' for
    figures derived from a denominator (hidden when ``denominator_id`` is
    small), and 'none' for figures about events or public volunteers.
    ``numerator_id`` names the count a rate is built from, where that count
    is itself a metric, so a rate is hidden whenever its numerator is.
    """

    id: str
    label: str
    definition: str
    unit: Unit
    direction: Direction
    suppression: SuppressionKind
    denominator_id: str | None = None
    numerator_id: str | None = None
    decimals: int = 0

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"metric {self.id!r}: unit {self.unit!r} is not one of {sorted(UNITS)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"metric {self.id!r}: direction {self.direction!r} is not one of {sorted(DIRECTIONS)}"
            )
        if self.suppression not in SUPPRESSION_KINDS:
            raise ValueError(
                f"metric {self.id!r}: suppression {self.suppression!r} "
                f"is not one of {sorted(SUPPRESSION_KINDS)}"
            )
        if self.suppression == "rate" and self.denominator_id is None:
            raise ValueError(f"metric {self.id!r}: a rate needs a denominator_id")

    def format(self, value: float | int | None) -> str:
        """Return ``value`` as display text in this metric's unit ("–" when there is none)."""
        return format_value(value, unit=self.unit, decimals=self.decimals)


def format_value(value: float | int | None, *, unit: str, decimals: int = 0) -> str:
    """Return ``value`` as display text in ``unit``, or "–" when it is None or NaN.

    Counts and regions get thousands separators; fractions (0–1) and
    percents (0–100) both display as a percentage such as "83%"; points (a
    difference of two percentages) as "-15 percentage points"; ratings as a
    plain number with ``decimals`` places.
    """
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not one of {sorted(UNITS)}")
    if value is None or pd.isna(value):
        return NO_VALUE
    if unit in ("count", "regions"):
        return f"{round(value):,}"
    if unit == "fraction":
        return f"{100 * value:.{decimals}f}%"
    if unit == "percent":
        return f"{value:.{decimals}f}%"
    if unit == "points":
        return f"{value:.{decimals}f} percentage points"
    return f"{value:.{decimals}f}"


ARCP_GROUPING = (
    "ARCP outcomes are grouped as unsatisfactory (2, 3, 4, 5, 7.2, 7.3, 7.4), satisfactory "
    "(1, 6, 7.1) and excluded (8, 9, 10.1, 10.2); excluded outcomes are left out of the denominator."
)

_ENTRIES: tuple[Metric, ...] = (
    Metric(
        id="events",
        label="Events",
        definition="Number of distinct events where at least one counted participant attended.",
        unit="count",
        direction="up",
        suppression="none",
    ),
    Metric(
        id="registrations",
        label="Registrations",
        definition="Number of counted attendance rows, whether or not the person attended.",
        unit="count",
        direction="up",
        suppression="count",
    ),
    Metric(
        id="attendances",
        label="Attendances",
        definition="Number of counted attendance rows where the person attended.",
        unit="count",
        direction="up",
        suppression="count",
    ),
    Metric(
        id="attendance_rate",
        label="Attendance rate",
        definition="Attendances divided by registrations, shown as a percentage.",
        unit="fraction",
        direction="up",
        suppression="rate",
        denominator_id="registrations",
        numerator_id="attendances",
        decimals=1,
    ),
    Metric(
        id="unique_participants",
        label="Unique participants",
        definition=(
            "Number of different participants among the counted attendances (rows where the person "
            "attended)."
        ),
        unit="count",
        direction="up",
        suppression="count",
    ),
    Metric(
        id="returning_participants",
        label="Returning participants",
        definition=(
            "Number of participants who attended two or more different events, counting only counted "
            "attendances."
        ),
        unit="count",
        direction="up",
        suppression="count",
    ),
    Metric(
        id="feedback_responses",
        label="Feedback responses",
        definition="Number of counted feedback responses.",
        unit="count",
        direction="up",
        suppression="count",
    ),
    Metric(
        id="pct_excellent",
        label="% excellent",
        definition=(
            "Feedback responses rated 5 (Excellent), as a percentage of all counted feedback responses."
        ),
        unit="percent",
        direction="up",
        suppression="rate",
        denominator_id="feedback_responses",
        decimals=1,
    ),
    Metric(
        id="mean_rating",
        label="Mean rating",
        definition="The average rating (1 = Poor to 5 = Excellent) of the counted feedback responses.",
        unit="rating",
        direction="up",
        suppression="rate",
        denominator_id="feedback_responses",
        decimals=2,
    ),
    Metric(
        id="regions_total",
        label="Regions selected",
        definition=(
            "How many of the 19 UK paediatric training regions the region filter selects "
            "(all 19 when no region is selected)."
        ),
        unit="regions",
        direction="neutral",
        suppression="none",
    ),
    Metric(
        id="regions_with_active_rep",
        label="Regions with an active rep",
        definition=(
            "Of the selected regions, how many have a rep whose start date is on or before the "
            "'as of' date and whose end date is empty or on or after it. The 'as of' date is the end "
            "of the date filter, or today."
        ),
        unit="regions",
        direction="up",
        suppression="none",
    ),
    Metric(
        id="rep_coverage_pct",
        label="Rep coverage",
        definition="Regions with an active rep as a percentage of the selected regions.",
        unit="percent",
        direction="up",
        suppression="none",
        denominator_id="regions_total",
        numerator_id="regions_with_active_rep",
        decimals=1,
    ),
    Metric(
        id="response_rate",
        label="Feedback response rate",
        definition="Counted feedback responses divided by attendances, shown as a percentage.",
        unit="fraction",
        direction="up",
        suppression="rate",
        denominator_id="attendances",
        numerator_id="feedback_responses",
        decimals=1,
    ),
    Metric(
        id="outcome_results",
        label="Results (n)",
        definition=(
            "Number of members' results recorded for an outcome measure in the period, not counting "
            "excluded ARCP outcomes. It is the n beside each outcome rate."
        ),
        unit="count",
        direction="neutral",
        suppression="count",
    ),
    Metric(
        id="exam_pass_rate",
        label="Exam pass rate",
        definition=(
            "Members' MRCPCH exam results that were a pass, as a percentage of all their results for "
            "that exam."
        ),
        unit="fraction",
        direction="up",
        suppression="rate",
        denominator_id="outcome_results",
        decimals=1,
    ),
    Metric(
        id="arcp_unsatisfactory_rate",
        label="ARCP unsatisfactory rate",
        definition=(
            "Members' ARCP outcomes that were unsatisfactory, as a percentage of their satisfactory and "
            "unsatisfactory outcomes. Lower is better. " + ARCP_GROUPING
        ),
        unit="fraction",
        direction="down",
        suppression="rate",
        denominator_id="outcome_results",
        decimals=1,
    ),
    Metric(
        id="recruitment_offer_rate",
        label="Recruitment offer rate",
        definition=(
            "Members' recruitment applications that led to an offer, as a percentage of all their "
            "recorded applications."
        ),
        unit="fraction",
        direction="up",
        suppression="rate",
        denominator_id="outcome_results",
        decimals=1,
    ),
    Metric(
        id="benchmark_gap",
        label="Gap to a benchmark group",
        definition=(
            "Members' outcome rate minus a national benchmark group's rate for the same measure and "
            "training year, in percentage points. " + COMPARISON_RULE
        ),
        unit="points",
        direction="neutral",
        suppression="rate",
        denominator_id="outcome_results",
    ),
    Metric(
        id="monthly_attendances",
        label="Attendances per month",
        definition=(
            "Attendances (counted attendance rows where the person attended) at events held in each "
            "calendar month."
        ),
        unit="count",
        direction="up",
        suppression="count",
    ),
    Metric(
        id="monthly_pct_excellent",
        label="% excellent per month",
        definition=(
            "For events held in each calendar month, feedback responses rated 5 (Excellent) as a percentage "
            "of that month's counted feedback responses."
        ),
        unit="percent",
        direction="up",
        suppression="rate",
        denominator_id="feedback_responses",
        decimals=1,
    ),
)

METRICS: dict[str, Metric] = {entry.id: entry for entry in _ENTRIES}

KPI_IDS: tuple[str, ...] = (
    "events",
    "registrations",
    "attendances",
    "attendance_rate",
    "unique_participants",
    "returning_participants",
    "feedback_responses",
    "pct_excellent",
    "mean_rating",
    "regions_total",
    "regions_with_active_rep",
    "rep_coverage_pct",
)


def metric(metric_id: str) -> Metric:
    """Return the registered metric ``metric_id``; KeyError naming the known ids if there is none."""
    try:
        return METRICS[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric {metric_id!r}; known metrics: {', '.join(sorted(METRICS))}") from None
