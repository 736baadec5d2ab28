"""Each chart view's data as a native (editable) PowerPoint chart: which chart
type, its categories and its series, worked out from the view's suppressed
table. Pure functions; ``reports.deck`` draws them with python-pptx.

Hidden numbers stay hidden: a suppressed cell is None (a gap in the chart,
and an empty cell in the chart's embedded workbook), never a value. A rate
is drawn only where the dashboard draws it (both counts shown and the
denominator at least ``min_cell``).

Category labels and series names can come from imported data (event
titles, event-type labels), and PowerPoint keeps them in an Excel workbook
inside the chart, where a label beginning with ``=`` would be written as a
formula. They pass through ``neutralise_cell`` first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from charts.attainment import shown_rates
from charts.common import hidden, months, values
from charts.feedback import MAX_EVENTS_CHARTED, WITHHELD_NAME, event_labels, excellent_rates, rating_shares
from charts.palette import LIKERT_COLOURS, NHS_BLUE, NHS_PALE_GREY, OKABE_ITO
from charts.reach import share_rates
from domain.spc import VARIATION_COLOURS
from reports.safe_csv import neutralise_cell
from views.base import PreparedView

ChartKind = Literal["bar", "column", "stacked_bar", "stacked_column", "line", "line_markers"]
ValueKind = Literal["count", "share", "rating", "regions", "spc"]

# The Excel number format of each kind of value.
NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "share": "0%",
    "rating": "0.0",
    "regions": "0",
}
MAP_NOTE = (
    "The dashboard draws this as a tile map of the training regions; PowerPoint has no such chart, "
    "so the same figures are drawn here as bars."
)
SPC_VALUE = "Value"
SPC_MEAN = "Mean"
SPC_LOWER = "Lower process limit"
SPC_UPPER = "Upper process limit"
SPC_SPECIAL_NAMES: dict[str, str] = {
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither better nor worse",
}


@dataclass(frozen=True, kw_only=True)
class NativeSeries:
    """One series: its name, one value per category (None = hidden or no
    point), an optional colour ("#RRGGBB"), and for line charts whether the
    points are joined (``joined``) and the line dashed."""

    name: str
    values: tuple[float | None, ...]
    colour: str | None = None
    joined: bool = True
    dashed: bool = False
    markers: bool = False


@dataclass(frozen=True, kw_only=True)
class NativeChart:
    """A chart PowerPoint can draw natively. ``value_kind`` sets the number
    format (counts, shares 0-1, ratings 1-5, regions; SPC charts take the
    unit of their values); ``note`` says how it differs from the dashboard."""

    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[NativeSeries, ...]
    value_kind: ValueKind
    number_format: str
    note: str | None = None


def _labels(items) -> tuple[str, ...]:
    return tuple(str(neutralise_cell(str(item))) for item in items)


def _series(name: str, numbers, **style) -> NativeSeries:
    return NativeSeries(
        name=str(neutralise_cell(name)),
        values=tuple(None if number is None or pd.isna(number) else float(number) for number in numbers),
        **style,
    )


def _chart(
    kind: ChartKind, categories, series, value_kind: ValueKind, note: str | None = None
) -> NativeChart:
    return NativeChart(
        kind=kind,
        categories=_labels(categories),
        series=tuple(series),
        value_kind=value_kind,
        number_format=NUMBER_FORMATS.get(value_kind, "General"),
        note=note,
    )


def _month_labels(table: pd.DataFrame) -> list[str]:
    return [f"{stamp:%b %Y}" for stamp in months(table)]


def _counts_by(table: pd.DataFrame, *, label: str, columns: dict[str, str], kind: ChartKind,
               note: str | None = None) -> NativeChart:
    """Bars of count ``columns`` (name -> column) per row, labelled by ``label``."""
    series = [
        _series(name, values(table, column), colour=OKABE_ITO[position % len(OKABE_ITO)])
        for position, (name, column) in enumerate(columns.items())
    ]
    return _chart(kind, table[label], series, "count", note)


def _monthly_counts(table: pd.DataFrame, columns: dict[str, str], *, kind: ChartKind) -> NativeChart:
    table = table.assign(_month=months(table)).sort_values("_month", kind="stable")
    series = [
        _series(name, values(table, column), colour=OKABE_ITO[position % len(OKABE_ITO)])
        for position, (name, column) in enumerate(columns.items())
    ]
    return _chart(kind, _month_labels(table), series, "count")


def _reach_by_month(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    return _monthly_counts(
        table,
        {"Registrations": "registrations", "Attendances": "attendances",
         "Unique participants": "unique_participants"},
        kind="line_markers",
    )


def _attendances_by_month(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    table = table.assign(_month=months(table))
    month_order = sorted(table["_month"].unique())
    shown = pd.Series(values(table, "attendances"), index=table.index, dtype="object")
    series = []
    for position, (label, rows) in enumerate(table.groupby("event_type_label", sort=False)):
        cells = dict(zip(rows["_month"], shown[rows.index], strict=True))
        # A month with no row for this type had no attendances of it: 0, not hidden.
        numbers = [cells.get(month, 0.0) for month in month_order]
        series.append(_series(str(label), numbers, colour=OKABE_ITO[position % len(OKABE_ITO)]))
    return _chart("stacked_column", [f"{pd.Timestamp(m):%b %Y}" for m in month_order], series, "count")


def _by_region(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    return _counts_by(table, label="region_name", kind="bar",
                      columns={"Attendances": "attendances", "Unique participants": "unique_participants"})


def _region_map(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    return _counts_by(table, label="region_name", kind="bar", note=MAP_NOTE,
                      columns={"Attendances": "attendances", "Unique participants": "unique_participants"})


def _by_stage(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    return _counts_by(table, label="stage_label", kind="column",
                      columns={"Attendances": "attendances", "Unique participants": "unique_participants"})


def _share_by_type(name: str, numerator: str, denominator: str) -> Callable[..., NativeChart]:
    def build(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
        rates = share_rates(table, numerator=numerator, denominator=denominator, min_cell=min_cell)
        return _chart("bar", table["event_type_label"], [_series(name, rates, colour=NHS_BLUE)], "share")
    return build


def _new_vs_returning(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    return _monthly_counts(
        table, {"New": "new_participants", "Returning": "returning_participants"}, kind="stacked_column"
    )


def _cumulative(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    return _monthly_counts(
        table, {"Unique participants to date": "cumulative_unique_participants"}, kind="line_markers"
    )


def _rating_distribution(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    table = table.assign(_share=rating_shares(table, min_cell=min_cell))
    types = list(dict.fromkeys(table["event_type_label"].astype(str)))
    series = []
    for rating, rows in table.groupby(pd.to_numeric(table["rating"]).astype(int), sort=True):
        cells = dict(zip(rows["event_type_label"].astype(str), rows["_share"], strict=True))
        slot = min(max(rating - 1, 0), len(LIKERT_COLOURS) - 1)
        series.append(_series(str(rows["rating_label"].iloc[0]), [cells.get(kind) for kind in types],
                              colour=LIKERT_COLOURS[slot]))
    drawn = table.groupby(table["event_type_label"].astype(str), sort=False)["_share"].sum(min_count=1)
    withheld = [None if pd.isna(total) or 1 - total < 0.005 else 1 - total for total in drawn.reindex(types)]
    if any(share is not None for share in withheld):
        series.append(_series(WITHHELD_NAME, withheld, colour=NHS_PALE_GREY))
    return _chart("stacked_bar", types, series, "share")


def _excellent_by_month(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    table = table.assign(_month=months(table)).sort_values("_month", kind="stable")
    rates = excellent_rates(table, min_cell=min_cell)
    return _chart("line_markers", _month_labels(table), [_series("% excellent", rates, colour=NHS_BLUE)],
                  "share")


def _mean_rating(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    note = None
    if len(table) > MAX_EVENTS_CHARTED:
        recent = table.sort_values("date", ascending=False, kind="stable").head(MAX_EVENTS_CHARTED).index
        note = (f"Drawn for the {MAX_EVENTS_CHARTED} most recent of {len(table):,} events, as on the "
                "dashboard; the CSV in the ZIP pack lists them all.")
        table = table.loc[table.index.isin(recent)].reset_index(drop=True)
    responses = pd.to_numeric(table["responses"], errors="coerce")
    means = values(table, "mean_rating", hide=hidden(table, "responses") | (responses < min_cell))
    series = [_series("Mean rating", means, colour=NHS_BLUE)]
    return _chart("bar", event_labels(table), series, "rating", note)


def _regions_covered(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    table = table.assign(_month=months(table)).sort_values("_month", kind="stable")
    series = [
        _series("Regions with an active rep", table["regions_with_active_rep"], colour=NHS_BLUE),
        _series("Regions selected", table["regions_total"], colour=OKABE_ITO[6], dashed=True),
    ]
    return _chart("line", _month_labels(table), series, "regions")


def _mwres(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    labelled = table.assign(_label=[f"{code} {label}" for code, label in
                                    zip(table["indicator"], table["indicator_label"], strict=True)])
    return _counts_by(labelled, label="_label", kind="bar",
                      columns={"Attendances": "attendances", "Unique participants": "unique_participants"})


def _outcome_rates(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    years = (table[["training_year_label"]].drop_duplicates()["training_year_label"]
             .sort_values(kind="stable").tolist())
    shown = table["rate"].where(shown_rates(table, min_cell=min_cell))
    series = []
    for position, (group, rows) in enumerate(table.groupby("group", sort=False)):
        cells = dict(zip(rows["training_year_label"], shown[rows.index], strict=True))
        series.append(_series(str(group), [cells.get(year) for year in years],
                              colour=OKABE_ITO[position % len(OKABE_ITO)], markers=True))
    return _chart("line_markers", years, series, "share")


def _engagement(table: pd.DataFrame, *, min_cell: int) -> NativeChart:
    bands = list(dict.fromkeys(table["engagement"].astype(str)))
    shown = table["rate"].where(shown_rates(table, min_cell=min_cell))
    series = []
    for position, (measure, rows) in enumerate(table.groupby("measure_label", sort=False)):
        cells = dict(zip(rows["engagement"].astype(str), shown[rows.index], strict=True))
        series.append(_series(str(measure), [cells.get(band) for band in bands],
                              colour=OKABE_ITO[position % len(OKABE_ITO)]))
    return _chart("column", [f"{band.replace('-', '–')} events" for band in bands], series, "share")


def spc_chart(table: pd.DataFrame, *, number_format: str) -> NativeChart:
    """Return an XmR chart from a ``domain.spc.SPC_COLUMNS`` table: the values
    (grey line), the mean, the dashed process limits, and one marker-only
    series per kind of special cause, in the Making Data Count colours."""
    periods = [f"{pd.Timestamp(period):%b %Y}" if hasattr(period, "year") else str(period)
               for period in table["period"]]
    series = [
        _series(SPC_VALUE, table["value"], colour=VARIATION_COLOURS["common"], markers=True),
        _series(SPC_MEAN, table["mean"], colour="#000000"),
        _series(SPC_LOWER, table["lower_limit"], colour="#768692", dashed=True),
        _series(SPC_UPPER, table["upper_limit"], colour="#768692", dashed=True),
    ]
    special = table["special_cause"].astype(bool)
    for variation, name in SPC_SPECIAL_NAMES.items():
        mask = special & (table["variation"] == variation)
        if mask.any():
            series.append(_series(name, table["value"].where(mask), colour=VARIATION_COLOURS[variation],
                                  joined=False, markers=True))
    return NativeChart(kind="line", categories=_labels(periods), series=tuple(series), value_kind="spc",
                       number_format=number_format)


BUILDERS: dict[str, Callable[..., NativeChart]] = {
    "reach-by-month": _reach_by_month,
    "attendances-by-month": _attendances_by_month,
    "attendances-by-region": _by_region,
    "attendances-by-stage": _by_stage,
    "conversion-by-event-type": _share_by_type("Registrations that attended", "attendances", "registrations"),
    "new-vs-returning": _new_vs_returning,
    "cumulative-reach": _cumulative,
    "rating-distribution": _rating_distribution,
    "excellent-by-month": _excellent_by_month,
    "response-rate": _share_by_type("Attendances with feedback", "responses", "attendances"),
    "mean-rating-by-event": _mean_rating,
    "region-coverage": _region_map,
    "regions-covered-by-month": _regions_covered,
    "mwres-reach": _mwres,
}
PREFIX_BUILDERS: dict[str, Callable[..., NativeChart]] = {
    "outcome-": _outcome_rates,
    "engagement-": _engagement,
}


def native_chart(prepared: PreparedView, *, min_cell: int) -> NativeChart:
    """Return the native chart for a prepared view that has something to
    draw. Raises KeyError for a view with no native form."""
    view_id = prepared.view.id
    builder = BUILDERS.get(view_id) or next(
        (build for prefix, build in PREFIX_BUILDERS.items() if view_id.startswith(prefix)), None
    )
    if builder is None:
        raise KeyError(f"no native chart for view '{view_id}'")
    return builder(prepared.table, min_cell=min_cell)
