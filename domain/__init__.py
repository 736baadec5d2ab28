"""Pure domain logic for the Soft Landing dashboard.

Metric definitions, small-number suppression, Wilson intervals, tests of two
proportions, Making Data Count SPC, filter date presets and comment themes.
Everything here is plain Python, pandas and numpy: no streamlit, plotly or
database access, so it can be unit-tested on its own and shared by pages,
chart builders and exports.
"""
