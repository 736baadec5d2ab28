"""CSV that is safe to open in a spreadsheet.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
can be run as a formula by Excel or LibreOffice (CSV/formula injection), so
such text is written with a leading apostrophe, which spreadsheets show as
text. Numbers are left alone: a negative number is data, not a formula.
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Return ``value``, with text that a spreadsheet would treat as a formula
    prefixed by an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells (and column names) cannot run as formulas."""
    safe = df.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    return safe


def csv_bytes(df: pd.DataFrame) -> bytes:
    """Return ``df`` as UTF-8 CSV bytes (with a byte-order mark, so Excel reads
    accents correctly) after neutralising formula-like text.

    Rows end in CRLF (RFC 4180), so that a cell holding a lone carriage
    return is quoted rather than read as the end of its row."""
    return neutralise_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
