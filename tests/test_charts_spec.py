"""charts.spec: figures assembled as plain dicts, validated once."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from charts.spec import FigureSpec, merged


def test_merged_merges_nested_dicts_and_replaces_the_rest():
    """Nested dicts merge key by key; lists and scalars are replaced, as Plotly's update does."""
    base = {"title": {"text": "A", "font": {"size": 16}}, "range": [0, 1], "height": 400}
    result = merged(base, {"title": {"font": {"size": 17}}, "range": [0, 5]})
    assert result == {"title": {"text": "A", "font": {"size": 17}}, "range": [0, 5], "height": 400}
    assert base["title"]["font"]["size"] == 16


def test_figure_spec_matches_the_same_figure_built_through_go_figure():
    """A spec gives the same figure dict as go.Figure's add_trace and update methods."""
    spec = FigureSpec(dict(type="bar", x=["a", "b"], y=[1, 2], name="Count"))
    spec.update_layout(title={"text": "Counts"}, legend={"traceorder": "normal"})
    spec.update_xaxes(title={"text": "Letter"})
    spec.add_annotation(x="a", y=0, text="<5", showarrow=False)
    expected = go.Figure(go.Bar(x=["a", "b"], y=[1, 2], name="Count"))
    expected.update_layout(title_text="Counts", legend_traceorder="normal")
    expected.update_xaxes(title_text="Letter")
    expected.add_annotation(x="a", y=0, text="<5", showarrow=False)
    assert spec.figure().to_dict() == expected.to_dict()


def test_stacked_spec_matches_make_subplots():
    """A stacked spec puts traces and axis updates on each row as make_subplots does."""
    spec = FigureSpec.stacked(titles=["Exam", "ARCP"], vertical_spacing=0.1)
    spec.add_trace(dict(type="scatter", x=[1], y=[2]), row=1)
    spec.add_trace(dict(type="scatter", x=[1], y=[3]), row=2)
    spec.update_yaxes(range=[0, 105])
    expected = make_subplots(rows=2, cols=1, subplot_titles=["Exam", "ARCP"], vertical_spacing=0.1)
    expected.add_trace(go.Scatter(x=[1], y=[2]), row=1, col=1)
    expected.add_trace(go.Scatter(x=[1], y=[3]), row=2, col=1)
    expected.update_yaxes(range=[0, 105])
    assert spec.figure().to_dict() == expected.to_dict()


def test_stacked_specs_do_not_share_their_layout():
    """Changing one stacked spec leaves the next one built with the same grid untouched."""
    first = FigureSpec.stacked(titles=["Exam"], vertical_spacing=0.12)
    first.update_xaxes(title={"text": "Changed"})
    second = FigureSpec.stacked(titles=["Exam"], vertical_spacing=0.12)
    assert "title" not in second.layout["xaxis"]


def test_misspelt_property_still_raises_when_the_figure_is_built():
    """Validation happens once, in figure(): an unknown property is refused there."""
    spec = FigureSpec(dict(type="scatter", x=[1], y=[1], colour="red"))
    with pytest.raises(ValueError, match="colour"):
        spec.figure()
