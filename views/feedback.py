"""The Feedback views: one ``ChartView`` per chart, in page order, and the
pure steps behind the comments section (theme tags and suppressed theme
counts).

Comments are free text from anonymous forms. They are listed only when at
least ``min_cell`` comments match, because the list itself would show how
many people commented under a narrow filter.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from charts import alt_text
from charts.common import count_labels
from charts.feedback import (
    NO_FEEDBACK,
    TYPE_TOTAL,
    excellent_by_month_chart,
    mean_rating_by_event_chart,
    rating_distribution_chart,
    response_rate_chart,
)
from data_access.filters import Filters
from data_access.queries import feedback
from domain.suppression import suppress
from domain.themes import tag_comments, theme_counts
from views.base import ChartView

NO_COMMENTS = "No comments for these filters"
THEME_SEPARATOR = "; "


def ratings_with_type_totals(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return ``feedback.rating_distribution_by_type`` with ``type_responses``:
    the event type's total responses on its top-rating row and 0 on the
    others, so the totals add up to all responses like any other count."""
    rows = feedback.rating_distribution_by_type(engine, filters=filters)
    totals = rows.groupby("event_type", sort=False)["responses"].transform("sum")
    top = rows["rating"] == rows["rating"].max()
    return rows.assign(type_responses=totals.where(top, 0).astype("int64"))


RATING_DISTRIBUTION = ChartView(
    id="rating-distribution",
    title="How participants rated each event type",
    query=ratings_with_type_totals,
    build=rating_distribution_chart,
    alt_text=alt_text.alt_text_rating_distribution,
    key_message=alt_text.key_message_rating_distribution,
    empty_message=NO_FEEDBACK,
    # The type totals let the chart show withheld cells as a withheld share
    # instead of inflating the shown ratings.
    counts=("responses", TYPE_TOTAL),
    # Each event type's ratings add up to its total (also shown in the
    # response-rate chart), and the type totals add up to all responses.
    group_by=(("event_type",), ()),
    n_column="responses",
    n_unit="feedback responses",
    metric_ids=("feedback_responses", "pct_excellent"),
)

EXCELLENT_BY_MONTH = ChartView(
    id="excellent-by-month",
    title="Share of feedback rating the event excellent",
    query=feedback.excellent_by_month,
    build=excellent_by_month_chart,
    alt_text=alt_text.alt_text_excellent_by_month,
    key_message=alt_text.key_message_excellent_by_month,
    empty_message=NO_FEEDBACK,
    counts=("responses", "excellent"),
    n_column="responses",
    n_unit="feedback responses",
    metric_ids=("monthly_pct_excellent",),
)

RESPONSE_RATE = ChartView(
    id="response-rate",
    title="Feedback response rate by event type",
    query=feedback.response_rate_by_event_type,
    build=response_rate_chart,
    alt_text=alt_text.alt_text_response_rate,
    key_message=alt_text.key_message_response_rate,
    empty_message=NO_FEEDBACK,
    counts=("responses", "attendances"),
    n_column="attendances",
    metric_ids=("response_rate",),
)

MEAN_RATING_BY_EVENT = ChartView(
    id="mean-rating-by-event",
    title="Mean rating per event",
    query=feedback.mean_rating_by_event,
    build=mean_rating_by_event_chart,
    alt_text=alt_text.alt_text_mean_rating_by_event,
    key_message=alt_text.key_message_mean_rating_by_event,
    empty_message=NO_FEEDBACK,
    rates={"mean_rating": "responses"},
    n_column="responses",
    n_unit="feedback responses",
    metric_ids=("mean_rating",),
)

# The Feedback page's charts, in the order the page shows them.
FEEDBACK_VIEWS: tuple[ChartView, ...] = (
    RATING_DISTRIBUTION,
    EXCELLENT_BY_MONTH,
    RESPONSE_RATE,
    MEAN_RATING_BY_EVENT,
)


def tagged_comments(comments: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Return ``comments`` (the rows of ``feedback.comments``) with a
    ``themes`` column: the themes whose keywords each comment contains,
    joined by "; " in the rules' order, or "" when none match."""
    comments = comments.reset_index(drop=True)
    tags = tag_comments(comments["comment"], rules)
    joined = tags.groupby("comment_id", sort=False)["theme"].agg(THEME_SEPARATOR.join)
    themes = [str(joined.get(position, "")) for position in comments.index]
    return comments.assign(themes=pd.Series(themes, index=comments.index, dtype="str"))


def theme_count_table(comments: pd.DataFrame, rules: pd.DataFrame, *, min_cell: int | None) -> pd.DataFrame:
    """Return one row per theme in ``rules``, most common first: ``theme``,
    ``comments`` (number of the given comments tagged with it; NaN when
    from 1 to ``min_cell`` - 1, flagged in ``comments_suppressed``) and
    ``shown`` (the count as text, e.g. "12" or "<5"). ``min_cell=None``
    shows every count exactly (internal view)."""
    counts = theme_counts(tag_comments(comments["comment"].reset_index(drop=True), rules), rules=rules)
    if min_cell is not None:
        # A comment can carry several themes, so the counts do not add up to
        # a shown total: grouping by theme hides small counts with no
        # secondary suppression.
        counts = suppress(counts, counts=("comments",), group_by=("theme",), min_cell=min_cell)
    return counts.assign(shown=count_labels(counts, "comments", min_cell=min_cell or 1))


def comments_withheld(comments: pd.DataFrame, *, min_cell: int | None) -> bool:
    """True when 1 to ``min_cell`` - 1 comments match, so listing them would
    show a small number; never under the internal view (``min_cell=None``)."""
    return min_cell is not None and 0 < len(comments) < min_cell


def rules_summary(rules: pd.DataFrame) -> pd.DataFrame:
    """Return one row per theme of the keyword rules: ``theme`` and
    ``keywords`` (its keywords joined by ", "), in the rules' order."""
    grouped = rules.groupby("theme", sort=False)["keyword"].agg(", ".join)
    return grouped.rename("keywords").rename_axis("theme").reset_index()
