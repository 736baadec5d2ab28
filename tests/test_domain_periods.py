"""Dashboard date presets (domain.periods) for the global filter, and the previous period for tile deltas."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.periods import (
    PRESETS,
    last_months_with_data,
    months_ending_in,
    preset_range,
    previous_period,
    training_year_start,
)

D = dt.date


def test_presets_are_the_four_filter_choices():
    """The filter offers last 12 months, this and last training year, and all time."""
    assert list(PRESETS) == ["last_12_months", "this_training_year", "last_training_year", "all_time"]


def test_last_12_months_is_the_year_ending_today():
    """26 Nov 2026 gives 27 Nov 2025 to 26 Nov 2026."""
    assert preset_range("last_12_months", today=D(2026, 11, 26)) == (D(2025, 11, 27), D(2026, 11, 26))


def test_last_12_months_from_a_leap_day():
    """On 29 Feb 2024 the year back starts on 1 Mar 2023."""
    assert preset_range("last_12_months", today=D(2024, 2, 29)) == (D(2023, 3, 1), D(2024, 2, 29))


def test_last_12_months_reaching_back_over_a_leap_day():
    """On 28 Feb 2025 the year back starts on 29 Feb 2024."""
    assert preset_range("last_12_months", today=D(2025, 2, 28)) == (D(2024, 2, 29), D(2025, 2, 28))


def test_this_training_year_on_31_july():
    """31 July is the last day of the training year that began the August before."""
    assert preset_range("this_training_year", today=D(2025, 7, 31)) == (D(2024, 8, 1), D(2025, 7, 31))


def test_this_training_year_on_1_august():
    """1 August starts a new training year of one day so far."""
    assert preset_range("this_training_year", today=D(2025, 8, 1)) == (D(2025, 8, 1), D(2025, 8, 1))


def test_last_training_year_on_1_august():
    """On 1 Aug 2025 the last training year is 1 Aug 2024 to 31 Jul 2025."""
    assert preset_range("last_training_year", today=D(2025, 8, 1)) == (D(2024, 8, 1), D(2025, 7, 31))


def test_last_training_year_on_31_july():
    """On 31 Jul 2025 the last training year is 1 Aug 2023 to 31 Jul 2024."""
    assert preset_range("last_training_year", today=D(2025, 7, 31)) == (D(2023, 8, 1), D(2024, 7, 31))


def test_all_time_is_open_ended():
    """All time has no bounds."""
    assert preset_range("all_time", today=D(2026, 1, 1)) == (None, None)


def test_unknown_preset_is_a_clear_error():
    """An unknown preset raises ValueError listing the valid ones."""
    with pytest.raises(ValueError, match="choose one of last_12_months"):
        preset_range("last_year", today=D(2026, 1, 1))


def test_today_must_be_a_date():
    """A datetime or string for today is refused."""
    with pytest.raises(ValueError, match="today must be a date"):
        preset_range("all_time", today=dt.datetime(2026, 1, 1, 9, 0))
    with pytest.raises(ValueError, match="today must be a date"):
        preset_range("all_time", today="2026-01-01")


def test_training_year_start():
    """July belongs to the training year that began the previous August."""
    assert training_year_start(D(2026, 7, 31)) == D(2025, 8, 1)
    assert training_year_start(D(2026, 8, 1)) == D(2026, 8, 1)


def test_previous_period_has_equal_length_and_ends_the_day_before():
    """1 Aug to 26 Nov 2025 (118 days) follows 5 Apr to 31 Jul 2025 (118 days)."""
    start, end = previous_period(D(2025, 8, 1), D(2025, 11, 26))
    assert (start, end) == (D(2025, 4, 5), D(2025, 7, 31))
    assert (end - start) == (D(2025, 11, 26) - D(2025, 8, 1))


def test_previous_period_across_a_leap_day():
    """March 2024 (31 days) follows 30 Jan to 29 Feb 2024 (31 days)."""
    assert previous_period(D(2024, 3, 1), D(2024, 3, 31)) == (D(2024, 1, 30), D(2024, 2, 29))


def test_previous_period_counts_days_not_calendar_years():
    """A 365-day year is preceded by the 365 days before it: from 2 Aug when 29 Feb falls inside."""
    assert previous_period(D(2024, 8, 1), D(2025, 7, 31)) == (D(2023, 8, 2), D(2024, 7, 31))


def test_previous_period_of_one_day():
    """A single day is preceded by the day before."""
    assert previous_period(D(2025, 8, 1), D(2025, 8, 1)) == (D(2025, 7, 31), D(2025, 7, 31))


def test_previous_period_refuses_reversed_range():
    """from after to is a clear error."""
    with pytest.raises(ValueError, match="is after"):
        previous_period(D(2025, 8, 2), D(2025, 8, 1))


def test_previous_period_refuses_open_range():
    """All time (None) has no previous period."""
    with pytest.raises(ValueError, match="date_from must be a date"):
        previous_period(None, D(2025, 8, 1))


def test_months_ending_in_march_start_the_april_before():
    """14 Mar 2025 gives the twelve months 1 Apr 2024 to 31 Mar 2025."""
    assert months_ending_in(day=D(2025, 3, 14)) == (D(2024, 4, 1), D(2025, 3, 31))


def test_months_ending_in_december_are_the_calendar_year():
    """Any day of December 2025 gives 1 Jan 2025 to 31 Dec 2025."""
    assert months_ending_in(day=D(2025, 12, 31)) == (D(2025, 1, 1), D(2025, 12, 31))


def test_months_ending_in_january_start_the_february_before():
    """1 Jan 2026 gives 1 Feb 2025 to 31 Jan 2026."""
    assert months_ending_in(day=D(2026, 1, 1)) == (D(2025, 2, 1), D(2026, 1, 31))


def test_months_ending_in_a_leap_february_end_on_the_29th():
    """Any day of February 2024 gives 1 Mar 2023 to 29 Feb 2024."""
    assert months_ending_in(day=D(2024, 2, 3)) == (D(2023, 3, 1), D(2024, 2, 29))


def test_months_ending_in_a_common_february_end_on_the_28th():
    """28 Feb 2025 gives 1 Mar 2024 to 28 Feb 2025, taking in the leap day."""
    assert months_ending_in(day=D(2025, 2, 28)) == (D(2024, 3, 1), D(2025, 2, 28))


def test_months_ending_in_a_30_day_month_end_on_the_30th():
    """30 Apr 2026 gives 1 May 2025 to 30 Apr 2026."""
    assert months_ending_in(day=D(2026, 4, 30)) == (D(2025, 5, 1), D(2026, 4, 30))


def test_one_month_ending_in_a_day_is_that_month():
    """One month ending in 17 Sep 2025 is 1 to 30 Sep 2025."""
    assert months_ending_in(day=D(2025, 9, 17), months=1) == (D(2025, 9, 1), D(2025, 9, 30))


def test_twenty_five_months_reach_back_over_two_years():
    """Twenty-five months ending in Feb 2024 start in Feb 2022."""
    assert months_ending_in(day=D(2024, 2, 10), months=25) == (D(2022, 2, 1), D(2024, 2, 29))


@pytest.mark.parametrize("months", [0, -1, 1.5, True])
def test_months_ending_in_refuses_a_bad_month_count(months):
    """A month count that is not a whole number of at least 1 is refused."""
    with pytest.raises(ValueError, match="months"):
        months_ending_in(day=D(2025, 3, 14), months=months)


def test_months_ending_in_refuses_a_datetime():
    """A time of day is refused rather than dropped."""
    with pytest.raises(ValueError, match="day"):
        months_ending_in(day=dt.datetime(2025, 3, 14, 9, 0))


def test_last_months_with_data_in_a_past_month_are_whole_months():
    """Latest record 14 Mar 2025, seen on 7 Dec 2026: 1 Apr 2024 to 31 Mar 2025."""
    window = last_months_with_data(latest=D(2025, 3, 14), today=D(2026, 12, 7))
    assert window == (D(2024, 4, 1), D(2025, 3, 31))


def test_last_months_with_data_in_the_running_month_end_today():
    """Latest record 2 Dec 2026, seen on 7 Dec 2026: 1 Jan 2026 to 7 Dec 2026."""
    window = last_months_with_data(latest=D(2026, 12, 2), today=D(2026, 12, 7))
    assert window == (D(2026, 1, 1), D(2026, 12, 7))


def test_last_months_with_data_after_today_end_at_the_latest_record():
    """Latest record 20 Dec 2026, seen on 7 Dec 2026: the period reaches that record, 1 Jan to 20 Dec 2026."""
    window = last_months_with_data(latest=D(2026, 12, 20), today=D(2026, 12, 7))
    assert window == (D(2026, 1, 1), D(2026, 12, 20))


def test_last_months_with_data_refuses_a_datetime_today():
    """A time of day for today is refused."""
    with pytest.raises(ValueError, match="today"):
        last_months_with_data(latest=D(2025, 3, 14), today=dt.datetime(2026, 12, 7, 9, 0))
