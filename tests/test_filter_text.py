"""The period label of a set of filters, as the meeting pack states it."""

from __future__ import annotations

import datetime as dt

from data_access.filters import Filters
from views.filter_text import period_label

TODAY = dt.date(2026, 12, 2)


def test_dates_of_a_preset_are_named_after_it():
    """Filters whose dates are exactly the last 12 months, seen today, are "Last 12 months"."""
    filters = Filters(date_from=dt.date(2025, 12, 3), date_to=TODAY)
    assert period_label(filters, today=TODAY) == "Last 12 months"


def test_no_dates_are_all_time():
    """Filters without dates are "All time"."""
    assert period_label(Filters(), today=TODAY) == "All time"


def test_other_dates_are_custom():
    """Dates matching no preset, or a preset seen on another day, are "Custom dates"."""
    filters = Filters(date_from=dt.date(2025, 12, 3), date_to=TODAY)
    assert period_label(filters, today=TODAY + dt.timedelta(days=1)) == "Custom dates"
    assert period_label(Filters(date_from=dt.date(2025, 1, 1)), today=TODAY) == "Custom dates"
