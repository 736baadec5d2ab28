"""Feedback chart builders: Likert shares, % excellent by month, mean rating and response rate."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from charts.common import EmptyChart
from charts.feedback import (
    excellent_by_month_chart,
    mean_rating_by_event_chart,
    rating_distribution_chart,
    response_rate_chart,
)

LABELS = ["Poor", "Fair", "Good", "Very good", "Excellent"]


def _ratings():
    return pd.DataFrame(
        {
            "event_type_label": ["Induction"] * 5 + ["Exam preparation"] * 5,
            "rating": [1, 2, 3, 4, 5] * 2,
            "rating_label": LABELS * 2,
            "responses": [0, 5, 15, 30, 50, 10, 10, 20, 20, 40],
        }
    )


def test_rating_distribution_is_a_percentage_of_each_type():
    """Each rating's bar segment is its share of the event type's responses, in percent."""
    fig = rating_distribution_chart(_ratings())
    excellent = next(t for t in fig.data if t.name == "Excellent")
    assert dict(zip(excellent.y, excellent.x)) == {"Induction": 50.0, "Exam preparation": 40.0}
    assert fig.layout.barmode == "stack"


def test_rating_distribution_orders_poor_to_excellent():
    """Segments run Poor to Excellent, each with its own pattern as well as colour."""
    fig = rating_distribution_chart(_ratings())
    assert [t.name for t in fig.data] == LABELS
    assert len({t.marker.pattern.shape for t in fig.data}) == 5


def test_rating_distribution_hides_shares_of_a_tiny_type():
    """An event type with fewer than min_cell responses shows no shares."""
    frame = _ratings()
    frame.loc[frame["event_type_label"] == "Exam preparation", "responses"] = [0, 1, 0, 2, 1]
    excellent = next(t for t in rating_distribution_chart(frame, min_cell=5).data if t.name == "Excellent")
    assert dict(zip(excellent.y, excellent.x, strict=True))["Exam preparation"] is None


def test_rating_distribution_empty_says_no_feedback():
    """No rows raises EmptyChart with "No feedback for these filters"."""
    with pytest.raises(EmptyChart, match="No feedback for these filters"):
        rating_distribution_chart(_ratings().iloc[0:0])


def test_excellent_by_month_is_excellent_over_responses():
    """Each point is excellent / responses as a percentage."""
    frame = pd.DataFrame(
        {"month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1)], "responses": [40, 25], "excellent": [34, 20]}
    )
    line = excellent_by_month_chart(frame).data[0]
    assert list(line.y) == [85.0, 80.0]
    assert list(line.text) == ["85%", "80%"]


def test_excellent_by_month_skips_months_with_few_responses():
    """A month with fewer than min_cell responses has no point."""
    frame = pd.DataFrame(
        {"month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1)], "responses": [40, 3], "excellent": [34, 3]}
    )
    line = excellent_by_month_chart(frame, min_cell=5).data[0]
    assert line.y[1] is None
    assert "n<5" in line.hovertext[1]


def test_mean_rating_by_event_plots_each_event():
    """Each event is a dot at its mean rating, labelled with title and date."""
    frame = pd.DataFrame(
        {
            "title": ["Induction", "Mock interviews"],
            "date": [dt.date(2025, 3, 12), dt.date(2025, 2, 1)],
            "responses": [42, 18],
            "mean_rating": [4.62, 4.05],
        }
    )
    dots = mean_rating_by_event_chart(frame).data[0]
    assert list(dots.x) == [4.62, 4.05]
    assert list(dots.y) == ["Induction · 12 Mar 2025", "Mock interviews · 1 Feb 2025"]


def test_mean_rating_hidden_below_min_cell():
    """An event with fewer than min_cell responses has no dot."""
    frame = pd.DataFrame(
        {
            "title": ["A", "B"],
            "date": [dt.date(2025, 3, 12)] * 2,
            "responses": [42, np.nan],
            "responses_suppressed": [False, True],
            "mean_rating": [4.6, 2.0],
        }
    )
    dots = mean_rating_by_event_chart(frame).data[0]
    assert list(dots.x) == [4.6, None]


def test_response_rate_is_responses_over_attendances():
    """Each bar is responses / attendances as a percentage."""
    frame = pd.DataFrame(
        {
            "event_type_label": ["Induction", "Exam preparation"],
            "responses": [90, 20],
            "attendances": [150, 80],
        }
    )
    bars = response_rate_chart(frame).data[0]
    assert dict(zip(bars.y, bars.x)) == {"Induction": 60.0, "Exam preparation": 25.0}


def test_mean_rating_chart_draws_only_the_most_recent_events():
    """Beyond max_events, the chart keeps the most recent events and says so in its title."""
    frame = pd.DataFrame({
        "title": [f"Event {i}" for i in range(6)],
        "date": [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(6)],
        "responses": [20] * 6,
        "mean_rating": [4.0, 4.1, 4.2, 4.3, 4.4, 4.5],
    })
    fig = mean_rating_by_event_chart(frame, max_events=3)
    assert list(fig.data[0].x) == [4.3, 4.4, 4.5]
    assert "3 most recent of 6 events" in fig.layout.title.text
