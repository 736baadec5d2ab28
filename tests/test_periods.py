"""GMC training years start on the first Wednesday in August."""

import datetime as dt

from data_access.periods import training_year_label, training_year_of, training_year_start


def test_training_year_start_is_first_wednesday_in_august():
    """The start is the first Wednesday in August, including when 1 August is itself a Wednesday."""
    assert training_year_start(2024) == dt.date(2024, 8, 7)
    assert training_year_start(2025) == dt.date(2025, 8, 6)
    assert training_year_start(2018) == dt.date(2018, 8, 1)
    assert training_year_start(2023) == dt.date(2023, 8, 2)


def test_training_year_start_is_always_a_wednesday_in_the_first_week():
    """Across many years the start is a Wednesday between 1 and 7 August."""
    for year in range(1990, 2060):
        start = training_year_start(year)
        assert start.weekday() == 2
        assert (start.month, 1 <= start.day <= 7) == (8, True)


def test_training_year_of_changes_on_the_first_wednesday():
    """The day before the first Wednesday belongs to the previous training year; that Wednesday starts the new one."""
    assert training_year_of(dt.date(2024, 8, 6)) == 2023
    assert training_year_of(dt.date(2024, 8, 7)) == 2024
    assert training_year_of(dt.date(2025, 8, 5)) == 2024
    assert training_year_of(dt.date(2025, 8, 6)) == 2025


def test_training_year_of_early_august_and_january():
    """1 August before the Wednesday is in the previous year; January is in the year that began last August."""
    assert training_year_of(dt.date(2024, 8, 1)) == 2023
    assert training_year_of(dt.date(2018, 8, 1)) == 2018
    assert training_year_of(dt.date(2025, 1, 15)) == 2024


def test_training_year_label_names_both_calendar_years():
    """A training year is labelled by its start year and the two-digit next year."""
    assert training_year_label(2024) == "2024/25"
    assert training_year_label(1999) == "1999/00"
