"""The SPC (Making Data Count) views: XmR charts of monthly attendances,
monthly % excellent and each differential-attainment measure's quarterly
rate, shared by the pages and the meeting pack.

How a series is built, in this order:

1. The query returns one row per period with its counts, and
   ``whole_period``: False for a month (or quarter) only partly inside the
   date filter, whose count would look like a fall.
2. The counts are suppressed exactly as the page's other chart of the same
   figures suppresses them (monthly attendances as the reach-over-time
   chart, % excellent as the monthly % excellent chart, outcome rates as the
   attainment charts, each measure its own group), so that no chart gives
   away a number another withholds.
3. The value is worked out from the shown counts only. A withheld period has
   no value and is left out of the series, its limits and its download, and
   the caption says how many periods were withheld and how many part
   periods were left out. Limits are then computed over the remaining
   periods in time order.
4. With fewer than ``SPC_MIN_POINTS`` periods left, or more than a third
   of the whole periods withheld (the moving ranges would then mostly span
   gaps), there is no chart: the empty state says how many periods were
   shown, withheld and left out. On a quarterly chart a withheld quarter
   keeps its place on the axis, so the gap shows.

Attainment uses calendar quarters, not months: members' monthly results are
mostly fewer than five, so monthly rates would nearly all be withheld. A
quarter's counts are never shown, only its rate, so the training-year totals
on the same page cannot be used to work a withheld quarter out.
Direction (which way is an improvement) comes from the metric registry.
Targets are not stored anywhere: a caller passes one (the pages let the
user type one in), and only then is there an assurance icon.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from charts.alt_text import caption
from charts.common import safe_ratio
from charts.spc import PERCENT_UNITS, format_spc_value, spc_chart
from data_access.filters import Filters
from data_access.queries import feedback, reach, trends
from domain.metrics import metric
from domain.spc import SPC_COLUMNS, SpcResult, xmr
from domain.suppression import suppress
from views.attainment import RATE_METRICS, RATE_WORDS
from views.base import ChartView, PreparedView

# Below this many shown periods an XmR chart says too little to be drawn;
# from 6 to 11 the limits are trial limits (domain.spc).
SPC_MIN_POINTS = 6
# Above this share of withheld whole periods, the limits would rest on a series full of gaps.
MAX_WITHHELD_SHARE = 1 / 3

SERIES_COLUMNS = ["period", "value"]
WHOLE = "whole_period"

_MONTH_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER_TEXT = re.compile(r"^\s*(\d{4})[\s-]*q([1-4])\s*$", re.IGNORECASE)
_QUARTER_LABEL = re.compile(r"^(\d{4}) Q([1-4])$")

VARIATION_WORDS: dict[str, str] = {
    "common_cause": "common cause variation only",
    "special_cause_improvement_high": "special cause variation: an improvement (unusually high)",
    "special_cause_improvement_low": "special cause variation: an improvement (unusually low)",
    "special_cause_concern_high": "special cause variation: a concern (unusually high)",
    "special_cause_concern_low": "special cause variation: a concern (unusually low)",
    "special_cause_neutral_high": "special cause variation (unusually high)",
    "special_cause_neutral_low": "special cause variation (unusually low)",
}
ASSURANCE_WORDS: dict[str, str] = {
    "consistently_pass": "it will consistently meet the target",
    "consistently_fail": "it will consistently miss the target",
    "hit_and_miss": "it will sometimes meet the target and sometimes miss it",
}


@dataclass(frozen=True, kw_only=True)
class SpcView(ChartView):
    """A ChartView drawn as an XmR chart; ``prepare_view`` hands it to ``prepare_spc_view``.

    ``derive`` turns the suppressed rows into ``period``, ``value`` (NaN
    where withheld) and ``whole_period``. ``metric_id`` names the registry
    entry whose ``direction`` the rules use; ``label`` names the series in
    sentences; ``unit`` is the value's unit on the chart ("attendances" or
    "%"), and limits are kept within 0 (and 100 for "%"); ``period_word``
    is "month" or "quarter".
    """

    metric_id: str
    label: str
    unit: str
    period_word: str


@dataclass(frozen=True, kw_only=True)
class SeriesCounts:
    """How many periods a series had: ``shown`` in the chart, ``withheld``
    to protect individuals, ``partial`` (only partly inside the dates)."""

    shown: int
    withheld: int
    partial: int


def period_bounds(period: dt.date | str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a month (a first-of-month date) or a quarter ("2025 Q2")."""
    if isinstance(period, str):
        match = _QUARTER_LABEL.match(period)
        if match is None:
            raise ValueError(f"{period!r} is not a quarter such as '2025 Q2'")
        year, quarter = int(match[1]), int(match[2])
        start = dt.date(year, 3 * quarter - 2, 1)
        return start, _month_end(dt.date(year, 3 * quarter, 1))
    start = dt.date(period.year, period.month, 1)
    return start, _month_end(start)


