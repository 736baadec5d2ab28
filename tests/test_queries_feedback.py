"""Feedback queries, on a small database whose answers were worked out by hand.

The data (built by ``feedback_data``):

    F1 2025-01-10 induction    attended: a LDN, b LDN, c WM
        ratings: 5 LDN "Great ARCP tips", 5 WM "100% useful", 4 UNK "   ",
                 1 LDN (no comment), 4 WM "Very open discussion, 1000 thanks"
    F2 2025-02-10 exam_prep    attended: a LDN; d registered but did not come
        ratings: 5 LDN "Exam prep_notes were good", 3 UNK "Too short"
    F3 2025-02-20 exam_prep    attended: b LDN; no feedback
    F4 2025-03-01 mentoring    attended: e WM; no feedback
"""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.filters import Filters
from data_access.queries import feedback
from tests.factories import FactRows

JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
ALL = Filters()
LDN = Filters(regions=("LDN",))


@pytest.fixture
def feedback_data(engine):
    """Insert the data in the module docstring and return the engine."""
    facts = FactRows(engine)
    facts.event(key="F1", date=dt.date(2025, 1, 10), event_type="induction")
    facts.event(key="F2", date=dt.date(2025, 2, 10), event_type="exam_prep")
    facts.event(key="F3", date=dt.date(2025, 2, 20), event_type="exam_prep")
    facts.event(key="F4", date=dt.date(2025, 3, 1), event_type="mentoring")
    for person, region in (("a", "LDN"), ("b", "LDN"), ("c", "WM")):
        facts.attendance(event="F1", person=person, region=region)
    facts.attendance(event="F2", person="a", region="LDN")
    facts.attendance(event="F2", person="d", attended=False, region="LDN")
    facts.attendance(event="F3", person="b", region="LDN")
    facts.attendance(event="F4", person="e", region="WM")
    for rating, region, comment in (
        (5, "LDN", "Great ARCP tips"),
        (5, "WM", "100% useful"),
        (4, "UNK", "   "),
        (1, "LDN", None),
        (4, "WM", "Very open discussion, 1000 thanks"),
    ):
        facts.feedback(event="F1", rating=rating, region=region, comments=comment)
    facts.feedback(event="F2", rating=5, region="LDN", comments="Exam prep_notes were good")
    facts.feedback(event="F2", rating=3, region="UNK", comments="Too short")
    return engine


def records(frame) -> list[tuple]:
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_rating_distribution_by_type_is_zero_filled(feedback_data):
    """Each event type with responses gets all five ratings, missing ones as 0."""
    frame = feedback.rating_distribution_by_type(feedback_data, filters=ALL)
    assert list(frame.columns) == ["event_type", "event_type_label", "rating", "rating_label", "responses"]
    assert records(frame) == [
        ("induction", "Induction", 1, "Poor", 1),
        ("induction", "Induction", 2, "Fair", 0),
        ("induction", "Induction", 3, "Good", 0),
        ("induction", "Induction", 4, "Very good", 2),
        ("induction", "Induction", 5, "Excellent", 2),
        ("exam_prep", "Exam preparation", 1, "Poor", 0),
        ("exam_prep", "Exam preparation", 2, "Fair", 0),
        ("exam_prep", "Exam preparation", 3, "Good", 1),
        ("exam_prep", "Exam preparation", 4, "Very good", 0),
        ("exam_prep", "Exam preparation", 5, "Excellent", 1),
    ]


def test_rating_distribution_region_filter_drops_responses_without_region(feedback_data):
    """Under LDN only the three LDN responses count; UNK ones drop out."""
    frame = feedback.rating_distribution_by_type(feedback_data, filters=LDN)
    counted = [(code, rating, n) for code, _, rating, _, n in records(frame) if n]
    assert counted == [("induction", 1, 1), ("induction", 5, 1), ("exam_prep", 5, 1)]


def test_excellent_by_month(feedback_data):
    """January has 5 responses (2 excellent), February 2 (1 excellent)."""
    frame = feedback.excellent_by_month(feedback_data, filters=ALL)
    assert list(frame.columns) == ["month", "responses", "excellent"]
    assert records(frame) == [(JAN, 5, 2), (FEB, 2, 1)]


