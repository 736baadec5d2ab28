"""views.empty_period: what the frame says about a period without records, and what it offers."""

from __future__ import annotations

import datetime as dt

from data_access.filters import Filters
from views.empty_period import NOTHING_MATCHES, NOTHING_STORED, empty_period_notice

D = dt.date
THIS_YEAR = Filters(date_from=D(2025, 12, 1), date_to=D(2026, 11, 30))
TODAY = D(2027, 6, 15)


def notice_for(filters=THIS_YEAR, *, in_period=False, earliest=None, latest=None, any_data=True,
               imported=True):
    """Return the notice for one data_dates row."""
    return empty_period_notice(
        filters=filters, in_period=in_period, earliest=earliest, latest=latest, any_data=any_data,
        imported=imported, today=TODAY,
    )


def test_period_with_records_needs_no_notice():
    """A period that holds records gets no notice."""
    assert notice_for(in_period=True, earliest=D(2025, 1, 1), latest=D(2026, 1, 1)) is None


def test_older_records_are_named_and_their_last_12_months_offered():
    """Records only before the period: the notice names the latest and offers the 12 months to its month."""
    notice = notice_for(earliest=D(2023, 10, 2), latest=D(2025, 3, 14))
    assert "Nothing recorded in this period (1 Dec 2025 – 30 Nov 2026)" in notice.text
    assert "The latest matching record is from 14 Mar 2025" in notice.text
    assert notice.offer == (D(2024, 4, 1), D(2025, 3, 31))
    assert notice.offer_label == "Show the last 12 months with data (1 Apr 2024 – 31 Mar 2025)"


def test_newer_records_are_said_to_start_after_the_period():
    """Records only after the period: the notice says they start after it and offers their last 12 months."""
    notice = notice_for(earliest=D(2027, 1, 20), latest=D(2027, 5, 2))
    assert "The matching records start after it, on 20 Jan 2027, and run to 2 May 2027" in notice.text
    assert notice.offer == (D(2026, 6, 1), D(2027, 5, 31))


def test_period_in_a_gap_says_records_lie_either_side():
    """Records before and after an empty period: the notice says the period falls in a gap."""
    notice = notice_for(earliest=D(2024, 9, 10), latest=D(2027, 2, 1))
    assert "before and after it, from 10 Sep 2024 to 1 Feb 2027" in notice.text
    assert notice.offer == (D(2026, 3, 1), D(2027, 2, 28))


def test_open_ended_period_with_older_records():
    """A period "from" a date with records only before it names the latest record."""
    notice = notice_for(Filters(date_from=D(2026, 1, 1)), earliest=D(2025, 2, 1), latest=D(2025, 8, 31))
    assert "(from 1 Jan 2026)" in notice.text and "from 31 Aug 2025" in notice.text
    assert notice.offer == (D(2024, 9, 1), D(2025, 8, 31))


def test_filters_matching_nothing_say_so_without_an_offer():
    """Records exist but none match the other filters: the notice says clear a filter and offers no period."""
    notice = notice_for(any_data=True)
    assert (notice.text, notice.offer, notice.offer_label) == (NOTHING_MATCHES, None, None)


def test_imports_without_records_say_nothing_is_stored():
    """Imports were made but no record is stored: the notice says so, with no offer."""
    notice = notice_for(any_data=False, imported=True)
    assert (notice.text, notice.offer) == (NOTHING_STORED, None)


def test_nothing_ever_imported_leaves_it_to_the_data_as_of_line():
    """With nothing ever imported the "data as of" line already says so: no second message."""
    assert notice_for(any_data=False, imported=False) is None


def test_offer_ending_in_the_running_month_stops_today():
    """Records up to the current month: the offered period ends today, not at the month's end."""
    notice = notice_for(earliest=D(2027, 1, 20), latest=D(2027, 6, 2))
    assert notice.offer == (D(2026, 7, 1), TODAY)
