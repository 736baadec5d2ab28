"""Warm-up: the columnar snapshot and the default view of every page are
prepared before anyone asks for them.

``Warmer`` is a background thread started with the server (``server.py``).
It warms once at start, then reads the data version every ``POLL_SECONDS``
(one indexed row) and warms again whenever it, or the day, changes: after an
import, undo, clear-demo or restore made by any process or the command line,
and at midnight, when the default period moves on. Warming makes each page's
default-view calls through the same cached functions the pages call
(``ui.cache``), with the filters a new session starts with and the
configured suppression threshold, so that a first visitor's run is served
from the cache. One thread does all the warming, so it never runs twice at
once; a failure is logged and the thread tries again later. It holds nothing
itself: what it prepares lives in the bounded caches of ``ui.cache``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from data_access.config import min_cell as configured_min_cell
from data_access.filters import Filters
from data_access.kpis import compute_kpis
from data_access.queries import attainment, feedback, meta, reach, trends
from domain.periods import preset_range, previous_period
from ui.cache import cached_lookup, cached_query, cached_spc_view, cached_view, current_data_version
from ui.filters import DEFAULT_PRESET
from views.attainment import ENGAGEMENT_VIEWS, MWRES_REACH, OUTCOME_VIEWS_BY_CATEGORY
from views.coverage import REGION_COVERAGE, REGIONS_COVERED_BY_MONTH, period_end, reps_at_period_end
from views.feedback import FEEDBACK_VIEWS
from views.overview import OVERVIEW_VIEWS
from views.reach import EVENT_REACH_VIEWS
from views.spc import SPC_ATTENDANCES, SPC_EXCELLENT, outcome_spc_views

# Seconds between two reads of the data version: a change made elsewhere is
# warmed within this, usually before anyone opens a page after it.
POLL_SECONDS = 2.0
# Seconds to wait after a failed warm-up (e.g. the database is down) before trying again.
RETRY_SECONDS = 30.0
THREAD_NAME = "warm-up"
# The Streamlit logger that warns about calls outside a script run.
_SCRIPT_RUN_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"

log = logging.getLogger(__name__)


class _QuietWarmUpThread(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning for the warm-up
    thread only: it calls the cached functions outside any script run on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName == THREAD_NAME and "missing ScriptRunContext" in record.getMessage())


def default_filters(*, today: dt.date) -> Filters:
    """Return the filters a new session starts with on ``today``: the default
    period (the last 12 months) and nothing else selected."""
    date_from, date_to = preset_range(DEFAULT_PRESET, today=today)
    return Filters(date_from=date_from, date_to=date_to)


def default_view_calls(*, today: dt.date) -> list[Callable[[], object]]:
    """Return the cached calls that draw every page's default view on
    ``today``, each taking no arguments, in page order.

    They mirror the pages' own calls (same functions, filters, arguments
    and threshold): a page that starts asking for something else must be
    added here, or its first visitor waits for it.
    """
    filters = default_filters(today=today)
    cell = configured_min_cell()
    as_of = filters.date_to or today
    earlier_from, earlier_to = previous_period(filters.date_from, filters.date_to)
    earlier = dataclasses.replace(filters, date_from=earlier_from, date_to=earlier_to)
    coverage_day = period_end(filters, today=today)
    lookups = [meta.region_options, meta.stage_options, meta.event_type_options, meta.last_import_at,
               meta.demo_rows_present, meta.import_history, meta.mwres_indicator_options,
               attainment.benchmark_sources]
    views = [*OVERVIEW_VIEWS, *EVENT_REACH_VIEWS, *FEEDBACK_VIEWS,
             *(view for category in OUTCOME_VIEWS_BY_CATEGORY.values() for view in category),
             *ENGAGEMENT_VIEWS, MWRES_REACH]

    def outcome_spc_calls() -> None:
        for spc_view in outcome_spc_views(cached_lookup(trends.outcome_measures)):
            cached_spc_view(spc_view, filters=filters, min_cell=cell)

    return [
        # The page frame (its empty-period check too), and About the data.
        *(lambda lookup=lookup: cached_lookup(lookup) for lookup in lookups),
        lambda: cached_query(meta.data_dates, filters=filters),
        # The Overview's tiles (this period and the one before) and regions reached.
        lambda: cached_query(compute_kpis, filters=filters, as_of=as_of),
        lambda: cached_query(compute_kpis, filters=earlier, as_of=earlier.date_to),
        lambda: cached_query(reach.attendances_by_region, filters=filters),
        # Every page's charts.
        *(lambda view=view: cached_view(view, filters=filters, min_cell=cell) for view in views),
        lambda: cached_spc_view(SPC_ATTENDANCES, filters=filters, min_cell=cell),
        lambda: cached_spc_view(SPC_EXCELLENT, filters=filters, min_cell=cell),
        outcome_spc_calls,
        # Tables: events, comments, regional coverage and reps.
        lambda: cached_query(reach.events_table, filters=filters),
        lambda: cached_query(feedback.comments, filters=filters),
        lambda: cached_query(REGION_COVERAGE.query, filters=filters, as_of=coverage_day),
        lambda: cached_query(reps_at_period_end, filters=filters, as_of=coverage_day),
        lambda: cached_query(REGIONS_COVERED_BY_MONTH.query, filters=filters),
    ]


def warm_up(*, today: dt.date) -> int:
    """Prepare every page's default view for ``today`` and the current data
    version, and return how many cached calls that took."""
    calls = default_view_calls(today=today)
    for call in calls:
        call()
    return len(calls)


class Warmer:
    """The background thread that keeps the default views warm; see the module docstring."""

    def __init__(self, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)

    def start(self) -> None:
        """Start warming in the background and return at once."""
        logging.getLogger(_SCRIPT_RUN_CONTEXT_LOGGER).addFilter(_QuietWarmUpThread())
        self._thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait up to ``timeout`` seconds for a warm-up under way."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        warmed: tuple[int, dt.date] | None = None
        while not self._stopping.is_set():
            wait = self._poll_seconds
            try:
                today = dt.date.today()
                version = current_data_version()
                if (version, today) != warmed:
                    started = time.perf_counter()
                    count = warm_up(today=today)
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    log.info("warm-up: data version %d ready: %d views and queries in %.0f ms",
                             version, count, elapsed_ms)
                    warmed = (version, today)
            except Exception:
                # The pages still work cold; the server must not fall over for this.
                log.exception("warm-up failed; trying again in %.0f s", RETRY_SECONDS)
                wait = RETRY_SECONDS
            self._stopping.wait(wait)
