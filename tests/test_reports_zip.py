"""The meeting pack's ZIP: one suppressed CSV per chart view, the headline
figures and definitions.txt with the registry definitions, the suppression
rule, the filters and data as of."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from domain.metrics import METRICS
from reports.export import make_pack
from reports.pack import pack_views
from tests.pack_data import BACKENDS, PACK_FILTER_TEXT, PACK_FILTERS, SMALL_REGIONS, seeded_database


@pytest.fixture(scope="module", params=BACKENDS)
def archive(request, tmp_path_factory):
    """Return the ZIP pack for the pack test data set, opened, and the engine's view ids."""
    with seeded_database(request.param, tmp_path_factory.mktemp("zip"), name="reports_zip") as engine:
        _, data = make_pack(engine, filters=PACK_FILTERS, fmt="zip", min_cell=5)
        view_ids = [view.id for view in pack_views(engine)]
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        yield opened, view_ids


def read_csv(opened: zipfile.ZipFile, name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(opened.read(name)), encoding="utf-8-sig")


def test_zip_holds_one_csv_per_view_plus_kpis_and_definitions(archive):
    """The ZIP lists definitions.txt, headline-figures.csv and <view id>.csv for every view, nothing else."""
    opened, view_ids = archive
    assert sorted(opened.namelist()) == sorted(
        ["definitions.txt", "headline-figures.csv", *(f"{view_id}.csv" for view_id in view_ids)]
    )


def test_region_csv_withholds_small_regions(archive):
    """The attendances-by-region CSV leaves the small regions' counts empty and flags them."""
    opened, _ = archive
    table = read_csv(opened, "attendances-by-region.csv").set_index("region")
    for region in SMALL_REGIONS:
        assert pd.isna(table.at[region, "attendances"])
        assert bool(table.at[region, "attendances_suppressed"])
    counts = pd.to_numeric(table["attendances"], errors="coerce").dropna()
    assert not counts.between(1, 4).any()


def test_spc_csv_has_the_download_columns(archive):
    """An SPC CSV has exactly period, value, mean, lower_limit, upper_limit, special_cause, variation."""
    opened, _ = archive
    table = read_csv(opened, "spc-attendances.csv")
    assert list(table.columns) == ["period", "value", "mean", "lower_limit", "upper_limit", "special_cause",
                                   "variation"]
    assert len(table) == 12


def test_definitions_name_filters_rule_and_every_metric(archive):
    """definitions.txt states the filters, data as of, the suppression rule and every registry definition."""
    opened, _ = archive
    text = opened.read("definitions.txt").decode("utf-8")
    assert f"Filters: {PACK_FILTER_TEXT}" in text
    assert "Data as of" in text
    assert 'counts from 1 to 4 show as "<5"' in text
    for entry in METRICS.values():
        assert f"{entry.label} ({entry.id}): {entry.definition}" in text
