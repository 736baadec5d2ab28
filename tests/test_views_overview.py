"""The Overview's suppressed KPI figures and its key-messages paragraph."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from views.overview import key_messages, regions_reached, shown_kpis

FIGURES = {
    "events": 45,
    "registrations": 4000,
    "attendances": 3132,
    "attendance_rate": 0.783,
    "unique_participants": 712,
    "returning_participants": 240,
    "feedback_responses": 1020,
    "pct_excellent": 83.2,
}

SMALL = {
    "events": 2,
    "registrations": 5,
    "attendances": 4,
    "attendance_rate": 0.8,
    "unique_participants": 3,
    "returning_participants": 1,
    "feedback_responses": 3,
    "pct_excellent": 66.7,
}


def test_key_messages_state_the_headline_numbers():
    """Attendances, events, people, regions, returners and % excellent appear as sentences."""
    text = key_messages(FIGURES, frozenset(), regions_reached=18, min_cell=5)
    assert text == (
        "3,132 attendances at 45 events by 712 IMG paediatricians from 18 training regions; "
        "240 came back for another event. 83% of 1,020 feedback responses rated their event excellent."
    )


def test_key_messages_never_write_a_hidden_number():
    """Hidden counts read "fewer than 5" and a hidden rate is left out."""
    figures, hidden = shown_kpis(SMALL, filters=Filters(regions=("NI",)), min_cell=5)
    text = key_messages(figures, hidden, regions_reached=1, min_cell=5)
    assert "fewer than 5 attendances" in text
    assert "fewer than 5 IMG paediatricians" in text
    assert "67%" not in text
    assert "Too few feedback responses" in text


def test_key_messages_without_attendances():
    """With no attendances the paragraph says so."""
    empty = dict.fromkeys(FIGURES, 0) | {"attendance_rate": None, "pct_excellent": None}
    assert (
        key_messages(empty, frozenset(), regions_reached=0, min_cell=5)
        == "No attendances for these filters yet."
    )


def test_whole_organisation_figures_are_exempt():
    """With no region, stage or type filter small totals are shown as they are."""
    figures, hidden = shown_kpis(SMALL, filters=Filters(), min_cell=5)
    assert hidden == frozenset()
    assert figures["attendances"] == 4


def test_region_filter_hides_small_figures():
    """Under a region filter a count of 4 and a rate on 3 responses are hidden."""
    figures, hidden = shown_kpis(SMALL, filters=Filters(regions=("NI",)), min_cell=5)
    assert {"attendances", "pct_excellent"} <= hidden
    assert figures["attendances"] is None


def test_internal_view_shows_small_figures():
    """With min_cell None nothing is hidden even under a filter."""
    figures, hidden = shown_kpis(SMALL, filters=Filters(stages=("st1",)), min_cell=None)
    assert hidden == frozenset()
    assert figures["unique_participants"] == 3


def test_regions_reached_counts_training_regions_with_attendances():
    """Only training regions with at least one attendance count; Overseas and empty regions do not."""
    regions = pd.DataFrame({"code": ["LDN", "WM", "OVS"], "is_training_region": [True, True, False]})
    by_region = pd.DataFrame({"region": ["LDN", "WM", "OVS"], "attendances": [3, 0, 40]})
    assert regions_reached(by_region, regions=regions) == 1
