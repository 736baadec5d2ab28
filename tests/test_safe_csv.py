"""Spreadsheet formula injection is neutralised in every CSV export."""

import io

import pandas as pd
import pytest

from reports.safe_csv import csv_bytes, neutralise_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x.example\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_written_as_text(text):
    """Each dangerous first character gets a leading apostrophe."""
    assert neutralise_cell(text) == "'" + text


def test_plain_text_and_numbers_are_unchanged():
    """Ordinary text and negative numbers are left as they are."""
    assert neutralise_cell("Great session") == "Great session"
    assert neutralise_cell(-3) == -3


def test_csv_bytes_round_trip_keeps_values_safe():
    """A CSV read back holds the neutralised text, not a formula."""
    frame = pd.DataFrame({"comment": ["=1+1", "fine"], "n": [-1, 2]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig")
    assert back["comment"].tolist() == ["'=1+1", "fine"]
    assert back["n"].tolist() == [-1, 2]


@pytest.mark.parametrize("text", ["\rReturn title", "two\nlines", "tab\there"])
def test_csv_bytes_keeps_line_breaks_inside_their_cell(text):
    """A cell holding a carriage return, newline or tab reads back as one cell of one row."""
    frame = pd.DataFrame({"title": [text, "next"], "n": [1, 2]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig", keep_default_na=False)
    assert back["n"].tolist() == [1, 2]
    assert back["title"].tolist()[1] == "next"
    assert back["title"].tolist()[0].lstrip("'") == text
