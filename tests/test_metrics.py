"""The metric registry: one definition per figure, shared by tiles, help text and exports."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import pytest

from domain.metrics import KPI_IDS, METRICS, Metric, format_value, metric

KPI_KEYS = [
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
]


def test_registry_has_exactly_the_kpi_keys_in_order():
    """KPI_IDS lists the twelve keys of `kpis --json`, each registered."""
    assert list(KPI_IDS) == KPI_KEYS
    assert set(KPI_KEYS) <= set(METRICS)


def test_registry_has_rates_and_monthly_series():
    """Response rate, the outcome rates and the monthly SPC series are registered."""
    for metric_id in (
        "response_rate",
        "exam_pass_rate",
        "arcp_unsatisfactory_rate",
        "recruitment_offer_rate",
        "monthly_attendances",
        "monthly_pct_excellent",
    ):
        assert metric_id in METRICS


def test_registry_keys_match_metric_ids():
    """Each entry is filed under its own id."""
    assert all(key == entry.id for key, entry in METRICS.items())


def test_denominators_and_numerators_are_registered():
    """Every denominator_id and numerator_id names another registered metric."""
    for entry in METRICS.values():
        for linked in (entry.denominator_id, entry.numerator_id):
            assert linked is None or linked in METRICS, (entry.id, linked)


def test_every_metric_has_label_and_definition():
    """No metric reaches a tile without a label and a sentence of definition."""
    for entry in METRICS.values():
        assert entry.label.strip() and entry.definition.strip().endswith(".")


def test_unknown_metric_raises_helpful_key_error():
    """An unknown id raises KeyError that names the known ids."""
    with pytest.raises(KeyError, match="known metrics: .*attendances"):
        metric("attendence")


def test_arcp_unsatisfactory_rate_improves_downwards_and_states_grouping():
    """Lower ARCP unsatisfactory rates are better and the Gold Guide grouping is spelled out."""
    entry = metric("arcp_unsatisfactory_rate")
    assert entry.direction == "down"
    assert "2, 3, 4, 5, 7.2, 7.3, 7.4" in entry.definition
    assert "1, 6, 7.1" in entry.definition
    assert "8, 9, 10.1, 10.2" in entry.definition


def test_pass_and_offer_rates_improve_upwards():
    """Exam pass and recruitment offer rates are better when higher."""
    assert metric("exam_pass_rate").direction == "up"
    assert metric("recruitment_offer_rate").direction == "up"


def test_rates_have_rate_suppression_and_people_counts_have_count_suppression():
    """Suppression kinds follow what the figure counts."""
    assert metric("attendances").suppression == "count"
    assert metric("attendance_rate").suppression == "rate"
    assert metric("attendance_rate").denominator_id == "registrations"
    assert metric("pct_excellent").denominator_id == "feedback_responses"
    assert metric("response_rate").denominator_id == "attendances"
    assert metric("regions_with_active_rep").suppression == "none"


def test_count_format_uses_thousands_separator():
    """Counts display as whole numbers with commas."""
    assert metric("attendances").format(3132) == "3,132"


def test_fraction_format_shows_percentage():
    """A fraction such as the attendance rate displays as a percentage with one decimal, as the CLI does."""
    assert metric("attendance_rate").format(0.834) == "83.4%"


def test_percent_format_shows_percentage():
    """A percent such as % excellent is already 0-100."""
    assert metric("pct_excellent").format(83.44) == "83.4%"


def test_points_format_names_percentage_points():
    """A gap between two rates reads in percentage points, not as a percentage."""
    assert metric("benchmark_gap").format(-15.2) == "-15 percentage points"


def test_benchmark_gap_names_the_test_and_the_caveat():
    """The one definition of a members-against-benchmark comparison names both tests and self-selection."""
    definition = metric("benchmark_gap").definition
    assert "Fisher's exact test" in definition and "two-proportion z-test" in definition
    assert "self-selected" in definition and "not an effect of Soft Landing" in definition


def test_rating_format_has_two_decimals():
    """Mean rating shows two decimals."""
    assert metric("mean_rating").format(4.714) == "4.71"


def test_missing_value_formats_as_dash():
    """None and NaN both display as a dash, never 'nan'."""
    assert metric("pct_excellent").format(None) == "–"
    assert metric("pct_excellent").format(math.nan) == "–"


def test_format_value_rejects_unknown_unit():
    """An unknown unit is a clear error."""
    with pytest.raises(ValueError, match="unit 'stone'"):
        format_value(1, unit="stone")


def test_metric_rejects_unknown_direction():
    """A metric cannot be declared with a direction SPC cannot use."""
    with pytest.raises(ValueError, match="direction 'sideways'"):
        Metric(id="x", label="X", definition="X.", unit="count", direction="sideways", suppression="count")


def test_rate_metric_needs_denominator():
    """A rate without a denominator could never be suppressed, so it is refused."""
    with pytest.raises(ValueError, match="needs a denominator_id"):
        Metric(id="x", label="X", definition="X.", unit="fraction", direction="up", suppression="rate")


def test_metric_is_immutable():
    """Registry entries cannot be changed at run time."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        metric("events").label = "Changed"


def test_domain_package_imports_no_streamlit_plotly_or_sqlalchemy():
    """Importing every domain module pulls in no UI or database library."""
    code = (
        "import sys\n"
        "import domain.metrics, domain.suppression, domain.intervals\n"
        "import domain.spc, domain.periods, domain.themes, domain.compare\n"
        "print(sorted(m for m in ('streamlit', 'plotly', 'sqlalchemy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    assert result.stdout.strip() == "[]"
