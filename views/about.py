"""Content of the About the data page, built from the same sources the rest
of the dashboard uses: the metric registry, the import contract in
``data_access.importers`` and the import history. Pure functions and text;
no Streamlit."""

from __future__ import annotations

import pandas as pd

from data_access.importers import FIELDS, KEYS, KINDS
from domain.metrics import METRICS
from domain.periods import uk_time_text

UNIT_NAMES: dict[str, str] = {
    "count": "Count",
    "fraction": "Percentage",
    "percent": "Percentage",
    "points": "Percentage points",
    "rating": "Rating (1–5)",
    "regions": "Regions",
}
DIRECTION_NAMES: dict[str, str] = {"up": "Higher", "down": "Lower", "neutral": "Neither"}

TRAINING_YEAR_RULE = (
    "Outcomes are grouped by GMC training year, which starts on the first Wednesday in August, as in the "
    "GMC progression reports. A training year is named by the two calendar years it spans: the year "
    "starting on Wednesday 7 August 2024 is 2024/25. Benchmark figures recorded for a year (e.g. 2024) "
    "are read as that training year (2024/25)."
)
ENGAGEMENT_RULE = (
    "A member's engagement at an outcome is the number of different Soft Landing events they attended "
    "before the outcome date: 0, 1–2 or 3 or more. Members choose how much to attend, so differences "
    "between the bands are associations, not effects."
)
LOAD_COMMANDS = """\
```bash
.venv/bin/python -m data_access init                            # create or upgrade the database
.venv/bin/python -m data_access import events events.csv        # then attendance, feedback, reps,
.venv/bin/python -m data_access import attendance zoom.csv      #   outcomes and benchmarks, as .csv or .xlsx
.venv/bin/python -m data_access clear-demo                      # remove the demo rows
```"""
LOAD_RULES = (
    "Administrators can also upload the same files on the Data page. "
    "Import events before the attendance and feedback that refer to them. Each file is imported in one "
    "transaction: if any row is invalid, nothing is written and every problem is listed as "
    "`row N, column C: 'value' — reason`. Re-importing the same file changes nothing; a row with an "
    "existing key updates that record. Participants' emails are turned into a keyed pseudonym on import "
    "and never stored. Column names are case-insensitive, and spaces and underscores count as the same."
)

HISTORY_HEADINGS: dict[str, str] = {
    "imported_at": "Imported",
    "kind": "Kind",
    "file_name": "File",
    "rows_read": "Rows read",
    "rows_inserted": "Inserted",
    "rows_updated": "Updated",
    "rows_unchanged": "Unchanged",
    "status": "Status",
}


def metric_definitions() -> pd.DataFrame:
    """Return one row per registered metric: its label, definition, unit and
    which direction is better, in registry order (the text of the tile help)."""
    return pd.DataFrame(
        {
            "Figure": [entry.label for entry in METRICS.values()],
            "Definition": [entry.definition for entry in METRICS.values()],
            "Unit": [UNIT_NAMES[entry.unit] for entry in METRICS.values()],
            "Better when": [DIRECTION_NAMES[entry.direction] for entry in METRICS.values()],
        }
    )


def import_contract() -> pd.DataFrame:
    """Return one row per import kind: its required and optional columns and
    the natural key that makes re-imports update rather than duplicate."""
    return pd.DataFrame(
        {
            "Kind": list(KINDS),
            "Required columns": [", ".join(FIELDS[kind][0]) for kind in KINDS],
            "Optional columns": [", ".join(FIELDS[kind][1]) or "none" for kind in KINDS],
            "One row per": [KEYS[kind][2] for kind in KINDS],
        }
    )


def import_history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Return the import history (``meta.import_history``) as shown: the time
    in UK time as text ("26 Nov 2026, 09:41 GMT"), kind, file, row counts and
    a status ("demo data", "undone on ..." or "imported"), with readable headings."""
    shown = pd.DataFrame(
        {
            "imported_at": [_uk_time(moment) for moment in history["imported_at"]],
            "kind": history["kind"].astype(str),
            "file_name": history["file_name"].astype(str),
            **{
                column: history[column].astype("int64")
                for column in HISTORY_HEADINGS
                if column.startswith("rows_")
            },
            "status": [
                _status(is_demo, undone_at)
                for is_demo, undone_at in zip(history["is_demo"], history["undone_at"])
            ],
        },
        index=history.index,
    )
    return shown.rename(columns=HISTORY_HEADINGS).reset_index(drop=True)


def _uk_time(moment) -> str:
    return uk_time_text(pd.Timestamp(moment).to_pydatetime())


def _status(is_demo: bool, undone_at) -> str:
    if undone_at is not None and not pd.isna(undone_at):
        return f"undone on {_uk_time(undone_at)}"
    return "demo data" if is_demo else "imported"
