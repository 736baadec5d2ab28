"""The Differential attainment views: members' outcome rates by training year
beside the national benchmark groups, rates by prior engagement, and the
reach of events linked to each MWRES indicator.

Members' counts (``n`` results and ``events``, the results the rate counts)
are suppressed before any rate is worked out: a hidden count leaves its
rate, interval and gap empty, because rate x n would give the count back.
Within a measure the training-year rows, and the engagement bands, each add
up to the measure's total for the period, so each measure is a suppression
group. Benchmark rows are published national figures: they are their own
groups and, being large, are never hidden.

A benchmark's ``year`` is read as the training year starting in that
calendar year (2024 is 2024/25), the convention of the GMC progression
reports; benchmarks are shown only for the measure-years where members have
results, so that every benchmark point has a member point beside it.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from charts import alt_text
from charts.attainment import (
    NO_MWRES,
    NO_OUTCOMES,
    engagement_chart,
    mwres_chart,
    outcome_rates_chart,
    shown_rates,
)
from charts.common import EmptyChart, format_percent, hidden_rate_labels
from data_access.filters import Filters
from data_access.periods import training_year_label
from data_access.queries import attainment
from data_access.reference import OUTCOME_MEASURES
from domain.compare import Comparison, compare_proportions
from domain.intervals import wilson_columns
from domain.suppression import SECONDARY_SUFFIX, SUPPRESSED_SUFFIX
from views.base import ChartView

MEMBERS_GROUP = "Soft Landing members"
MEMBERS_SOURCE = "Soft Landing records"
GAP_COLUMN = "members_minus_group_pp"

COMBINED_COLUMNS = [
    "measure",
    "measure_label",
    "training_year",
    "training_year_label",
    "group",
    "n",
    "events",
    "source",
]

RATE_WORDS: dict[str, str] = {
    "exam": "pass rate",
    "arcp": "unsatisfactory outcome rate",
    "recruitment": "offer rate",
}
CHART_TITLE = "Soft Landing members beside national benchmark groups, with 95% intervals"
RATE_METRICS: dict[str, str] = {
    "exam": "exam_pass_rate",
    "arcp": "arcp_unsatisfactory_rate",
    "recruitment": "recruitment_offer_rate",
}

ENGAGEMENT_CAVEAT = (
    "Members choose how many Soft Landing events to attend, and those who attend more may differ in many "
    "other ways (time, support, stage, confidence). Differences between the bands are associations, not "
    "effects of attending: they do not show that events cause better outcomes."
)
MWRES_LABEL_CAVEAT = (
    "MWRES indicator labels are Soft Landing's working labels. The official wording of sub-codes such as "
    "1c and 4a–4c was not confirmed, so the labels live in an editable reference table, not in code."
)
BENCHMARK_NOTE = (
    "National benchmark groups come from the benchmarks table (published figures, e.g. GMC progression "
    "reports) and are not affected by the filters. A benchmark year is read as the training year starting "
    "in that year, and members are compared only with a group's figure for the same measure and training "
    "year. The gap is the members' rate minus the group's rate, in percentage points; members are called "
    "higher or lower only when a two-sided test at the 5% level says the difference is unlikely to be "
    "chance (see About the data). Members chose to take part (a self-selected group), so a difference is "
    "an association, not an effect of Soft Landing."
)


def combine_with_benchmarks(members: pd.DataFrame, benchmarks: pd.DataFrame) -> pd.DataFrame:
    """Return members' outcome counts and the benchmark groups' counts in one frame.

    ``members`` has the columns of ``attainment.outcome_rates_by_year``;
    ``benchmarks`` those of ``attainment.benchmark_rates``. Each row is one
    group in one measure and training year, with columns ``measure``,
    ``measure_label``, ``training_year`` (int), ``training_year_label``,
    ``group`` (members are "Soft Landing members"), ``n`` (results, or the
    benchmark's denominator), ``events`` (results the rate counts, or the
    benchmark's numerator) and ``source``. Benchmark rows are kept only for
    measure-years in ``members``. Rows are ordered by measure (as in
    ``members``), then group (members first, then benchmark groups by
    name), then year.
    """
    if members.empty:
        return pd.DataFrame(columns=COMBINED_COLUMNS)
    ours = members.assign(group=MEMBERS_GROUP, source=MEMBERS_SOURCE)[COMBINED_COLUMNS]
    theirs = benchmarks.rename(columns={"year": "training_year", "numerator": "events", "denominator": "n"})
    theirs = theirs.assign(training_year=theirs["training_year"].astype("int64"))
    theirs = theirs.merge(
        ours[["measure", "training_year"]].drop_duplicates(), on=["measure", "training_year"], how="inner"
    )
    theirs = theirs.assign(
        training_year_label=[training_year_label(int(year)) for year in theirs["training_year"]]
    )[COMBINED_COLUMNS]
    combined = pd.concat([ours, theirs], ignore_index=True)
    measure_order = {code: rank for rank, code in enumerate(dict.fromkeys(ours["measure"]))}
    group_order = {MEMBERS_GROUP: 0} | {
        group: rank for rank, group in enumerate(sorted(set(theirs["group"])), start=1)
    }
    order = pd.DataFrame(
        {
            "measure_rank": combined["measure"].map(measure_order),
            "group_rank": combined["group"].map(group_order),
            "year": combined["training_year"].astype("int64"),
        }
    )
    ranked = order.sort_values(["measure_rank", "group_rank", "year"], kind="stable").index
    return (
        combined.loc[ranked]
        .reset_index(drop=True)
        .astype({"training_year": "int64", "n": "int64", "events": "int64"})
    )


def with_rates(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` (suppressed ``n`` and ``events``) with ``rate``,
    ``ci_low`` and ``ci_high`` (95% Wilson, fractions 0-1).

    Where ``n`` or ``events`` is hidden the three are NaN and flagged
    ``rate_suppressed``; ``rate_secondary`` marks a rate withheld only
    because its ``events`` count was small, so it is not labelled "n<5"
    when n itself is shown.
    """
    out = wilson_columns(table, successes="events", n="n")
    n_hidden = _flag(out, "n" + SUPPRESSED_SUFFIX)
    events_hidden = _flag(out, "events" + SUPPRESSED_SUFFIX)
    out["rate" + SUPPRESSED_SUFFIX] = n_hidden | events_hidden
    out["rate" + SECONDARY_SUFFIX] = events_hidden & ~n_hidden
    return out


def with_comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with, on each benchmark row, the members' rate in the
    same measure and training year set against that group's:

    * ``members_minus_group_pp``: members' rate minus the group's, in
      percentage points;
    * ``comparison_test``, ``comparison_p_value`` (two-sided, 0-1) and
      ``comparison`` ("higher", "lower" or "cannot tell", said of the
      members) from ``domain.compare.compare_proportions`` at the 5% level.

    All are empty on members' rows and wherever a count on either side is
    missing or hidden, so nothing is compared with a withheld number.
    """
    out = table.copy()
    ours = (table["group"] == MEMBERS_GROUP).to_numpy()
    keys = pd.MultiIndex.from_frame(table[["measure", "training_year"]])
    members = table.loc[ours, ["rate", "events", "n"]].set_axis(keys[ours])
    paired = members.reindex(keys)
    gap = (paired["rate"].to_numpy() - table["rate"].to_numpy()) * 100
    out[GAP_COLUMN] = np.where(ours, np.nan, gap)
    results = [
        _compare(members_events, members_n, group_events, group_n) if not mine else None
        for mine, members_events, members_n, group_events, group_n in zip(
            ours, paired["events"], paired["n"], table["events"], table["n"], strict=True
        )
    ]
    out[alt_text.TEST_COLUMN] = pd.Series(
        [None if result is None else result.method for result in results], index=out.index, dtype="object"
    )
    out[alt_text.P_VALUE_COLUMN] = [np.nan if result is None else result.p_value for result in results]
    out[alt_text.VERDICT_COLUMN] = pd.Series(
        [None if result is None else result.verdict for result in results], index=out.index, dtype="object"
    )
    return out


def _compare(members_events, members_n, group_events, group_n) -> Comparison | None:
    counts = pd.to_numeric(pd.Series([members_events, members_n, group_events, group_n]), errors="coerce")
    if counts.isna().any() or counts.iloc[1] < 1 or counts.iloc[3] < 1:
        return None
    events_a, n_a, events_b, n_b = (int(count) for count in counts)
    return compare_proportions(events_a=events_a, n_a=n_a, events_b=events_b, n_b=n_b)


def rates_and_gaps_for_measure(table: pd.DataFrame, *, measure: str, rate_words: str) -> pd.DataFrame:
    """Return the rows of ``measure`` from a suppressed combined table, with
    rates, Wilson intervals, gaps and tests against each benchmark group
    added (see ``with_rates`` and ``with_comparisons``) and ``rate_words``
    appended to the measure label, so that charts and titles say which rate
    it is ("ARCP unsatisfactory outcome rate", not "ARCP")."""
    rows = table[table["measure"] == measure].reset_index(drop=True)
    rows = rows.assign(measure_label=rows["measure_label"].astype(str) + " " + rate_words)
    return with_comparisons(with_rates(rows))


def members_results(rows: pd.DataFrame, *, measure: str) -> int:
    """Return members' results (the sum of n) for ``measure`` in the raw combined rows."""
    if rows.empty:
        return 0
    ours = rows[(rows["measure"] == measure) & (rows["group"] == MEMBERS_GROUP)]
    return int(pd.to_numeric(ours["n"], errors="coerce").fillna(0).sum())


def results_in_measures(rows: pd.DataFrame, *, measures: tuple[str, ...]) -> int:
    """Return members' results (the sum of n) for ``measures`` in raw engagement rows."""
    if rows.empty:
        return 0
    return int(pd.to_numeric(rows.loc[rows["measure"].isin(measures), "n"], errors="coerce").fillna(0).sum())


def outcome_rates_with_benchmarks(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Return members' outcome counts by measure and training year for
    ``filters``, with the national benchmark groups for the same
    measure-years (see ``combine_with_benchmarks``); counts, not rates."""
    members = attainment.outcome_rates_by_year(engine, filters=filters)
    return combine_with_benchmarks(members, attainment.benchmark_rates(engine))


def _flag(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series(False, index=df.index)
    return df[column].astype("boolean").fillna(False).astype(bool)


def _outcome_view(code: str, label: str, category: str) -> ChartView:
    title = f"{label}: {RATE_WORDS[category]} by training year"
    return ChartView(
        id=f"outcome-{code.replace('_', '-')}",
        title=title,
        query=outcome_rates_with_benchmarks,
        build=partial(outcome_rates_chart, title=CHART_TITLE),
        alt_text=partial(alt_text.alt_text_outcome_rates, members_group=MEMBERS_GROUP),
        key_message=partial(alt_text.key_message_outcome_rates, members_group=MEMBERS_GROUP),
        empty_message=NO_OUTCOMES,
        counts=("n", "events"),
        group_by=("group", "measure"),
        derive=partial(rates_and_gaps_for_measure, measure=code, rate_words=RATE_WORDS[category]),
        n_of=partial(members_results, measure=code),
        n_unit="members' results",
        metric_ids=(RATE_METRICS[category], "outcome_results", "benchmark_gap"),
        table_columns=(
            "measure_label",
            "training_year_label",
            "group",
            "n",
            "events",
            "rate",
            "ci_low",
            "ci_high",
            GAP_COLUMN,
            alt_text.TEST_COLUMN,
            alt_text.P_VALUE_COLUMN,
            alt_text.VERDICT_COLUMN,
            "source",
        ),
    )


OUTCOME_VIEWS: tuple[ChartView, ...] = tuple(
    _outcome_view(code, label, category) for code, label, category in OUTCOME_MEASURES
)
OUTCOME_VIEWS_BY_CATEGORY: dict[str, tuple[ChartView, ...]] = {
    category: tuple(
        view
        for view, (_, _, view_category) in zip(OUTCOME_VIEWS, OUTCOME_MEASURES, strict=True)
        if view_category == category
    )
    for category in RATE_WORDS
}

ENGAGEMENT_TITLES: dict[str, str] = {
    "exam": "MRCPCH exam pass rates",
    "arcp": "ARCP unsatisfactory outcome rate",
    "recruitment": "Recruitment offer rates",
}


def engagement_for_measures(
    table: pd.DataFrame, *, measures: tuple[str, ...], rate_words: str
) -> pd.DataFrame:
    """Return the engagement rows of ``measures`` from a suppressed table, with
    rates and Wilson intervals (see ``with_rates``) and ``rate_words``
    appended to the measure label."""
    rows = table[table["measure"].isin(measures)].reset_index(drop=True)
    return with_rates(rows.assign(measure_label=rows["measure_label"].astype(str) + " " + rate_words))


def engagement_alt_text(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for an engagement chart of one or more measures: each
    measure's rate per band, or why it is not shown."""
    if df.empty:
        raise EmptyChart(NO_OUTCOMES)
    df = df.reset_index(drop=True)
    show = shown_rates(df, min_cell=min_cell)
    withheld = hidden_rate_labels(df, rate="rate", denominator="n", min_cell=min_cell)
    segments = []
    for measure, rows in df.groupby("measure_label", sort=False).groups.items():
        bands = [
            f"{str(df.at[row, 'engagement']).replace('-', '–')} events "
            f"{format_percent(df.at[row, 'rate']) if show[row] else withheld[row]}"
            for row in rows
        ]
        segments.append(f"{measure}: {', '.join(bands)}")
    return (
        "Dot chart with 95% intervals of members' outcome rates by Soft Landing events attended "
        f"beforehand. {'; '.join(segments)}. Differences are associations, not effects."
    )


def _engagement_view(category: str) -> ChartView:
    measures = tuple(code for code, _, measure_category in OUTCOME_MEASURES if measure_category == category)
    title = f"{ENGAGEMENT_TITLES[category]} by events attended beforehand"
    return ChartView(
        id=f"engagement-{category}",
        title=title,
        query=attainment.outcome_rates_by_engagement,
        build=partial(engagement_chart, title=title),
        alt_text=engagement_alt_text,
        key_message=alt_text.key_message_engagement,
        empty_message=NO_OUTCOMES,
        counts=("n", "events"),
        group_by=("measure",),
        derive=partial(engagement_for_measures, measures=measures, rate_words=RATE_WORDS[category]),
        n_of=partial(results_in_measures, measures=measures),
        n_unit="members' results",
        metric_ids=(RATE_METRICS[category], "outcome_results"),
    )


ENGAGEMENT_VIEWS: tuple[ChartView, ...] = tuple(_engagement_view(category) for category in ENGAGEMENT_TITLES)

MWRES_REACH = ChartView(
    id="mwres-reach",
    title="Reach of events linked to each MWRES indicator",
    query=attainment.mwres_reach,
    build=mwres_chart,
    alt_text=alt_text.alt_text_mwres,
    key_message=alt_text.key_message_mwres,
    empty_message=NO_MWRES,
    counts=("attendances", "unique_participants"),
    n_column="attendances",
    n_unit="attendances, counted under each linked indicator",
    metric_ids=("events", "attendances", "unique_participants"),
)

ATTAINMENT_VIEWS: tuple[ChartView, ...] = (*OUTCOME_VIEWS, *ENGAGEMENT_VIEWS, MWRES_REACH)