def _month_end(first: dt.date) -> dt.date:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def period_label(period: dt.date | str) -> str:
    """Return a period as people read it: "Jun 2025" for a month, "2025 Q2" for a quarter."""
    return period if isinstance(period, str) else period.strftime("%b %Y")


def period_text(period: dt.date | str) -> str:
    """Return a period as written in a link: "2025-06" for a month, "2025-Q2" for a quarter."""
    return period.replace(" ", "-") if isinstance(period, str) else period.strftime("%Y-%m")


def whole_periods(periods: Sequence[dt.date | str], *, filters: Filters) -> list[bool]:
    """Return, per period, whether it lies wholly inside the filter's dates (open ends count as inside)."""
    flags = []
    for period in periods:
        start, end = period_bounds(period)
        flags.append(
            (filters.date_from is None or filters.date_from <= start)
            and (filters.date_to is None or filters.date_to >= end)
        )
    return flags


def _month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    current = dt.date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = _month_end(current) + dt.timedelta(days=1)
    return months


def monthly_attendances(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return ``period`` (first of the month), ``attendances`` and
    ``whole_period`` for every month from the first to the last with
    registrations: a month between them without events has 0 attendances,
    not a gap. Months before the first are not filled, since no events
    there may mean no data imported yet."""
    rows = reach.reach_by_month(engine, filters=filters)
    if rows.empty:
        return pd.DataFrame(columns=["period", "attendances", WHOLE])
    counts = dict(zip(rows["month"], rows["attendances"], strict=True))
    months = _month_range(rows["month"].iloc[0], rows["month"].iloc[-1])
    return pd.DataFrame(
        {
            "period": months,
            "attendances": [int(counts.get(month, 0)) for month in months],
            WHOLE: whole_periods(months, filters=filters),
        }
    )


def monthly_excellent(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return ``period`` (first of the month), ``responses``, ``excellent``
    and ``whole_period`` for each month with feedback responses."""
    rows = feedback.excellent_by_month(engine, filters=filters).rename(columns={"month": "period"})
    return rows.assign(**{WHOLE: whole_periods(list(rows["period"]), filters=filters)})


def quarterly_outcomes(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return ``trends.outcomes_by_quarter`` with the quarter as ``period`` and a ``whole_period`` flag."""
    rows = trends.outcomes_by_quarter(engine, filters=filters).rename(columns={"quarter": "period"})
    return rows.assign(**{WHOLE: whole_periods(list(rows["period"]), filters=filters)})


def _series(periods: pd.Series, values: pd.Series, whole: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": list(periods),
            "value": values.astype("float64").to_numpy(),
            WHOLE: whole.astype(bool).to_numpy(),
        }
    )


def attendance_series(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``period``, ``value`` (attendances; NaN where withheld) and ``whole_period``."""
    return _series(table["period"], pd.to_numeric(table["attendances"], errors="coerce"), table[WHOLE])


def excellent_series(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``period``, ``value`` (% excellent, 0-100; NaN where the
    responses or the excellent count is withheld) and ``whole_period``."""
    return _series(table["period"], 100 * safe_ratio(table["excellent"], table["responses"]), table[WHOLE])


def outcome_series(table: pd.DataFrame, *, measure: str) -> pd.DataFrame:
    """Return one measure's ``period``, ``value`` (events as % of n; NaN
    where either count is withheld) and ``whole_period``."""
    rows = table[table["measure"] == measure]
    return _series(rows["period"], 100 * safe_ratio(rows["events"], rows["n"]), rows[WHOLE])


def series_counts(series: pd.DataFrame) -> SeriesCounts:
    """Return how many of ``series``' periods are shown, withheld and part periods."""
    whole = series[WHOLE].astype(bool)
    present = series["value"].notna()
    return SeriesCounts(
        shown=int((whole & present).sum()),
        withheld=int((whole & ~present).sum()),
        partial=int((~whole).sum()),
    )


def shown_series(series: pd.DataFrame) -> pd.DataFrame:
    """Return the whole, not withheld periods of ``series``: ``period`` and ``value``, in time order."""
    keep = series[WHOLE].astype(bool) & series["value"].notna()
    return series.loc[keep, SERIES_COLUMNS].reset_index(drop=True)


def whole_series_periods(series: pd.DataFrame) -> list[dt.date | str]:
    """Return every whole period of ``series`` in order, withheld ones included."""
    return list(series.loc[series[WHOLE].astype(bool), "period"])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def series_note(counts: SeriesCounts, *, period_word: str) -> str:
    """Return what the series left out, e.g. "2 months withheld to protect
    individuals; 1 part month at the ends of the dates left out", or ""."""
    parts = []
    if counts.withheld:
        parts.append(f"{_plural(counts.withheld, period_word)} withheld to protect individuals")
    if counts.partial:
        parts.append(
            f"{_plural(counts.partial, 'part ' + period_word)} at the ends of the dates left out"
        )
    return "; ".join(parts)


TOO_FEW_PREFIX = "Not enough data for an SPC chart: "
TOO_FEW_ADVICE = " Choose a longer period, such as All time."


def too_gappy(counts: SeriesCounts) -> bool:
    """True when more than ``MAX_WITHHELD_SHARE`` of the whole periods are withheld."""
    whole = counts.shown + counts.withheld
    return whole > 0 and counts.withheld / whole > MAX_WITHHELD_SHARE


def too_few_reason(counts: SeriesCounts, *, period_word: str) -> str:
    """Return why a series cannot be an SPC chart, e.g. "2 whole quarters
    can be shown (1 quarter withheld to protect individuals); at least 6 are
    needed"."""
    left_out = series_note(counts, period_word=period_word)
    shown = f"{_plural(counts.shown, 'whole ' + period_word)} can be shown"
    if counts.shown >= SPC_MIN_POINTS and too_gappy(counts):
        return (
            f"{counts.withheld} of {counts.shown + counts.withheld} whole {period_word}s are withheld to "
            f"protect individuals; an SPC chart needs at least two thirds of them shown."
        )
    return shown + (f" ({left_out})" if left_out else "") + f"; at least {SPC_MIN_POINTS} are needed."


def too_few_message(counts: SeriesCounts, *, period_word: str) -> str:
    """Return the empty state of a series too short for an SPC chart."""
    return TOO_FEW_PREFIX + too_few_reason(counts, period_word=period_word) + TOO_FEW_ADVICE


def spc_figure(
    result: SpcResult, *, title: str, unit: str, axis_periods: Sequence[dt.date | str]
) -> go.Figure:
    """Return the XmR figure of ``result``, with 2-sigma lines and, for a
    frozen baseline, the baseline shaded. ``axis_periods`` are every whole
    period in order, withheld ones included, so that a quarterly axis keeps
    a withheld quarter's place (a month axis is a date axis and keeps it
    anyway)."""
    table = result.table
    baseline_end = None
    if result.baseline_points < len(table):
        baseline_end = table["period"].iloc[result.baseline_points - 1]
    figure = spc_chart(
        table,
        title=title,
        unit=unit,
        target=result.target,
        trial_limits=result.trial_limits,
        sigma_lines=(result.lower_two_sigma, result.upper_two_sigma),
        baseline_end=baseline_end,
    )
    if any(isinstance(period, str) for period in axis_periods):
        figure.update_xaxes(categoryorder="array", categoryarray=[str(period) for period in axis_periods])
    return figure


def limits_text(result: SpcResult, *, unit: str) -> str:
    """Return the process limits as a range, e.g. "12 to 40 attendances" or "70.6% to 100.0%"."""
    low = format_spc_value(result.lower_limit, unit=unit)
    high = format_spc_value(result.upper_limit, unit=unit)
    if unit not in PERCENT_UNITS:
        low = low.removesuffix(f" {unit}")
    return f"{low} to {high}"


def within_bounds(result: SpcResult, *, unit: str) -> SpcResult:
    """Return ``result`` with its limits and 2-sigma lines kept within what
    the values can be: 0 or more, and at most 100 for percentages. The
    rules are unaffected: no value lies beyond a bound it cannot cross."""
    high = 100.0 if unit in PERCENT_UNITS else float("inf")

    def bound(value: float) -> float:
        return min(max(value, 0.0), high)

    table = result.table.assign(
        lower_limit=result.table["lower_limit"].clip(lower=0.0, upper=high),
        upper_limit=result.table["upper_limit"].clip(lower=0.0, upper=high),
    )
    return replace(
        result,
        table=table,
        lower_limit=bound(result.lower_limit),
        upper_limit=bound(result.upper_limit),
        lower_two_sigma=bound(result.lower_two_sigma),
        upper_two_sigma=bound(result.upper_two_sigma),
    )


def signal_runs(table: pd.DataFrame) -> list[str]:
    """Return each stretch of consecutive special-cause points of one
    variation, e.g. "Jan 2025 to May 2025 (concern)" or "Jul 2026 (improvement)"."""
    runs: list[list] = []
    previous = None
    for position, (period, flagged, variation) in enumerate(
        zip(table["period"], table["special_cause"], table["variation"], strict=True)
    ):
        if not flagged:
            previous = None
            continue
        if previous is not None and runs[-1][2] == variation and previous == position - 1:
            runs[-1][1] = period
        else:
            runs.append([period, period, variation])
        previous = position
    return [
        f"{period_label(first)}{'' if first == last else ' to ' + period_label(last)} ({variation})"
        for first, last, variation in runs
    ]


def spc_alt_text(result: SpcResult, *, label: str, unit: str, period_word: str) -> str:
    """Return the chart's text description: span, mean, limits, signals and the latest point."""
    table = result.table
    first, last = period_label(table["period"].iloc[0]), period_label(table["period"].iloc[-1])
    signals = table.loc[table["special_cause"].astype(bool)]
    text = (
        f"XmR (SPC) chart, {label}: {_plural(len(table), period_word)} from {first} to {last}. "
        f"Mean {format_spc_value(result.mean, unit=unit)}; "
        f"{'trial ' if result.trial_limits else ''}process limits {limits_text(result, unit=unit)}"
    )
    if result.baseline_points < len(table):
        text += f", frozen after the first {_plural(result.baseline_points, period_word)}"
    text += ". "
    if signals.empty:
        text += "No point shows special cause variation. "
    else:
        noun = "point shows" if len(signals) == 1 else "points show"
        text += f"{len(signals)} {noun} special cause variation: {', '.join(signal_runs(table))}. "
    latest = table.iloc[-1]
    text += (
        f"Latest {period_word}, {period_label(latest['period'])}: "
        f"{format_spc_value(float(latest['value']), unit=unit)}, {VARIATION_WORDS[result.variation_icon]}."
    )
    if result.assurance_icon is not None and result.target is not None:
        text += (
            f" Target {format_spc_value(result.target, unit=unit)}: {ASSURANCE_WORDS[result.assurance_icon]}."
        )
    return text


def spc_key_message(result: SpcResult, *, label: str, unit: str, period_word: str) -> str:
    """Return the chart's point in one sentence: what the latest period shows."""
    latest = result.table.iloc[-1]
    when = period_label(latest["period"])
    value = format_spc_value(float(latest["value"]), unit=unit)
    if result.variation_icon == "common_cause":
        return f"{label}: {value} in {when}, within the usual range of {limits_text(result, unit=unit)}"
    return f"{label}: {value} in {when}, {VARIATION_WORDS[result.variation_icon]}"


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(columns=list(SPC_COLUMNS))


def prepare_spc_view(
    view: ChartView,
    rows: pd.DataFrame,
    *,
    min_cell: int | None,
    data_as_of: dt.datetime | None,
    baseline_points: int | None = None,
    target: float | None = None,
) -> PreparedView:
    """Return an SPC view prepared for ``rows`` (the view's raw query rows).

    Small numbers are suppressed first (``min_cell=None`` shows exact
    numbers, internal view only); withheld and part periods are then left
    out (see the module docstring). ``baseline_points`` freezes the limits
    after that many shown periods (default: all); ``target``, in the
    chart's unit (attendances, or percent 0-100), adds an assurance icon.
    The result's ``table`` has exactly ``domain.spc.SPC_COLUMNS`` and is the
    download; ``spc`` carries the limits, 2-sigma lines, trial-limits flag
    and icons. With too few periods, ``figure`` and ``spc`` are None and
    ``empty_message`` says why. Raises ValueError for a ``baseline_points``
    outside ``SPC_MIN_POINTS`` to the number of shown periods, or a
    ``target`` that is not a finite number.
    """
    if not isinstance(view, SpcView):
        raise TypeError(f"view {view.id!r} is not an SPC view")
    table = rows
    if min_cell is not None:
        table = suppress(rows, counts=view.counts, rates=dict(view.rates), group_by=view.group_by,
                         min_cell=min_cell)
    n = int(view.n_of(rows)) if view.n_of is not None else 0
    text = caption(n=n, data_as_of=data_as_of, unit=view.n_unit, min_cell=min_cell)
    if rows.empty:
        return _empty(view, text, view.empty_message)
    series = view.derive(table)
    counts = series_counts(series)
    note = series_note(counts, period_word=view.period_word)
    if note:
        text += f" · {note}"
    if counts.shown < SPC_MIN_POINTS or too_gappy(counts):
        return _empty(view, text, too_few_message(counts, period_word=view.period_word))
    if baseline_points is not None and not SPC_MIN_POINTS <= baseline_points <= counts.shown:
        raise ValueError(
            f"baseline_points must be from {SPC_MIN_POINTS} to {counts.shown} for {view.id}, "
            f"not {baseline_points}"
        )
    shown = shown_series(series)
    result = within_bounds(
        xmr(
            periods=list(shown["period"]),
            values=list(shown["value"]),
            direction=metric(view.metric_id).direction,
            baseline_points=baseline_points,
            target=target,
        ),
        unit=view.unit,
    )
    described = {"label": view.label, "unit": view.unit, "period_word": view.period_word}
    return PreparedView(
        view=view,
        table=result.table,
        figure=view.build(
            result, title=view.title, unit=view.unit, axis_periods=whole_series_periods(series)
        ),
        alt_text=view.alt_text(result, **described),
        key_message=view.key_message(result, **described),
        caption=text,
        empty_message=None,
        spc=result,
    )


def _empty(view: ChartView, text: str, message: str) -> PreparedView:
    return PreparedView(view=view, table=_empty_table(), figure=None, alt_text=message, key_message=None,
                        caption=text, empty_message=message)


def _whole_sum(column: str, rows: pd.DataFrame) -> int:
    """Return the sum of ``column`` over all raw rows (the n every chart of these counts states)."""
    if rows.empty:
        return 0
    return int(pd.to_numeric(rows[column], errors="coerce").fillna(0).sum())


def _members_results(rows: pd.DataFrame, *, measure: str) -> int:
    if rows.empty:
        return 0
    return int(pd.to_numeric(rows.loc[rows["measure"] == measure, "n"], errors="coerce").fillna(0).sum())


def _spc_view(**fields) -> SpcView:
    return SpcView(build=spc_figure, alt_text=spc_alt_text, key_message=spc_key_message,
                   prepare=prepare_spc_view, **fields)


SPC_ATTENDANCES = _spc_view(
    id="spc-attendances",
    title="Attendances per month: SPC chart",
    query=monthly_attendances,
    empty_message="No attendances for these filters",
    counts=("attendances",),
    # As the reach-over-time chart: the months add up to the attendances total.
    group_by=(),
    derive=attendance_series,
    n_of=partial(_whole_sum, "attendances"),
    n_unit="attendances",
    metric_id="monthly_attendances",
    metric_ids=("monthly_attendances",),
    label="Attendances per month",
    unit="attendances",
    period_word="month",
)

SPC_EXCELLENT = _spc_view(
    id="spc-pct-excellent",
    title="% excellent per month: SPC chart",
    query=monthly_excellent,
    empty_message="No feedback for these filters",
    # As the monthly % excellent chart: a rate is withheld with either count.
    counts=("responses", "excellent"),
    group_by=(),
    derive=excellent_series,
    n_of=partial(_whole_sum, "responses"),
    n_unit="feedback responses",
    metric_id="monthly_pct_excellent",
    metric_ids=("monthly_pct_excellent", "feedback_responses"),
    label="% excellent per month",
    unit="%",
    period_word="month",
)


def outcome_spc_view(*, measure: str, label: str, category: str) -> SpcView:
    """Return the quarterly SPC view of one outcome measure (e.g. "arcp", "ARCP", "arcp")."""
    rate_metric = RATE_METRICS[category]
    series_label = f"{label} {RATE_WORDS[category]} per quarter"
    return _spc_view(
        id=f"spc-outcome-{measure.replace('_', '-')}",
        title=f"{series_label}: SPC chart",
        label=series_label,
        query=quarterly_outcomes,
        empty_message=f"No {label} results for these filters",
        counts=("n", "events"),
        # As the attainment charts: each measure's rows add up to its total.
        group_by=("measure",),
        derive=partial(outcome_series, measure=measure),
        n_of=partial(_members_results, measure=measure),
        n_unit="members' results",
        metric_id=rate_metric,
        metric_ids=(rate_metric, "outcome_results"),
        unit="%",
        period_word="quarter",
    )


def outcome_spc_views(measures: pd.DataFrame) -> tuple[SpcView, ...]:
    """Return one quarterly SPC view per row of ``trends.outcome_measures``, in that order."""
    return tuple(
        outcome_spc_view(measure=code, label=label, category=category)
        for code, label, category in zip(
            measures["measure"], measures["measure_label"], measures["category"], strict=True
        )
    )


def spc_views(engine: Engine) -> tuple[ChartView, ...]:
    """Return every SPC view in page order: monthly attendances (Event
    reach), monthly % excellent (Feedback), then one per outcome measure in
    the database's reference order (Differential attainment)."""
    return (SPC_ATTENDANCES, SPC_EXCELLENT, *outcome_spc_views(trends.outcome_measures(engine)))


def baseline_choices(periods: Sequence[dt.date | str]) -> list[dt.date | str]:
    """Return the periods a baseline may end on: from the ``SPC_MIN_POINTS``-th
    to the last but one (ending on the last is the whole series)."""
    return list(periods[SPC_MIN_POINTS - 1 : -1])


def _quoted(text: str) -> str:
    """Return ``text`` as safe to echo in a message: letters, digits, spaces, dots and hyphens, at most 20."""
    return re.sub(r"[^\w .-]", "", text)[:20]


def parse_period(text: str, *, period_word: str) -> dt.date | str:
    """Return the period written as ``text`` ("2025-06" for a month,
    "2025-Q2" or "2025 Q2" for a quarter); ValueError with a plain message
    otherwise."""
    if period_word == "month":
        match = _MONTH_TEXT.match(text)
        if match is None or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"“{_quoted(text)}” is not a month written like 2025-06")
        return dt.date(int(match[1]), int(match[2]), 1)
    match = _QUARTER_TEXT.match(text)
    if match is None:
        raise ValueError(f"“{_quoted(text)}” is not a quarter written like 2025-Q2")
    return f"{match[1]} Q{match[2]}"


def baseline_points_for(text: str, *, periods: Sequence[dt.date | str], period_word: str) -> int | None:
    """Return the number of shown periods up to and including the baseline
    end written as ``text`` (None when it is the last: the whole series).
    Raises ValueError with a plain message for text that is not a period,
    a period not in ``periods``, or one that leaves fewer than
    ``SPC_MIN_POINTS`` periods in the baseline."""
    period = parse_period(text, period_word=period_word)
    shown = list(periods)
    if period not in shown:
        raise ValueError(
            f"{period_label(period)} is not one of the {period_word}s in this chart "
            f"({period_label(shown[0])} to {period_label(shown[-1])})"
        )
    points = shown.index(period) + 1
    if points < SPC_MIN_POINTS:
        raise ValueError(
            f"a baseline ending in {period_label(period)} has {_plural(points, period_word)}; "
            f"it needs at least {SPC_MIN_POINTS}"
        )
    return None if points == len(shown) else points

