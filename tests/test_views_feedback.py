"""Feedback views and comment themes: suppression, empty states, plain-text tags."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from charts.feedback import NO_FEEDBACK
from data_access.queries import feedback
from domain.themes import load_theme_rules
from views.base import prepare_view
from views.feedback import (
    FEEDBACK_VIEWS,
    MEAN_RATING_BY_EVENT,
    RATING_DISTRIBUTION,
    comments_withheld,
    rules_summary,
    tagged_comments,
    theme_count_table,
)

AS_OF = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)

QUERY_COLUMNS = {
    "rating-distribution": [*feedback.RATING_DISTRIBUTION_COLUMNS, "type_responses"],
    "excellent-by-month": feedback.EXCELLENT_BY_MONTH_COLUMNS,
    "response-rate": feedback.RESPONSE_RATE_COLUMNS,
    "mean-rating-by-event": feedback.MEAN_RATING_COLUMNS,
}

RULES = pd.DataFrame(
    {
        "theme": ["ARCP/portfolio", "ARCP/portfolio", "Exams", "Wellbeing"],
        "keyword": ["arcp", "portfolio", "mrcpch", "wellbeing"],
    }
)


def ratings(counts: list[int]) -> pd.DataFrame:
    labels = ["Poor", "Fair", "Good", "Very good", "Excellent"]
    return pd.DataFrame(
        {
            "event_type": ["induction"] * 5,
            "event_type_label": ["Induction"] * 5,
            "rating": [1, 2, 3, 4, 5],
            "rating_label": labels,
            "responses": counts,
            "type_responses": [0, 0, 0, 0, sum(counts)],
        }
    )


def comment_rows(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [dt.date(2026, 10, 1)] * len(texts),
            "event_type_label": ["Induction"] * len(texts),
            "comment": texts,
        }
    )


def test_small_rating_count_hidden_in_table():
    """Two "Poor" ratings are NaN and flagged in the table."""
    table = prepare_view(RATING_DISTRIBUTION, ratings([2, 0, 10, 30, 60]), min_cell=5, data_as_of=AS_OF).table
    assert pd.isna(table.loc[0, "responses"])
    assert table.loc[0, "responses_suppressed"]


def test_small_rating_count_absent_from_figure():
    """No hover text of the figure states the hidden count."""
    prepared = prepare_view(RATING_DISTRIBUTION, ratings([2, 0, 10, 30, 60]), min_cell=5, data_as_of=AS_OF)
    text = json.dumps(prepared.figure.to_plotly_json(), default=str)
    assert "(2 responses)" not in text
    assert "Poor: <5 responses" in text


def test_withheld_ratings_do_not_inflate_the_shown_shares():
    """With "Poor" (2) and its partner "Good" (10) withheld, Excellent is 60 of all 102, and 12 of 102 is withheld."""
    prepared = prepare_view(RATING_DISTRIBUTION, ratings([2, 0, 10, 30, 60]), min_cell=5, data_as_of=AS_OF)
    shares = {trace.name: trace.x[0] for trace in prepared.figure.data}
    assert shares["Excellent"] == pytest.approx(100 * 60 / 102)
    assert shares["Withheld (small numbers)"] == pytest.approx(100 * 12 / 102)
    assert prepared.key_message == "59% of responses rated their event excellent"


def test_internal_view_shows_small_rating_count():
    """With min_cell None the two "Poor" ratings are shown."""
    prepared = prepare_view(RATING_DISTRIBUTION, ratings([2, 0, 10, 30, 60]), min_cell=None, data_as_of=AS_OF)
    assert prepared.table.loc[0, "responses"] == 2
    assert "(2 responses)" in json.dumps(prepared.figure.to_plotly_json(), default=str)


def test_mean_rating_on_few_responses_is_not_drawn():
    """Events with 3 and 2 responses have no mean in the table and no dot in the figure."""
    rows = pd.DataFrame(
        {
            "event_id": ["E1", "E2", "E3", "E4"],
            "title": ["Induction", "Mock interviews", "Exam preparation", "ARCP webinar"],
            "date": [dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2026, 8, 1), dt.date(2026, 7, 1)],
            "event_type": ["induction", "interview_practice", "exam_prep", "arcp_portfolio"],
            "responses": [20, 3, 2, 30],
            "mean_rating": [4.5, 3.0, 5.0, 4.0],
        }
    )
    prepared = prepare_view(MEAN_RATING_BY_EVENT, rows, min_cell=5, data_as_of=AS_OF)
    assert prepared.table["mean_rating"].isna().tolist() == [False, True, True, False]
    assert list(prepared.figure.data[0].x) == [4.5, None, None, 4.0]


@pytest.mark.parametrize("view", FEEDBACK_VIEWS, ids=lambda view: view.id)
def test_empty_rows_give_no_feedback_message(view):
    """No rows means no figure and "No feedback for these filters"."""
    prepared = prepare_view(view, pd.DataFrame(columns=QUERY_COLUMNS[view.id]), min_cell=5, data_as_of=AS_OF)
    assert prepared.figure is None
    assert prepared.empty_message == NO_FEEDBACK


def test_comments_tagged_with_every_matching_theme():
    """A comment gets each theme whose keyword it contains, in rule order; others get none."""
    tagged = tagged_comments(comment_rows(["My portfolio and MRCPCH", "Lovely people", "ARCP help"]), RULES)
    assert list(tagged["themes"]) == ["ARCP/portfolio; Exams", "", "ARCP/portfolio"]


def test_comment_text_is_kept_verbatim():
    """Markup in a comment stays as the text it was; tagging never rewrites it."""
    text = "**ARCP** <script>alert(1)</script> =HYPERLINK(x)"
    assert tagged_comments(comment_rows([text]), RULES).loc[0, "comment"] == text


def test_small_theme_counts_shown_as_below_threshold():
    """A theme in 2 comments shows "<5"; one in 6 shows 6; one in none shows 0."""
    texts = ["arcp"] * 6 + ["mrcpch"] * 2
    counts = theme_count_table(comment_rows(texts), RULES, min_cell=5).set_index("theme")
    assert counts.loc["Exams", "shown"] == "<5"
    assert pd.isna(counts.loc["Exams", "comments"])
    assert counts.loc["ARCP/portfolio", "shown"] == "6"
    assert counts.loc["Wellbeing", "shown"] == "0"


def test_theme_counts_exact_in_internal_view():
    """With min_cell None a theme in 2 comments shows 2."""
    counts = theme_count_table(comment_rows(["arcp"] * 6 + ["mrcpch"] * 2), RULES, min_cell=None)
    assert counts.set_index("theme").loc["Exams", "shown"] == "2"


def test_few_comments_are_withheld():
    """Three comments are not listed at threshold 5; five are."""
    assert comments_withheld(comment_rows(["a"] * 3), min_cell=5)
    assert not comments_withheld(comment_rows(["a"] * 5), min_cell=5)


def test_internal_view_never_withholds_comments():
    """With min_cell None even one comment is listed."""
    assert not comments_withheld(comment_rows(["a"]), min_cell=None)


def test_rules_summary_lists_keywords_per_theme():
    """Each theme appears once with its keywords in file order."""
    summary = rules_summary(RULES)
    assert summary.to_dict("records")[0] == {"theme": "ARCP/portfolio", "keywords": "arcp, portfolio"}
    assert len(summary) == 3


def test_shipped_rules_cover_the_required_themes():
    """The editable rules table tags at least the six themes the issue names."""
    themes = set(rules_summary(load_theme_rules())["theme"])
    required = {
        "ARCP/portfolio",
        "Interviews",
        "Exams",
        "NHS culture and ways of working",
        "Induction",
        "Wellbeing",
    }
    assert required <= themes
