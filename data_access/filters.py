"""The one value every query takes: what the dashboard's global filters say."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Filters:
    """Codes selected in each global filter; an empty tuple means "all".

    ``date_from`` and ``date_to`` are inclusive and apply to the event date
    (for outcomes, the outcome date). Hashable, so it can key a cache.
    """

    regions: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __post_init__(self) -> None:
        # Sorted and de-duplicated so equal selections hash equally.
        for name in ("regions", "stages", "event_types"):
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))
