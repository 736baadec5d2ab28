"""ui.cache: results are cached per query, filters and arguments, and a new
data version invalidates them."""

from __future__ import annotations

import pytest

from data_access.filters import Filters
from ui import cache


@pytest.fixture
def counting_query():
    """Return a query function that records each real call."""
    calls = []

    def count_calls(engine, *, filters, label="a"):
        calls.append((filters, label))
        return len(calls)

    count_calls.calls = calls
    return count_calls


@pytest.fixture
def fixed_version(app_db, monkeypatch):
    """Pin the data version the cache sees; set ``fixed_version[0]`` to change it."""
    version = [1]
    monkeypatch.setattr(cache, "_data_version", lambda url: version[0])
    return version


def test_repeat_call_is_served_from_cache(counting_query, fixed_version):
    """The same query, filters and arguments run the query once."""
    first = cache.cached_query(counting_query, filters=Filters(regions=("LDN",)))
    again = cache.cached_query(counting_query, filters=Filters(regions=("LDN",)))
    assert (first, again, len(counting_query.calls)) == (1, 1, 1)


def test_other_filters_or_arguments_run_again(counting_query, fixed_version):
    """Different filters or keyword arguments are separate cache entries."""
    cache.cached_query(counting_query, filters=Filters(regions=("LDN",)))
    cache.cached_query(counting_query, filters=Filters(regions=("WM",)))
    cache.cached_query(counting_query, filters=Filters(regions=("WM",)), label="b")
    assert len(counting_query.calls) == 3


def test_new_data_version_invalidates(counting_query, fixed_version):
    """A new data version makes the next call run the query again."""
    cache.cached_query(counting_query, filters=Filters())
    fixed_version[0] = 2
    assert cache.cached_query(counting_query, filters=Filters()) == 2


def test_cached_engine_is_shared(app_db):
    """get_engine returns one Engine for the configured database."""
    assert cache.get_engine() is cache.get_engine()
    assert str(cache.get_engine().url) == str(app_db.url)


def test_prepared_view_is_reused_until_filters_threshold_or_version_change(fixed_version):
    """cached_view builds a view once per filters, threshold and data version."""
    import pandas as pd

    from views.base import ChartView

    builds = []

    def rows_query(engine, *, filters):
        return pd.DataFrame({"n": [len(filters.regions)]})

    def build(df, *, min_cell):
        builds.append(min_cell)
        return None

    view = ChartView(id="cache-key-test", title="t", query=rows_query, build=build,
                     alt_text=lambda df, *, min_cell: "", key_message=lambda df, *, min_cell: "",
                     empty_message="none")
    first = cache.cached_view(view, filters=Filters(regions=("LDN",)), min_cell=5)
    assert cache.cached_view(view, filters=Filters(regions=("LDN",)), min_cell=5) is first
    cache.cached_view(view, filters=Filters(regions=("WM",)), min_cell=5)
    cache.cached_view(view, filters=Filters(regions=("WM",)), min_cell=None)
    fixed_version[0] = 2
    cache.cached_view(view, filters=Filters(regions=("WM",)), min_cell=None)
    assert len(builds) == 4


def _two_reads_around_a_write():
    """App script: read the data version, commit a write on another connection, read it again."""
    import os

    import streamlit as st

    from data_access.db import make_engine
    from data_access.importers import bump_data_version
    from ui import cache

    first = cache.current_data_version()
    writer = make_engine(os.environ["DATABASE_URL"])
    with writer.begin() as conn:
        bump_data_version(conn)
    writer.dispose()
    st.markdown(f"{first} {cache.current_data_version()}")


def test_data_version_is_read_once_per_run(app_db):
    """A run keeps the version it read first; the next run sees a write another connection committed."""
    from streamlit.testing.v1 import AppTest

    from data_access.queries.meta import data_version

    app = AppTest.from_function(_two_reads_around_a_write)
    before = data_version(app_db)
    app.run()
    assert app.markdown[0].value == f"{before} {before}"
    app.run()
    assert app.markdown[0].value == f"{before + 1} {before + 1}"
    assert data_version(app_db) == before + 2
