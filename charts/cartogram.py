"""A tile cartogram of the 19 GMC training regions, drawn with no boundary data.

Tile cartogram: one tile per training region, positions approximate; no boundary data used.

Each region is one equal square on a grid placed roughly where the region
lies (north at the top). Regions differ hugely in area, so equal tiles give
London and Peninsula the same visual weight, which suits a chart about reps
and people rather than land. Nothing is fetched: no topojson, no tile server.

A region without an active rep is drawn hatched with a dashed outline and
the words "no rep" on the tile, so it stands out without relying on colour.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.common import EmptyChart, count_labels, hidden, require
from charts.palette import NHS_MID_GREY, NHS_PALE_GREY, NHS_TEXT, OKABE_ITO, WHITE, apply_base_layout
from charts.spec import FigureSpec

CARTOGRAM_CREDIT = (
    "Tile cartogram: one tile per training region, positions approximate; no boundary data used"
)

# (column, row) of each region's tile; row 0 is the south coast, column 0 the
# far west. Neighbours on the grid are neighbours on the ground where possible.
TILE_GRID: dict[str, tuple[int, int]] = {
    "SCN": (3, 7),
    "SCE": (3, 6),
    "SCW": (2, 5),
    "SCSE": (3, 5),
    "NI": (0, 4),
    "NE": (4, 4),
    "MER": (2, 3),
    "NW": (3, 3),
    "YH": (4, 3),
    "WAL": (2, 2),
    "WM": (3, 2),
    "EM": (4, 2),
    "EOE": (5, 2),
    "SEV": (2, 1),
    "TV": (3, 1),
    "LDN": (4, 1),
    "PEN": (1, 0),
    "WX": (3, 0),
    "KSS": (4, 0),
}

TILE_SIZE = 0.92
NO_REP_COLOUR = OKABE_ITO[5]
NO_REP_TEXT = "no rep"
NOT_SELECTED_TEXT = "not selected"
NO_REGIONS = "No training regions for these filters"
TILE_COLUMNS = ("region", "region_name", "nation", "active_reps", "attendances", "unique_participants")


def _fill(share: float) -> str:
    """Return a colour between pale grey (no reach) and NHS blue (the most reach)."""
    low = (0xE8, 0xED, 0xEE)
    high = (0x00, 0x5E, 0xB8)
    mix = [round(a + (b - a) * share) for a, b in zip(low, high)]
    return "#{:02X}{:02X}{:02X}".format(*mix)


def _hatch(x0: float, y0: float, size: float) -> list[dict]:
    """Return three diagonal line shapes that hatch the square at (x0, y0)."""
    half = size / 2
    segments = (
        (x0, y0, x0 + size, y0 + size),
        (x0, y0 + half, x0 + half, y0 + size),
        (x0 + half, y0, x0 + size, y0 + half),
    )
    return [
        {
            "type": "line",
            "x0": a,
            "y0": b,
            "x1": c,
            "y1": d,
            "line": {"color": NO_REP_COLOUR, "width": 1.5},
            "layer": "below",
            "name": "hatch",
            "opacity": 1,
        }
        for a, b, c, d in segments
    ]


def coverage_cartogram(
    df: pd.DataFrame,
    *,
    min_cell: int = 5,
    title: str = "Reps and reach by training region",
) -> go.Figure:
    """Return a tile cartogram: one square per training region, shaded by attendances (count).

    Input columns: region, region_name, nation, active_reps, attendances,
    unique_participants. Regions in the grid but not in the frame are drawn
    pale as "not selected"; rows for codes outside the grid (e.g. overseas) are
    left out, because they have no place on the map.
    """
    df = require(df, TILE_COLUMNS, empty_message=NO_REGIONS)
    df = df[df["region"].isin(TILE_GRID.keys())].reset_index(drop=True)
    if df.empty:
        raise EmptyChart(NO_REGIONS)
    attendance_labels = dict(zip(df["region"], count_labels(df, "attendances", min_cell=min_cell)))
    participant_labels = dict(zip(df["region"], count_labels(df, "unique_participants", min_cell=min_cell)))
    shown = pd.to_numeric(df["attendances"], errors="coerce").where(~hidden(df, "attendances"))
    most = float(shown.max()) if shown.notna().any() and shown.max() > 0 else 1.0
    rows = df.set_index("region")

    shapes: list[dict] = []
    xs: list[float] = []
    ys: list[float] = []
    texts: list[str] = []
    hovers: list[str] = []
    text_colours: list[str] = []
    for code, (column, row) in TILE_GRID.items():
        x0, y0 = column - TILE_SIZE / 2, row - TILE_SIZE / 2
        centre_x, centre_y = float(column), float(row)
        if code not in rows.index:
            shapes.append(_tile(code, x0, y0, fill=WHITE, line_colour=NHS_PALE_GREY, dash="dot"))
            xs.append(centre_x)
            ys.append(centre_y)
            texts.append(f"<b>{code}</b><br>{NOT_SELECTED_TEXT}")
            hovers.append(f"{code}: {NOT_SELECTED_TEXT}")
            text_colours.append(NHS_MID_GREY)
            continue
        region = rows.loc[code]
        reps = int(pd.to_numeric(region["active_reps"], errors="coerce") or 0)
        reach = shown.iloc[df.index[df["region"] == code][0]]
        share = 0.0 if pd.isna(reach) else float(reach) / most
        has_rep = reps > 0
        fill = _fill(share) if has_rep else WHITE
        shapes.append(
            _tile(
                code,
                x0,
                y0,
                fill=fill,
                line_colour=NHS_TEXT if has_rep else NO_REP_COLOUR,
                dash="solid" if has_rep else "dash",
            )
        )
        if not has_rep:
            shapes.extend(_hatch(x0, y0, TILE_SIZE))
        label = f"<b>{code}</b><br>{attendance_labels[code]}"
        if not has_rep:
            label += f"<br><b>{NO_REP_TEXT}</b>"
        xs.append(centre_x)
        ys.append(centre_y)
        texts.append(label)
        text_colours.append(WHITE if has_rep and share > 0.55 else NHS_TEXT)
        rep_text = f"{reps} active rep{'s' if reps != 1 else ''}" if has_rep else "No active rep"
        hovers.append(
            f"{region['region_name']} ({region['nation']})<br>{rep_text}"
            f"<br>Attendances: {attendance_labels[code]}<br>Unique participants: {participant_labels[code]}"
        )

    fig = FigureSpec(
        dict(
            type="scatter",
            x=xs,
            y=ys,
            mode="text",
            text=texts,
            textfont={"color": text_colours, "size": 14},
            hovertext=hovers,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    apply_base_layout(fig, title=title, height=640)
    fig.update_layout(
        shapes=shapes,
        showlegend=False,
        margin={"l": 16, "r": 16, "t": 96, "b": 72},
    )
    fig.add_annotation(
        text=f"Shade: attendances (darker = more). Hatched, dashed tile: {NO_REP_TEXT}."
        f"<br>{CARTOGRAM_CREDIT}",
        xref="paper",
        yref="paper",
        x=0,
        y=-0.02,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 12, "color": NHS_MID_GREY},
    )
    columns = [column for column, _ in TILE_GRID.values()]
    rows_used = [row for _, row in TILE_GRID.values()]
    fig.update_xaxes(visible=False, range=[min(columns) - 0.6, max(columns) + 0.6])
    fig.update_yaxes(
        visible=False, range=[min(rows_used) - 0.6, max(rows_used) + 0.6], scaleanchor="x", scaleratio=1
    )
    return fig.figure()


def _tile(code: str, x0: float, y0: float, *, fill: str, line_colour: str, dash: str) -> dict:
    """Return the square shape of one region's tile, named "tile:<code>"."""
    return {
        "type": "rect",
        "name": f"tile:{code}",
        "x0": x0,
        "y0": y0,
        "x1": x0 + TILE_SIZE,
        "y1": y0 + TILE_SIZE,
        "fillcolor": fill,
        "line": {"color": line_colour, "width": 3 if dash == "dash" else 1, "dash": dash},
        "layer": "below",
        "opacity": 1,
    }
