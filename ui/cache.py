"""The one place that caches: the database engine, and query results keyed
by the query, its filters, its arguments and the data version.

Every write of facts raises the data version (app_meta ``data_version``) in
its own transaction, and each script run reads it once, on its first cached
call, and shares it with the rest of the run. So a write committed by any
process, the CLI included, before a run starts is seen by every query of
that run, at the cost of one read of one indexed row per run.

Queries that take filters run on the columnar snapshot of the database
(``data_access.columnar``) holding exactly the current data version. The
first such query after a data change waits for the copy (a second or two at
national scale): on two cores, copying while the database answers the same
heavy queries is slower for everyone than waiting. Without a snapshot the
database answers: both give the same rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from data_access import columnar, demo
from data_access.config import ConfigError, database_url, is_default_database
from data_access.db import make_engine, migrate, missing_sqlite_file, schema_is_current
from data_access.filters import Filters
from data_access.queries import meta
from views.base import ChartView, PreparedView, prepare_view
from views.spc import prepare_spc_view

# Enough for every page's queries under a few dozen filter combinations.
MAX_CACHED_RESULTS = 1024

# Session-state key of (this run's marker, database URL, data version).
_RUN_VERSION_KEY = "_cache_data_version_of_run"

Result = TypeVar("Result")

log = logging.getLogger(__name__)


def get_engine() -> Engine:
    """Return the shared Engine for the configured database, migrated and,
    for an empty embedded default database, seeded with demo data."""
    url = database_url()
    _require_database_file(url)
    return _engine_for(url)


def cached_query(fn: Callable[..., Result], *, filters: Filters, **kwargs: Any) -> Result:
    """Return ``fn(engine, filters=filters, **kwargs)``, cached until the data
    version changes. ``kwargs`` values must be hashable by Streamlit."""
    return _run_cached(fn, filters=filters, kwargs=kwargs)


def cached_lookup(fn: Callable[..., Result], **kwargs: Any) -> Result:
    """Return ``fn(engine, **kwargs)`` for a query that takes no filters (e.g.
    reference option lists), cached until the data version changes."""
    return _run_cached(fn, filters=None, kwargs=kwargs)


def cached_view(view: ChartView, *, filters: Filters, min_cell: int | None) -> PreparedView:
    """Return ``view`` prepared for ``filters`` (suppressed table, figure, alt
    text, key message, caption), built once per data version, filters and
    threshold, so a rerun redraws without rebuilding figures."""
    url = database_url()
    return _prepared_view(url, view.id, filters, min_cell, _data_version(url), _view=view)


def cached_spc_view(
    view: ChartView,
    *,
    filters: Filters,
    min_cell: int | None,
    baseline_points: int | None = None,
    target: float | None = None,
) -> PreparedView:
    """Return the SPC ``view`` prepared for ``filters`` with the limits frozen
    after ``baseline_points`` periods (None: the whole series) and an optional
    ``target``; built once per data version, filters, threshold, baseline
    and target."""
    url = database_url()
    return _prepared_spc_view(
        url, view.id, filters, min_cell, baseline_points, target, _data_version(url), _view=view
    )


def current_data_version() -> int:
    """Return the data version this script run works on (read from the
    database once per run; on every call outside a script run)."""
    url = database_url()
    _require_database_file(url)
    return _data_version(url)


def refresh_data_version() -> None:
    """Read the data version again for the rest of this run, so that what the
    run draws after a write it has just made shows that write."""
    st.session_state.pop(_RUN_VERSION_KEY, None)


def _require_database_file(url: str) -> None:
    """Raise ``ConfigError`` when a configured SQLite file is missing, rather
    than let SQLite create an empty one in its place. The cached engine is
    dropped, so that the file is opened afresh when it is back."""
    missing = missing_sqlite_file(url)
    if missing is not None and not is_default_database(url):
        _engine_for.clear()
        columnar.forget_snapshots()
        raise ConfigError(f"there is no database file at {missing}")


def _run_cached(fn: Callable[..., Result], *, filters: Filters | None, kwargs: dict[str, Any]) -> Result:
    url = database_url()
    _require_database_file(url)
    return _cached_result(
        url,
        f"{fn.__module__}.{fn.__qualname__}",
        filters,
        tuple(sorted(kwargs.items())),
        _data_version(url),
        _fn=fn,
    )


@st.cache_resource(show_spinner="Opening the database…")
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    if not schema_is_current(engine):
        migrate(engine)
    if is_default_database(url):
        demo.seed_demo_if_empty(engine)
    # Start copying the data into the columnar snapshot while the page frame draws.
    columnar.engine_at(engine, data_version=meta.data_version(engine))
    return engine


def _data_version(url: str) -> int:
    """Return the data version of the database at ``url`` for this script run:
    read by the run's first call and shared by the rest of it. Outside a
    script run (the warm-up thread) it is read on every call."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return meta.data_version(_engine_for(url))
    # Streamlit gives every script run a new cursors dict (ScriptRunContext.reset),
    # so holding the dict tells this run from the last one without a run id.
    run = ctx.cursors
    seen = st.session_state.get(_RUN_VERSION_KEY)
    if seen is not None and seen[0] is run and seen[1] == url:
        return seen[2]
    version = meta.data_version(_engine_for(url))
    st.session_state[_RUN_VERSION_KEY] = (run, url, version)
    return version


