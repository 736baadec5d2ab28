"""Date presets for the global filter, the previous period for tile deltas,
and the window of months an empty period offers instead.

The dashboard's training year runs from 1 August to 31 July. (The GMC
starts its training year on the first Wednesday in August; outcome queries
apply that rule themselves.) All ranges are inclusive on both ends.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TRAINING_YEAR_START_MONTH = 8

PRESETS: dict[str, str] = {
    "last_12_months": "Last 12 months",
    "this_training_year": "This training year (August to date)",
    "last_training_year": "Last training year (August to July)",
    "all_time": "All time",
}


def _validate_date(name: str, value: object) -> dt.date:
    # datetime is a subclass of date, but a time of day would shift ranges silently.
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{name} must be a date, not {value!r}")
    return value


def training_year_start(day: dt.date) -> dt.date:
    """Return 1 August of the training year that contains ``day``."""
    day = _validate_date("day", day)
    year = day.year if day.month >= TRAINING_YEAR_START_MONTH else day.year - 1
    return dt.date(year, TRAINING_YEAR_START_MONTH, 1)


def _one_year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        # 29 February has no twin in the year before; 28 February is the same day a year back.
        return day.replace(year=day.year - 1, day=28)


def preset_range(preset: str, *, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Return the inclusive (from, to) dates of ``preset`` as seen on ``today``.

    * 'last_12_months': the year ending today, e.g. 27 Nov 2025 to 26 Nov 2026;
    * 'this_training_year': 1 August of the current training year to today;
    * 'last_training_year': the whole previous training year, 1 August to 31 July;
    * 'all_time': (None, None), meaning no date filter.

    Raises ValueError for an unknown preset or a ``today`` that is not a date.
    """
    today = _validate_date("today", today)
    if preset == "last_12_months":
        return _one_year_earlier(today) + dt.timedelta(days=1), today
    if preset == "this_training_year":
        return training_year_start(today), today
    if preset == "last_training_year":
        start = training_year_start(today)
        return start.replace(year=start.year - 1), start - dt.timedelta(days=1)
    if preset == "all_time":
        return None, None
    raise ValueError(f"unknown date preset {preset!r}; choose one of {', '.join(PRESETS)}")


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """Return the inclusive (from, to) period as many days long, ending the day before ``date_from``.

    Raises ValueError unless both are dates and ``date_from`` ≤ ``date_to``;
    an open-ended range (all time) has no previous period.
    """
    date_from = _validate_date("date_from", date_from)
    date_to = _validate_date("date_to", date_to)
    if date_from > date_to:
        raise ValueError(f"date_from {date_from} is after date_to {date_to}")
    length = date_to - date_from
    previous_to = date_from - dt.timedelta(days=1)
    return previous_to - length, previous_to


def months_ending_in(*, day: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """Return the inclusive (from, to) dates of the ``months`` whole calendar
    months that end with the month holding ``day``: from the 1st of the first
    month to the last day of ``day``'s month, e.g. 14 Mar 2025 gives
    1 Apr 2024 to 31 Mar 2025.

    Raises ValueError for a ``day`` that is not a date or ``months`` that is
    not a whole number of at least 1.
    """
    day = _validate_date("day", day)
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"months must be a whole number of at least 1, not {months!r}")
    # Months counted from year 0 make the step back across years plain arithmetic.
    first_month = day.year * 12 + day.month - 1 - (months - 1)
    start = dt.date(first_month // 12, first_month % 12 + 1, 1)
    next_month = day.year * 12 + day.month
    end = dt.date(next_month // 12, next_month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def last_months_with_data(*, latest: dt.date, today: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """Return the inclusive (from, to) dates of the ``months`` calendar months
    ending with the month of ``latest`` (the latest record date), as
    ``months_ending_in`` does, except that a month still running ends today
    rather than in the future: the end is never after ``today`` unless
    ``latest`` itself is, and then it is ``latest``. E.g. latest 14 Mar 2025
    gives 1 Apr 2024 to 31 Mar 2025; latest 2 Dec 2026 seen on 7 Dec 2026
    gives 1 Jan 2026 to 7 Dec 2026.

    Raises ValueError as ``months_ending_in`` does, or for a ``today`` that is not a date.
    """
    today = _validate_date("today", today)
    start, month_end = months_ending_in(day=latest, months=months)
    return start, min(month_end, max(today, latest))


UK_TIME = ZoneInfo("Europe/London")


def uk_time_text(moment: dt.datetime) -> str:
    """Return ``moment`` in UK local time, e.g. "26 Nov 2026, 09:41 GMT" (a
    naive value is taken as UTC), the one format for every "data as of"."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    local = aware.astimezone(UK_TIME)
    return f"{local:%-d %b %Y, %H:%M} {local.tzname()}"
