"""What the page frame says when the selected period holds no records, and the
months it offers instead. Pure functions.

Records are attendances, feedback and counted outcomes (see
``data_access.queries.meta.data_dates``). The offer is the last 12 calendar
months that hold records matching the other filters (region, stage, event
type): they end with the month of the latest such record (cut at today when
that month is still running), so the offered period always shows data for the
selection the reader made, not just for the database as a whole. When
nothing was ever imported the frame's "data as of" line already says so, and
no second message is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data_access.filters import Filters
from domain.periods import last_months_with_data
from views.filter_text import date_range_text

# How many whole months the offered period spans.
OFFER_MONTHS = 12

NOTHING_MATCHES = (
    "**No records match these filters at any date.** Clear a region, training stage or event type "
    "in the sidebar to see data."
)
NOTHING_STORED = (
    "**No attendance, feedback or outcome records are stored.** An admin imports them on the Data page."
)


@dataclass(frozen=True, kw_only=True, slots=True)
class EmptyPeriodNotice:
    """The frame's explanation of an empty period.

    ``text`` is Markdown. ``offer`` is the inclusive (from, to) dates of the
    last 12 months holding records that match the other filters, with
    ``offer_label`` for its button; both are None when no record matches.
    """

    text: str
    offer: tuple[dt.date, dt.date] | None = None
    offer_label: str | None = None


def empty_period_notice(
    *,
    filters: Filters,
    in_period: bool,
    earliest: dt.date | None,
    latest: dt.date | None,
    any_data: bool,
    imported: bool,
    today: dt.date,
) -> EmptyPeriodNotice | None:
    """Return what to say about the period of ``filters``, or None when there
    is nothing to say (the period holds records, or nothing was ever
    ``imported``).

    ``in_period``, ``earliest``, ``latest`` and ``any_data`` are the row of
    ``meta.data_dates`` for ``filters``: whether a record falls in the
    period, the first and last record dates matching the other filters, and
    whether any record is stored at all. The offer ends no later than
    ``today`` unless a record is dated after it.
    """
    if in_period:
        return None
    if latest is None or earliest is None:
        if any_data:
            return EmptyPeriodNotice(text=NOTHING_MATCHES)
        return EmptyPeriodNotice(text=NOTHING_STORED) if imported else None
    period = date_range_text(filters.date_from, filters.date_to)
    headline = f"**Nothing recorded in this period ({period}) for these filters.**"
    older = filters.date_from is not None and earliest < filters.date_from
    newer = filters.date_to is not None and latest > filters.date_to
    if older and newer:
        where = (
            f"There are records before and after it, from {_day(earliest)} to {_day(latest)}: "
            "the period falls in a gap."
        )
    elif newer:
        where = f"The matching records start after it, on {_day(earliest)}, and run to {_day(latest)}."
    else:
        where = f"The latest matching record is from {_day(latest)}: newer data may not be imported yet."
    offer = last_months_with_data(latest=latest, today=today, months=OFFER_MONTHS)
    label = f"Show the last {OFFER_MONTHS} months with data ({date_range_text(*offer)})"
    return EmptyPeriodNotice(text=f"{headline} {where}", offer=offer, offer_label=label)


def _day(day: dt.date) -> str:
    return f"{day:%-d %b %Y}"