# A resource cache hands back the same object without pickling: prepared
# views are only read by the page (st.plotly_chart serialises a copy).
@st.cache_resource(max_entries=MAX_CACHED_RESULTS, show_spinner=False)
def _prepared_view(
    url: str,
    view_id: str,
    filters: Filters,
    min_cell: int | None,
    data_version: int,
    *,
    _view: ChartView,
) -> PreparedView:
    rows, last_import = _view_rows(url, _view, filters, data_version)
    # Only a cache miss gets here: the warm-up test counts these lines.
    log.debug("prepared view %s for data version %s", view_id, data_version)
    return prepare_view(_view, rows, min_cell=min_cell, data_as_of=last_import)


@st.cache_resource(max_entries=MAX_CACHED_RESULTS, show_spinner=False)
def _prepared_spc_view(
    url: str,
    view_id: str,
    filters: Filters,
    min_cell: int | None,
    baseline_points: int | None,
    target: float | None,
    data_version: int,
    *,
    _view: ChartView,
) -> PreparedView:
    rows, last_import = _view_rows(url, _view, filters, data_version)
    log.debug("prepared view %s for data version %s", view_id, data_version)
    return prepare_spc_view(
        _view, rows, min_cell=min_cell, data_as_of=last_import, baseline_points=baseline_points, target=target
    )


@st.cache_data(max_entries=MAX_CACHED_RESULTS, show_spinner=False)
def _cached_result(
    url: str,
    fn_name: str,
    filters: Filters | None,
    kwargs_items: tuple[tuple[str, Any], ...],
    data_version: int,
    *,
    _fn: Callable[..., Any],
) -> Any:
    # url, fn_name, filters, kwargs_items and data_version form the cache key;
    # the leading underscore keeps Streamlit from hashing the function object.
    log.debug("ran query %s for data version %s", fn_name, data_version)
    engine = _engine_for(url)
    if filters is None:
        return _fn(engine, **dict(kwargs_items))
    snapshot = columnar.engine_at(engine, data_version=data_version, wait=True)
    if snapshot is not None:
        try:
            return _fn(snapshot, filters=filters, **dict(kwargs_items))
        except DBAPIError:
            # A statement DuckDB cannot run still has an answer: the database's.
            log.exception("%s failed on the columnar snapshot; asking the database", fn_name)
    return _fn(engine, filters=filters, **dict(kwargs_items))


def _view_rows(
    url: str, view: ChartView, filters: Filters, data_version: int
) -> tuple[pd.DataFrame, dt.datetime | None]:
    """Return the view's raw query rows and the time of the last import, both from the result cache."""
    query = view.query
    rows = _cached_result(
        url, f"{query.__module__}.{query.__qualname__}", filters,
        tuple(sorted(dict(view.query_kwargs).items())), data_version, _fn=query,
    )
    last_import = _cached_result(
        url, "data_access.queries.meta.last_import_at", None, (), data_version, _fn=meta.last_import_at
    )
    return rows, last_import
