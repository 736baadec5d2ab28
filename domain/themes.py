"""Transparent keyword rules that tag feedback comments with themes.

The rules live in one editable table, ``domain/comment_themes.csv`` (columns
``theme`` and ``keyword``). A comment gets a theme when it contains one of
the theme's keywords as a whole word or phrase, ignoring case; spaces in a
phrase match any run of whitespace. Comments are only read as text.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

DEFAULT_RULES_PATH = Path(__file__).with_name("comment_themes.csv")

RULE_COLUMNS = ("theme", "keyword")


def load_theme_rules(path: str | Path = DEFAULT_RULES_PATH) -> pd.DataFrame:
    """Return the rules table: columns ``theme`` and ``keyword`` (lower-cased), in file order.

    Lines starting with ``#`` are notes. Duplicate rows are dropped. Raises
    ValueError naming the line for a missing column or an empty cell, and
    when the file has no rules.
    """
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read theme rules {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"theme rules {path} are not UTF-8 text") from None
    numbered = [
        (number, line)
        for number, line in enumerate(raw.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise ValueError(f"theme rules {path} have no header row and no rules")
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(line for _, line in numbered)), dtype=str, keep_default_na=False
        )
    except pd.errors.ParserError as exc:
        raise ValueError(f"theme rules {path} are not a two-column CSV table: {exc}") from None
    table.columns = [str(column).strip().lower() for column in table.columns]
    missing = [column for column in RULE_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"theme rules {path} line {numbered[0][0]}: missing column(s) {missing}")
    table = table[list(RULE_COLUMNS)].copy()
    table["theme"] = table["theme"].str.strip()
    table["keyword"] = table["keyword"].str.strip().str.lower().str.split().str.join(" ")
    for position, row in enumerate(table.itertuples(index=False)):
        if not row.theme or not row.keyword:
            line = numbered[position + 1][0]
            raise ValueError(f"theme rules {path} line {line}: theme and keyword must both be filled in")
    if table.empty:
        raise ValueError(f"theme rules {path} have a header but no rules")
    return table.drop_duplicates().reset_index(drop=True)


def _theme_pattern(keywords: list[str]) -> re.Pattern[str]:
    # Longest first, so "mock interview" is reported rather than just "interview".
    ordered = sorted(set(keywords), key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(re.escape(word) for word in keyword.split()) for keyword in ordered)
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.IGNORECASE)


def tag_comments(comments: pd.Series, rules: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (comment, theme) match: ``comment_id``, ``theme``, ``keywords``.

    ``comment_id`` is the comment's index label in ``comments`` (which must
    be unique); ``keywords`` lists the matched keywords, lower-case, joined
    by "; ". Rows follow the comments' order, then the rules' theme order.
    Missing comments match nothing.
    """
    if not comments.index.is_unique:
        raise ValueError("comments must have a unique index: it identifies each comment in the result")
    missing = [column for column in RULE_COLUMNS if column not in rules.columns]
    if missing:
        raise ValueError(f"rules are missing column(s) {missing}")
    text = comments.astype(object).where(comments.notna(), "").astype(str)
    position = pd.Series(range(len(text)), index=text.index)
    frames = []
    for theme_order, (theme, keywords) in enumerate(rules.groupby("theme", sort=False)["keyword"]):
        matches = text.str.findall(_theme_pattern(list(keywords)))
        matches = matches[matches.str.len() > 0]
        if matches.empty:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "comment_id": matches.index,
                    "theme": theme,
                    "keywords": [
                        "; ".join(sorted({" ".join(found.lower().split()) for found in found_list}))
                        for found_list in matches
                    ],
                    "_position": position[matches.index].to_numpy(),
                    "_theme_order": theme_order,
                }
            )
        )
    if not frames:
        return pd.DataFrame({"comment_id": pd.Series([], dtype=object), "theme": [], "keywords": []}).astype(
            {"theme": "str", "keywords": "str"}
        )
    tags = pd.concat(frames, ignore_index=True).sort_values(["_position", "_theme_order"], kind="stable")
    return tags.drop(columns=["_position", "_theme_order"]).reset_index(drop=True)


def theme_counts(tags: pd.DataFrame, *, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return ``theme`` and ``comments`` (number of distinct comments tagged), most common first.

    With ``rules``, every theme in them appears, with 0 where nothing
    matched. The counts are counts of people's comments: pass them through
    ``domain.suppression.suppress`` before showing them.
    """
    counts = tags.groupby("theme", sort=False)["comment_id"].nunique()
    if rules is not None:
        counts = counts.reindex(pd.unique(rules["theme"]), fill_value=0)
    result = counts.rename("comments").rename_axis("theme").reset_index()
    result["comments"] = result["comments"].astype("int64")
    ordered = result.sort_values(["comments", "theme"], ascending=[False, True], kind="stable")
    return ordered.reset_index(drop=True)
