"""Feedback: how participants rated events, how many responded, and what
they wrote, tagged by transparent keyword rules."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access.queries import feedback
from domain.themes import DEFAULT_RULES_PATH, load_theme_rules
from ui.cache import cached_query, cached_view
from ui.frame import PROJECT_ROOT, page_frame
from ui.panel import show_view
from ui.privacy import current_min_cell
from ui.spc_panel import show_spc_view
from views.feedback import (
    FEEDBACK_VIEWS,
    NO_COMMENTS,
    comments_withheld,
    rules_summary,
    tagged_comments,
    theme_count_table,
)
from views.spc import SPC_EXCELLENT

filters = page_frame("Feedback")
min_cell = current_min_cell()

for view in FEEDBACK_VIEWS:
    show_view(cached_view(view, filters=filters, min_cell=min_cell))
show_spc_view(SPC_EXCELLENT, filters=filters, min_cell=min_cell)

rules_file = DEFAULT_RULES_PATH.relative_to(PROJECT_ROOT)


def show_themes(comments: pd.DataFrame, rules: pd.DataFrame) -> None:
    """Show the theme counts of ``comments`` beside the keyword rules."""
    themes = theme_count_table(comments, rules, min_cell=min_cell).merge(rules_summary(rules), on="theme")
    st.markdown("**Themes in the comments**")
    st.dataframe(
        themes,
        hide_index=True,
        column_order=["theme", "shown", "keywords"],
        column_config={
            "theme": "Theme",
            "shown": st.column_config.TextColumn("Comments", help="Comments tagged with this theme"),
            "keywords": st.column_config.TextColumn("Keywords that tag it", width="large"),
        },
        key="theme-counts",
    )
    small = f" Counts from 1 to {min_cell - 1} show as “<{min_cell}”." if min_cell is not None else ""
    st.caption(
        f"Themes come from transparent keyword rules kept in one editable table, `{rules_file}`. A comment "
        "gets a theme when it contains one of that theme's keywords as a whole word or phrase, ignoring "
        "case; a comment can have several themes or none. Edit the file to change the rules. Counted over "
        f"the latest {len(comments):,} comments.{small}"
    )


def show_comments(comments: pd.DataFrame, rules: pd.DataFrame, *, search: str) -> None:
    """List ``comments`` as plain text, unless so few match that the list could identify people."""
    if comments.empty:
        st.info(f"No comments contain “{search}” for these filters.", icon=":material/search_off:")
    elif comments_withheld(comments, min_cell=min_cell):
        st.info(
            f"Fewer than {min_cell} comments match, so they are not listed: a short list could identify "
            "the people who wrote them.",
            icon=":material/visibility_off:",
        )
    else:
        st.dataframe(
            tagged_comments(comments, rules),
            hide_index=True,
            column_order=["date", "event_type_label", "themes", "comment"],
            column_config={
                "date": st.column_config.DateColumn("Month", format="MMM YYYY"),
                "event_type_label": "Event type",
                "themes": "Themes",
                "comment": st.column_config.TextColumn("Comment", width="large"),
            },
            key="comments",
        )
        st.caption(
            f"{len(comments):,} comments, newest first, shown as plain text with the event month only: no "
            f"names, regions or stages. At most {feedback.DEFAULT_COMMENT_LIMIT} are listed."
        )


st.subheader("What participants wrote", anchor="comments")
try:
    theme_rules = load_theme_rules()
except ValueError as exc:
    st.error(f"**The comment theme rules cannot be read.** {exc}. Fix `{rules_file}`, then reload.")
    st.stop()
every_comment = cached_query(feedback.comments, filters=filters)
if every_comment.empty:
    st.info(NO_COMMENTS, icon=":material/info:")
else:
    show_themes(every_comment, theme_rules)
    query = st.text_input(
        "Search comments", key="comment_search", max_chars=100, placeholder="A word or phrase, e.g. portfolio"
    ).strip()
    found = cached_query(feedback.comments, filters=filters, search=query) if query else every_comment
    show_comments(found, theme_rules, search=query)