def test_response_rate_by_event_type(feedback_data):
    """Responses against attendances per type; a type without feedback shows 0 responses."""
    frame = feedback.response_rate_by_event_type(feedback_data, filters=ALL)
    assert records(frame) == [
        ("induction", "Induction", 5, 3),
        ("exam_prep", "Exam preparation", 2, 2),
        ("mentoring", "1:1 mentoring", 0, 1),
    ]


def test_response_rate_filters_responses_and_attendances_alike(feedback_data):
    """Under LDN both sides count only LDN rows; d's no-show is not an attendance."""
    frame = feedback.response_rate_by_event_type(feedback_data, filters=LDN)
    assert records(frame) == [("induction", "Induction", 2, 2), ("exam_prep", "Exam preparation", 1, 2)]


def test_mean_rating_by_event(feedback_data):
    """Events with responses, newest first: F2 means 4.0 over 2, F1 3.8 over 5."""
    frame = feedback.mean_rating_by_event(feedback_data, filters=ALL)
    assert list(frame.columns) == ["event_id", "title", "date", "event_type", "responses", "mean_rating"]
    assert records(frame) == [
        ("F2", "Event F2", dt.date(2025, 2, 10), "exam_prep", 2, pytest.approx(4.0)),
        ("F1", "Event F1", dt.date(2025, 1, 10), "induction", 5, pytest.approx(3.8)),
    ]


def test_comments_are_text_with_month_and_type_only(feedback_data):
    """Non-blank comments, newest event first, with the month (not the day) and event type."""
    frame = feedback.comments(feedback_data, filters=ALL)
    assert list(frame.columns) == ["date", "event_type_label", "comment"]
    assert records(frame) == [
        (FEB, "Exam preparation", "Too short"),
        (FEB, "Exam preparation", "Exam prep_notes were good"),
        (JAN, "Induction", "Very open discussion, 1000 thanks"),
        (JAN, "Induction", "100% useful"),
        (JAN, "Induction", "Great ARCP tips"),
    ]


def test_comments_follow_the_region_filter(feedback_data):
    """Under LDN only the comments from LDN responses remain."""
    frame = feedback.comments(feedback_data, filters=LDN)
    assert list(frame["comment"]) == ["Exam prep_notes were good", "Great ARCP tips"]


def test_comments_search_ignores_case(feedback_data):
    """Searching "arcp" finds "Great ARCP tips"."""
    frame = feedback.comments(feedback_data, filters=ALL, search="arcp")
    assert list(frame["comment"]) == ["Great ARCP tips"]


@pytest.mark.parametrize(("search", "found"), [("100%", "100% useful"), ("p_n", "Exam prep_notes were good")])
def test_comments_search_treats_wildcards_literally(feedback_data, search, found):
    """"%" and "_" match only themselves, not "1000" or "open"."""
    frame = feedback.comments(feedback_data, filters=ALL, search=search)
    assert list(frame["comment"]) == [found]


def test_comments_limit(feedback_data):
    """The limit keeps the newest comments."""
    frame = feedback.comments(feedback_data, filters=ALL, limit=2)
    assert list(frame["comment"]) == ["Too short", "Exam prep_notes were good"]


@pytest.mark.parametrize("limit", [0, -1, 2.5, True])
def test_comments_rejects_a_bad_limit(engine, limit):
    """A limit that is not a positive whole number is a clear error."""
    with pytest.raises(ValueError, match="limit must be a positive whole number"):
        feedback.comments(engine, filters=ALL, limit=limit)


@pytest.mark.parametrize(
    ("query", "columns"),
    [
        (feedback.rating_distribution_by_type, feedback.RATING_DISTRIBUTION_COLUMNS),
        (feedback.excellent_by_month, feedback.EXCELLENT_BY_MONTH_COLUMNS),
        (feedback.response_rate_by_event_type, feedback.RESPONSE_RATE_COLUMNS),
        (feedback.mean_rating_by_event, feedback.MEAN_RATING_COLUMNS),
        (feedback.comments, feedback.COMMENTS_COLUMNS),
    ],
)
def test_no_match_gives_an_empty_frame_with_the_columns(feedback_data, query, columns):
    """A filter that matches nothing gives no rows but the documented columns."""
    frame = query(feedback_data, filters=Filters(event_types=("academic_careers",)))
    assert frame.empty
    assert list(frame.columns) == columns
