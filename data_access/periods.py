"""GMC training years: pure date arithmetic, no database.

The GMC's progression reports run the training year from the first Wednesday
in August (shared/domain.md), so a year is named by the calendar year in which
it starts: training year 2024 runs from Wednesday 7 August 2024 to Tuesday
5 August 2025 and is labelled "2024/25".
"""

from __future__ import annotations

import datetime as dt

WEDNESDAY = 2  # date.weekday() numbering: Monday is 0


def training_year_start(year: int) -> dt.date:
    """Return the first day of training year ``year``: the first Wednesday in August."""
    first_of_august = dt.date(year, 8, 1)
    return first_of_august + dt.timedelta(days=(WEDNESDAY - first_of_august.weekday()) % 7)


def training_year_of(day: dt.date) -> int:
    """Return the training year containing ``day``, as the calendar year it starts in."""
    if day >= training_year_start(day.year):
        return day.year
    return day.year - 1


def training_year_label(year: int) -> str:
    """Return the label of training year ``year``, e.g. ``"2024/25"`` for 2024."""
    return f"{year}/{(year + 1) % 100:02d}"
