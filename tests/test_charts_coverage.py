"""The tile cartogram and the regions-covered chart."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from charts.cartogram import CARTOGRAM_CREDIT, NO_REP_TEXT, TILE_GRID, coverage_cartogram
from charts.common import EmptyChart
from charts.coverage import regions_covered_chart

NO_REP = {"WAL", "PEN", "SCN"}


def _regions():
    codes = list(TILE_GRID)
    return pd.DataFrame(
        {
            "region": codes,
            "region_name": [f"Region {code}" for code in codes],
            "nation": ["England"] * len(codes),
            "active_reps": [0 if code in NO_REP else 1 for code in codes],
            "attendances": [100 + i for i in range(len(codes))],
            "unique_participants": [50 + i for i in range(len(codes))],
        }
    )


def _tiles(fig):
    return {
        shape.name.removeprefix("tile:"): shape
        for shape in fig.layout.shapes
        if (shape.name or "").startswith("tile:")
    }


def test_grid_places_nineteen_distinct_tiles():
    """The grid holds the 19 training regions, each on its own square."""
    assert len(TILE_GRID) == 19
    assert len(set(TILE_GRID.values())) == 19


def test_cartogram_draws_nineteen_equal_tiles():
    """Every training region gets one square tile of the same size."""
    tiles = _tiles(coverage_cartogram(_regions()))
    assert set(tiles) == set(TILE_GRID)
    sizes = {(round(t.x1 - t.x0, 6), round(t.y1 - t.y0, 6)) for t in tiles.values()}
    assert len(sizes) == 1


def test_no_rep_regions_marked_without_colour():
    """A region without a rep has a dashed outline and the words "no rep" on its tile."""
    fig = coverage_cartogram(_regions())
    tiles = _tiles(fig)
    assert {code for code, tile in tiles.items() if tile.line.dash == "dash"} == NO_REP
    labels = dict(zip(TILE_GRID, fig.data[0].text))
    assert {code for code, text in labels.items() if NO_REP_TEXT in text} == NO_REP


def test_no_rep_tiles_are_hatched():
    """Each no-rep tile gets hatching lines, a pattern rather than a colour."""
    hatches = [s for s in coverage_cartogram(_regions()).layout.shapes if s.name == "hatch"]
    assert len(hatches) == 3 * len(NO_REP)


def test_tile_labels_show_code_and_attendances():
    """Each tile's label names the region code and its attendances."""
    frame = _regions()
    labels = dict(zip(TILE_GRID, coverage_cartogram(frame).data[0].text))
    london = int(frame.loc[frame["region"] == "LDN", "attendances"].iloc[0])
    assert "LDN" in labels["LDN"] and f"{london:,}" in labels["LDN"]


def test_cartogram_credits_its_geometry():
    """The figure carries the tile-cartogram credit line."""
    fig = coverage_cartogram(_regions())
    assert any(CARTOGRAM_CREDIT in (a.text or "") for a in fig.layout.annotations)


def test_cartogram_marks_unselected_regions():
    """Regions missing from the frame (filtered out) are drawn as "not selected", not as zero."""
    fig = coverage_cartogram(_regions().iloc[:5])
    labels = dict(zip(TILE_GRID, fig.data[0].text))
    assert "not selected" in labels["KSS"]
    assert len(_tiles(fig)) == 19


def test_cartogram_hides_suppressed_reach():
    """A suppressed attendance count shows as "<5" on its tile."""
    frame = _regions().astype({"attendances": "float64"})
    frame.loc[frame["region"] == "NI", "attendances"] = np.nan
    frame["attendances_suppressed"] = frame["attendances"].isna()
    labels = dict(zip(TILE_GRID, coverage_cartogram(frame).data[0].text))
    assert "<5" in labels["NI"]


def test_cartogram_empty_raises():
    """No regions raises EmptyChart."""
    with pytest.raises(EmptyChart):
        coverage_cartogram(_regions().iloc[0:0])


def test_regions_covered_line_matches_frame():
    """The covered line and the selected-regions line carry the frame's counts."""
    frame = pd.DataFrame(
        {
            "month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1)],
            "regions_with_active_rep": [12, 14],
            "regions_total": [19, 19],
        }
    )
    fig = regions_covered_chart(frame)
    covered = next(t for t in fig.data if t.name == "Regions with an active rep")
    assert list(covered.y) == [12, 14]
    assert covered.text[-1] == "14 of 19"
