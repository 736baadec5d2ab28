"""The meeting pack as a ZIP: every chart view's suppressed table as a
formula-safe CSV (``<view id>.csv``), the headline figures
(``headline-figures.csv``) and ``definitions.txt``."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from domain.metrics import metric
from domain.suppression import display_kpi
from reports.pack import PACK_KPIS, MeetingPack, definitions_text
from reports.safe_csv import csv_bytes

DEFINITIONS_FILE = "definitions.txt"
KPI_FILE = "headline-figures.csv"


def kpi_table(pack: MeetingPack) -> pd.DataFrame:
    """Return the headline figures as shown: figure, value text ("<5" when
    withheld) and definition, one row per KPI."""
    return pd.DataFrame({
        "Figure": [metric(key).label for key in PACK_KPIS],
        "Value": [display_kpi(key, pack.figures, pack.hidden, min_cell=pack.min_cell) for key in PACK_KPIS],
        "Definition": [metric(key).definition for key in PACK_KPIS],
    })


def csv_file_name(view_id: str) -> str:
    """Return the CSV file name of a view in the ZIP."""
    return f"{view_id}.csv"


def zip_bytes(pack: MeetingPack) -> bytes:
    """Return the ZIP's bytes: one CSV per view (with data or not, so the
    set of files is the same whatever the filters), the KPIs and definitions."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DEFINITIONS_FILE, definitions_text(pack).encode("utf-8"))
        archive.writestr(KPI_FILE, csv_bytes(kpi_table(pack)))
        for prepared in pack.views:
            archive.writestr(csv_file_name(prepared.view.id), csv_bytes(prepared.table))
    return out.getvalue()
