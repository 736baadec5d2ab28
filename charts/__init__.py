"""Plotly chart builders, alt text and key messages for the Soft Landing dashboard.

Pure functions of DataFrames: ``builder(df, *, ...) -> go.Figure``. They
import plotly, pandas, numpy and ``domain`` only, never streamlit or the
database layer, so pages, exports and tests share them.

Conventions every builder follows:

- an empty frame raises ``EmptyChart``; its message ("No feedback for these
  filters") is what the page shows instead of a chart;
- a cell hidden by ``domain.suppression`` (NaN, ``<col>_suppressed``) is not
  drawn and is labelled "<5" (or "hidden" for secondary suppression); hover
  text is prepared as strings, so no hover template reads a raw value;
- colour is never the only cue: bars carry patterns and text labels, points
  carry marker symbols;
- a builder assembles its traces and layout as plain dicts in a
  ``spec.FigureSpec`` and returns its ``figure()``, a ``go.Figure``
  validated once (building through ``go.Figure``'s update methods cost most
  of a page's first run);
- ``palette.apply_base_layout`` gives every figure the same look, and
  ``palette.PLOTLY_CONFIG`` is the display config for ``st.plotly_chart``.
"""

from charts.common import ChartInputError, EmptyChart

__all__ = ["ChartInputError", "EmptyChart"]
