"""Keyword rules that tag feedback comments with themes, kept in one editable CSV table."""

from __future__ import annotations

import pandas as pd
import pytest

from domain.themes import DEFAULT_RULES_PATH, load_theme_rules, tag_comments, theme_counts

REQUIRED_THEMES = {
    "ARCP/portfolio",
    "Interviews",
    "Exams",
    "NHS culture and ways of working",
    "Induction",
    "Wellbeing",
}


@pytest.fixture(scope="module")
def rules():
    """Return the shipped rules table."""
    return load_theme_rules()


def _themes(comment, rules):
    return set(tag_comments(pd.Series([comment]), rules)["theme"])


def test_shipped_rules_cover_required_themes(rules):
    """The default table has at least the six themes the dashboard promises."""
    assert REQUIRED_THEMES <= set(rules["theme"])
    assert list(rules.columns) == ["theme", "keyword"]


def test_shipped_rules_file_documents_matching():
    """The CSV explains its own matching rule in a header note."""
    assert "whole word or phrase" in DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def test_matching_ignores_case(rules):
    """'ARCP' in capitals matches the keyword 'arcp'."""
    assert _themes("My ARCP went well", rules) == {"ARCP/portfolio"}


def test_matching_is_whole_word(rules):
    """'exam' does not match inside 'example', but matches before punctuation."""
    assert "Exams" not in _themes("for example", rules)
    assert "Exams" in _themes("the exam.", rules)


def test_phrase_matches_across_spacing(rules):
    """A phrase matches with any whitespace between its words, including a line break."""
    assert "Wellbeing" in _themes("good for my mental\nhealth", rules)


def test_keyword_symbols_are_literal(rules):
    """'progress+' matches literally, and 'progress' alone does not."""
    assert "ARCP/portfolio" in _themes("Progress+ explained", rules)
    assert "ARCP/portfolio" not in _themes("good progress", rules)


def test_one_row_per_comment_and_theme_with_matched_keywords(rules):
    """Two themes in one comment give two rows; repeated keywords are listed once."""
    comments = pd.Series(
        ["Mock interview and interview tips; felt less isolated", "Nothing to add"], index=[7, 9]
    )
    tags = tag_comments(comments, rules)
    assert tags.to_dict("records") == [
        {"comment_id": 7, "theme": "Interviews", "keywords": "interview; mock interview"},
        {"comment_id": 7, "theme": "Wellbeing", "keywords": "isolated"},
    ]


def test_missing_comments_match_nothing(rules):
    """None and NaN comments are skipped without error."""
    assert tag_comments(pd.Series([None, float("nan")]), rules).empty


def test_no_match_gives_empty_table_with_columns(rules):
    """No matches still returns the three columns."""
    tags = tag_comments(pd.Series(["Thanks"]), rules)
    assert list(tags.columns) == ["comment_id", "theme", "keywords"] and tags.empty


def test_duplicate_comment_ids_are_refused(rules):
    """Comment ids must be unique so each tag points at one comment."""
    with pytest.raises(ValueError, match="unique index"):
        tag_comments(pd.Series(["arcp", "exam"], index=[1, 1]), rules)


def test_theme_counts_count_distinct_comments_and_include_zeros(rules):
    """Counts are per comment, most common first, with every theme listed."""
    comments = pd.Series(["arcp and portfolio", "ARCP again", "exam prep"])
    counts = theme_counts(tag_comments(comments, rules), rules=rules)
    assert counts.iloc[0].to_dict() == {"theme": "ARCP/portfolio", "comments": 2}
    assert counts.set_index("theme").loc["Exams", "comments"] == 1
    assert counts.set_index("theme").loc["Induction", "comments"] == 0
    assert set(counts["theme"]) == set(rules["theme"])


def test_load_rules_skips_notes_and_duplicates(tmp_path):
    """Lines starting with # are ignored and repeated rules kept once, lower-cased."""
    path = tmp_path / "rules.csv"
    path.write_text("# note\ntheme,keyword\nExams,MRCPCH\nExams,mrcpch\n", encoding="utf-8")
    assert load_theme_rules(path).to_dict("records") == [{"theme": "Exams", "keyword": "mrcpch"}]


def test_load_rules_refuses_blank_keyword_naming_the_line(tmp_path):
    """A rule without a keyword is refused with its line number."""
    path = tmp_path / "rules.csv"
    path.write_text("# note\ntheme,keyword\nExams,exam\nExams,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 4"):
        load_theme_rules(path)


def test_load_rules_refuses_missing_column(tmp_path):
    """A table without a keyword column is refused."""
    path = tmp_path / "rules.csv"
    path.write_text("theme,word\nExams,exam\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['keyword'\]"):
        load_theme_rules(path)


def test_load_rules_refuses_missing_file(tmp_path):
    """A missing file is a clear error, not a traceback from deep inside pandas."""
    with pytest.raises(ValueError, match="cannot read theme rules"):
        load_theme_rules(tmp_path / "absent.csv")
