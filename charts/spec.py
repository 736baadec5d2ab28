"""Figures assembled as plain dicts and validated once.

Building a figure through ``go.Figure``'s methods (``add_trace``,
``update_layout``, ``update_xaxes``...) validates each property on every call
and runs the figure's change machinery each time; the profile of an
uncached page at national scale showed it as most of the time a first run
spends building figures (see ``docs/profiles.md``). A ``FigureSpec`` collects
the traces and the layout as dicts, with the same method names, and
``figure()`` hands them to ``go.Figure`` in one construction, which validates
the whole spec once: a misspelt property still raises.

Properties are written as nested dicts (``title={"text": ...}``), never with
Plotly's "magic underscore" shorthand (``title_text=...``).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots


def merged(base: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``updates`` merged in, as Plotly's ``update``
    does: nested dicts merge key by key, anything else replaces."""
    result = dict(base)
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


@functools.lru_cache(maxsize=64)
def _stacked_layout(rows: int, titles: tuple[str, ...], vertical_spacing: float) -> dict[str, Any]:
    return make_subplots(
        rows=rows, cols=1, subplot_titles=titles, vertical_spacing=vertical_spacing
    ).layout.to_plotly_json()


class FigureSpec:
    """A Plotly figure under construction: ``data`` (trace dicts, each with
    its ``type``) and ``layout`` (a dict). ``update_xaxes`` and
    ``update_yaxes`` update every subplot's axes, as on a ``go.Figure``."""

    def __init__(self, *traces: dict[str, Any]) -> None:
        self.data: list[dict[str, Any]] = list(traces)
        self.layout: dict[str, Any] = {}
        # Subplot rows of a stacked grid; None for a figure without subplots.
        self.rows: int | None = None

    @classmethod
    def stacked(cls, *, titles: list[str], vertical_spacing: float) -> FigureSpec:
        """Return an empty spec of one column of subplots, one per title (as
        ``plotly.subplots.make_subplots`` lays it out)."""
        spec = cls()
        spec.rows = len(titles)
        # The grid depends only on these arguments, and make_subplots is slow.
        spec.layout = copy.deepcopy(_stacked_layout(len(titles), tuple(titles), vertical_spacing))
        return spec

    def add_trace(self, trace: dict[str, Any], *, row: int = 1) -> FigureSpec:
        """Add ``trace``, drawn on the axes of subplot ``row``; return this spec."""
        if self.rows is not None:
            suffix = "" if row == 1 else str(row)
            trace = {**trace, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        self.data.append(trace)
        return self

    def update_layout(self, updates: dict[str, Any] | None = None, **props: Any) -> FigureSpec:
        """Merge ``updates`` and ``props`` into the layout; return this spec."""
        self.layout = merged(self.layout, {**(updates or {}), **props})
        return self

    def update_xaxes(self, updates: dict[str, Any] | None = None, **props: Any) -> FigureSpec:
        """Merge ``updates`` and ``props`` into every x axis; return this spec."""
        return self._update_axes("xaxis", {**(updates or {}), **props})

    def update_yaxes(self, updates: dict[str, Any] | None = None, **props: Any) -> FigureSpec:
        """Merge ``updates`` and ``props`` into every y axis; return this spec."""
        return self._update_axes("yaxis", {**(updates or {}), **props})

    def add_annotation(self, **props: Any) -> FigureSpec:
        """Add an annotation with ``props``; return this spec."""
        self.layout["annotations"] = [*self.layout.get("annotations", ()), props]
        return self

    def add_shape(self, **props: Any) -> FigureSpec:
        """Add a shape with ``props``; return this spec."""
        self.layout["shapes"] = [*self.layout.get("shapes", ()), props]
        return self

    def figure(self) -> go.Figure:
        """Return the figure, validated in one pass."""
        return go.Figure(data=self.data, layout=self.layout)

    def _update_axes(self, kind: str, props: dict[str, Any]) -> FigureSpec:
        for row in range(1, (self.rows or 1) + 1):
            name = kind if row == 1 else f"{kind}{row}"
            self.layout[name] = merged(self.layout.get(name, {}), props)
        return self
