"""The Overview's views: the reach-over-time chart, the suppressed KPI
figures and the "key messages" paragraph written from them. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from data_access.filters import Filters
from domain.suppression import suppress_kpis
from views.reach import REACH_BY_MONTH

OVERVIEW_VIEWS = (REACH_BY_MONTH,)

Figures = Mapping[str, int | float | None]


def is_whole_organisation(filters: Filters) -> bool:
    """True when no region, stage or event-type filter narrows the figures,
    so they are organisation totals, exempt from suppression (any period)."""
    return not (filters.regions or filters.stages or filters.event_types)


def shown_kpis(
    figures: Figures, *, filters: Filters, min_cell: int | None
) -> tuple[dict[str, int | float | None], frozenset[str]]:
    """Return the KPI figures as they may be shown, and the ids hidden.

    Small numbers become None (see ``domain.suppression.suppress_kpis``)
    unless the figures are whole-organisation totals or ``min_cell`` is
    None (internal view)."""
    if min_cell is None:
        return dict(figures), frozenset()
    return suppress_kpis(figures, min_cell=min_cell, whole_organisation=is_whole_organisation(filters))


def regions_reached(by_region: pd.DataFrame, *, regions: pd.DataFrame) -> int:
    """Return how many training regions have at least one attendance, from
    the rows of ``reach.attendances_by_region`` and ``meta.region_options``."""
    training_regions = set(regions.loc[regions["is_training_region"], "code"])
    return int((by_region["region"].isin(training_regions) & (by_region["attendances"] > 0)).sum())


def key_messages(
    figures: Figures, hidden: frozenset[str], *, regions_reached: int, min_cell: int | None
) -> str:
    """Return the Overview's key messages as plain sentences, e.g. "3,132
    attendances by 712 IMG paediatricians from 18 training regions; 83% of
    1,020 feedback responses rated their event excellent."

    ``figures`` and ``hidden`` come from ``shown_kpis``; a hidden count reads
    "fewer than 5" and a hidden rate is left out, so nothing suppressed is
    written. ``regions_reached`` is the number of training regions with at
    least one attendance.
    """
    attendances = figures.get("attendances")
    if not attendances and "attendances" not in hidden:
        return "No attendances for these filters yet."
    people = _count(
        figures,
        hidden,
        "unique_participants",
        min_cell,
        singular="IMG paediatrician",
        plural="IMG paediatricians",
    )
    region_noun = "training region" if regions_reached == 1 else "training regions"
    sentence = (
        f"{_count(figures, hidden, 'attendances', min_cell, singular='attendance', plural='attendances')} "
        f"at {_count(figures, hidden, 'events', min_cell, singular='event', plural='events')} "
        f"by {people} from {regions_reached:,} {region_noun}"
    )
    returning = figures.get("returning_participants")
    if "returning_participants" in hidden:
        sentence += f"; fewer than {min_cell} came back for another event"
    elif returning:
        sentence += f"; {returning:,} came back for another event"
    messages = [sentence + "."]
    responses = figures.get("feedback_responses")
    excellent = figures.get("pct_excellent")
    if "pct_excellent" not in hidden and excellent is not None and responses:
        messages.append(
            f"{excellent:.0f}% of {responses:,} feedback "
            f"{'response' if responses == 1 else 'responses'} rated their event excellent."
        )
    elif "feedback_responses" in hidden or "pct_excellent" in hidden:
        messages.append(f"Too few feedback responses to report ratings (fewer than {min_cell}).")
    return " ".join(messages)


def _count(
    figures: Figures, hidden: frozenset[str], key: str, min_cell: int | None, *, singular: str, plural: str
) -> str:
    if key in hidden:
        return f"fewer than {min_cell} {plural}"
    value = int(figures.get(key) or 0)
    return f"{value:,} {singular if value == 1 else plural}"
