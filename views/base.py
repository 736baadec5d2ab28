"""A chart view: one query, its suppression rule, its figure, alt text and
key message, described once and used by the pages and the meeting pack alike.

``prepare_view`` is pure (no Streamlit): it takes the rows a query returned
and gives back everything a page or an export shows. The query itself is run
by the caller, so the UI can cache it and a report can call it directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from charts.alt_text import caption
from charts.common import EmptyChart
from data_access.filters import Filters
from domain.spc import SpcResult
from domain.suppression import suppress

Query = Callable[..., pd.DataFrame]


@dataclass(frozen=True, kw_only=True)
class ChartView:
    """Everything needed to show one chart; see ``prepare_view``.

    ``counts``, ``rates`` (rate column -> denominator column) and
    ``group_by`` are handed to ``domain.suppression.suppress``. ``derive``
    adds computed columns (e.g. Wilson intervals) *after* suppression, so
    nothing is derived from a hidden number. ``n_column`` is summed for the
    caption's n, described by ``n_unit``; ``n_of``, when set, computes that n
    from the raw rows instead (for views whose rows do not add up).
    ``table_columns`` are the rows and columns offered for download (all
    columns when empty). ``prepare``, when set, replaces ``prepare_view``'s
    steps for this view (SPC views use it; see ``views.spc``).
    """

    id: str
    title: str
    query: Query
    build: Callable[..., go.Figure]
    alt_text: Callable[..., str]
    key_message: Callable[..., str]
    empty_message: str
    counts: tuple[str, ...] = ()
    rates: Mapping[str, str] = field(default_factory=dict)
    group_by: tuple[str, ...] | tuple[tuple[str, ...], ...] = ()
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    n_column: str | None = None
    n_unit: str = "attendances"
    n_of: Callable[[pd.DataFrame], int] | None = None
    metric_ids: tuple[str, ...] = ()
    query_kwargs: Mapping[str, Any] = field(default_factory=dict)
    table_columns: tuple[str, ...] = ()
    takes_min_cell: bool = True
    prepare: Callable[..., PreparedView] | None = None


@dataclass(frozen=True, kw_only=True)
class PreparedView:
    """What a page or export shows for one view.

    ``table`` is suppressed (hidden numbers are NaN with ``*_suppressed``
    flags) and is exactly the rows offered for download. ``figure`` is None
    when there is nothing to draw, and ``empty_message`` then says why.
    ``spc`` holds an SPC view's limits, rules and icons (None for other
    views, and for an SPC view with too few points to chart).
    """

    view: ChartView
    table: pd.DataFrame
    figure: go.Figure | None
    alt_text: str
    key_message: str | None
    caption: str
    empty_message: str | None
    spc: SpcResult | None = None


def run_query(view: ChartView, engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return the raw (unsuppressed) rows of ``view`` for ``filters``."""
    return view.query(engine, filters=filters, **dict(view.query_kwargs))


def prepare_view(
    view: ChartView,
    rows: pd.DataFrame,
    *,
    min_cell: int | None,
    data_as_of: dt.datetime | None,
) -> PreparedView:
    """Return the suppressed table, figure, alt text, key message and caption
    for ``rows``. ``min_cell=None`` shows exact small numbers (internal view
    only); otherwise counts below ``min_cell`` are hidden before anything
    is drawn."""
    if view.prepare is not None:
        return view.prepare(view, rows, min_cell=min_cell, data_as_of=data_as_of)
    table = rows
    if min_cell is not None and (view.counts or view.rates):
        table = suppress(rows, counts=view.counts, rates=dict(view.rates), group_by=view.group_by,
                         min_cell=min_cell)
    if view.derive is not None:
        table = view.derive(table)
    if view.table_columns:
        keep = [c for c in table.columns if c in view.table_columns or c.endswith("_suppressed")]
        download = table[keep]
    else:
        download = table
    shown_cell = min_cell if min_cell is not None else 1
    kwargs = {"min_cell": shown_cell} if view.takes_min_cell else {}
    n = None
    if view.n_of is not None:
        n = int(view.n_of(rows))
    elif view.n_column is not None and view.n_column in rows.columns and not rows.empty:
        n = int(pd.to_numeric(rows[view.n_column], errors="coerce").fillna(0).sum())
    # A view that suppresses nothing counts things that are not people (e.g.
    # regions), so its small n is not marked as "n < 5".
    caption_cell = min_cell if view.counts or view.rates else None
    text = ""
    if n is not None:
        text = caption(n=n, data_as_of=data_as_of, unit=view.n_unit, min_cell=caption_cell)
    try:
        figure = view.build(table, **kwargs)
        alt = view.alt_text(table, **kwargs)
        message = view.key_message(table, **kwargs)
    except EmptyChart as empty:
        return PreparedView(view=view, table=download, figure=None, alt_text=str(empty),
                            key_message=None, caption=text, empty_message=str(empty))
    return PreparedView(view=view, table=download, figure=figure, alt_text=alt, key_message=message,
                        caption=text, empty_message=None)
