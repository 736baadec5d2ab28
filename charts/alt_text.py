"""Alt text, key messages and captions, generated from the same frames the charts draw.

For each chart kind there is ``alt_text_<kind>(df, ...)``, a description for
screen readers (chart type, period, the largest value and the main split),
and ``key_message_<kind>(df, ...)``, one factual sentence used as the chart
title in meeting mode. Both respect suppression exactly as the builders do:
a hidden number is never written; totals that leave hidden cells out say
"at least"; a note says when small numbers were withheld.

They take the builder's input frame and return plain text; an empty frame
gives the builder's empty-state message.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from charts.attainment import NO_MWRES, NO_OUTCOMES, shown_rates
from charts.cartogram import NO_REGIONS, TILE_GRID
from charts.common import EmptyChart, format_percent, hidden, hidden_rate_labels, month_name, months, values
from charts.coverage import NO_COVERAGE
from charts.feedback import NO_FEEDBACK, TYPE_TOTAL, event_labels, excellent_rates, type_totals
from charts.reach import NO_ATTENDANCES, NO_REGISTRATIONS, STAGE_GROUP_NAMES, share_rates
from charts.spc import NO_SPC, TRIAL_LIMITS_NOTE, VARIATION_NAMES, format_spc_value
from domain.compare import DEFAULT_ALPHA
from domain.periods import uk_time_text


def _check(df: pd.DataFrame | None, message: str) -> pd.DataFrame:
    if df is None or df.empty:
        raise EmptyChart(message)
    return df.reset_index(drop=True)


def _n(value: float) -> str:
    return f"{round(value):,}"


def _period(stamps: pd.Series) -> str:
    first, last = stamps.min(), stamps.max()
    return month_name(first) if first == last else f"{month_name(first)} to {month_name(last)}"


def _hidden_note(df: pd.DataFrame, *columns: str, min_cell: int) -> str:
    if any(hidden(df, column).any() for column in columns):
        return f" Some small numbers are withheld to protect individuals (shown as <{min_cell} or hidden)."
    return ""


def _shown(df: pd.DataFrame, column: str) -> pd.Series:
    """Return the column as floats with hidden cells as NaN."""
    return pd.Series(values(df, column), index=df.index, dtype="float64")


def _change(current: float, previous: float | None) -> str | None:
    if previous is None or previous <= 0:
        return None
    change = (current - previous) / previous
    if abs(change) < 0.005:
        return "were unchanged"
    return f"{'rose' if change > 0 else 'fell'} {abs(change) * 100:.0f}%"


# Event reach


def _month_totals(df: pd.DataFrame, column: str) -> pd.DataFrame:
    frame = df.assign(_month=months(df), _value=_shown(df, column), _hidden=hidden(df, column))
    return frame.groupby("_month").agg(total=("_value", "sum"), partial=("_hidden", "any")).reset_index()


def alt_text_attendances_by_month(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``attendances_by_month_chart``."""
    df = _check(df, NO_ATTENDANCES)
    totals = _month_totals(df, "attendances")
    top = totals.loc[totals["total"].idxmax()]
    by_type = df.assign(_value=_shown(df, "attendances")).groupby("event_type_label")["_value"].sum()
    overall = by_type.sum()
    text = (
        f"Bar chart of attendances by month, stacked by event type, {_period(totals['_month'])}. "
        f"Highest month: {month_name(top['_month'])} with {'at least ' if top['partial'] else ''}"
        f"{_n(top['total'])} attendances."
    )
    if overall > 0:
        biggest = by_type.idxmax()
        share = format_percent(by_type.max() / overall)
        text += f" {biggest} is the largest type ({share} of attendances shown)."
    return text + _hidden_note(df, "attendances", min_cell=min_cell)


def key_message_attendances_by_month(
    df: pd.DataFrame, *, min_cell: int = 5, previous_total: float | None = None
) -> str:
    """Return the point of ``attendances_by_month_chart`` in one sentence.

    With ``previous_total`` (attendances in the previous period of equal
    length) the sentence states the change against it.
    """
    df = _check(df, NO_ATTENDANCES)
    totals = _month_totals(df, "attendances")
    total = totals["total"].sum()
    partial = bool(totals["partial"].any())
    change = None if partial else _change(total, previous_total)
    if change is not None:
        return (
            f"Attendances {change} compared with the previous period "
            f"({_n(total)} against {_n(previous_total)})"
        )
    if total == 0:
        return f"Attendances by month and event type, {_period(totals['_month'])}"
    top = totals.loc[totals["total"].idxmax()]
    return (
        f"{'At least ' if partial else ''}{_n(total)} attendances from {_period(totals['_month'])}; "
        f"busiest month {month_name(top['_month'])}"
    )


def alt_text_reach_over_time(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``reach_over_time_chart``."""
    df = _check(df, NO_ATTENDANCES)
    df = df.assign(_month=months(df), _attendances=_shown(df, "attendances"))
    text = (
        f"Line chart of registrations, attendances and unique participants by month, {_period(df['_month'])}."
    )
    if df["_attendances"].notna().any():
        top = df.loc[df["_attendances"].idxmax()]
        text += f" Attendances peaked in {month_name(top['_month'])} at {_n(top['_attendances'])}."
        registrations = _shown(df, "registrations").sum()
        text += (
            f" In total {_n(df['_attendances'].sum())} attendances from {_n(registrations)} registrations."
        )
    return text + _hidden_note(df, "registrations", "attendances", "unique_participants", min_cell=min_cell)


def key_message_reach_over_time(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``reach_over_time_chart`` in one sentence."""
    df = _check(df, NO_ATTENDANCES)
    df = df.assign(_month=months(df), _attendances=_shown(df, "attendances"))
    if df["_attendances"].isna().all():
        return f"Attendances by month, {_period(df['_month'])}"
    top = df.loc[df["_attendances"].idxmax()]
    partial = bool(hidden(df, "attendances").any())
    return (
        f"{'At least ' if partial else ''}{_n(df['_attendances'].sum())} attendances from "
        f"{_period(df['_month'])}, peaking at {_n(top['_attendances'])} in {month_name(top['_month'])}"
    )


def _ranked(df: pd.DataFrame, label: str, column: str) -> pd.DataFrame:
    frame = df.assign(_value=_shown(df, column))
    return frame[frame["_value"].notna()].sort_values(["_value", label], ascending=[False, True])


def alt_text_attendances_by_region(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``attendances_by_region_chart``."""
    df = _check(df, NO_ATTENDANCES)
    ranked = _ranked(df, "region_name", "attendances")
    text = f"Horizontal bar chart of attendances and unique participants for {len(df)} regions."
    if not ranked.empty:
        top = ranked.iloc[0]
        people = _shown(ranked.iloc[[0]], "unique_participants").iloc[0]
        people_text = f" by {_n(people)} unique participants" if pd.notna(people) else ""
        text += f" Most: {top['region_name']} with {_n(top['_value'])} attendances{people_text}."
    return text + _hidden_note(df, "attendances", "unique_participants", min_cell=min_cell)


def key_message_attendances_by_region(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``attendances_by_region_chart`` in one sentence."""
    df = _check(df, NO_ATTENDANCES)
    ranked = _ranked(df, "region_name", "attendances")
    if ranked.empty:
        return "Attendances by training region"
    first = ranked.iloc[0]
    message = f"{first['region_name']} had the most attendances ({_n(first['_value'])})"
    if len(ranked) > 1:
        second = ranked.iloc[1]
        message += f", followed by {second['region_name']} ({_n(second['_value'])})"
    return message


def alt_text_attendances_by_stage(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``attendances_by_stage_chart``."""
    df = _check(df, NO_ATTENDANCES)
    ranked = _ranked(df, "stage_label", "attendances")
    text = f"Bar chart of attendances by training stage, {len(df)} stages."
    if not ranked.empty:
        top = ranked.iloc[0]
        text += f" Most: {top['stage_label']} with {_n(top['_value'])} attendances."
        groups = ranked.groupby("stage_group", sort=False)["_value"].sum()
        label = _group_label(df, groups.idxmax())
        text += f" {label} account for {format_percent(groups.max() / groups.sum())} of attendances shown."
    return text + _hidden_note(df, "attendances", min_cell=min_cell)


def _group_label(df: pd.DataFrame, group: str) -> str:
    if "stage_group_label" in df.columns:
        return str(df.loc[df["stage_group"] == group, "stage_group_label"].iloc[0])
    return STAGE_GROUP_NAMES.get(group, str(group))


def key_message_attendances_by_stage(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``attendances_by_stage_chart`` in one sentence."""
    df = _check(df, NO_ATTENDANCES)
    ranked = _ranked(df, "stage_label", "attendances")
    if ranked.empty:
        return "Attendances by training stage"
    groups = ranked.groupby("stage_group", sort=False)["_value"].sum()
    return (
        f"{_group_label(df, groups.idxmax())} made up {format_percent(groups.max() / groups.sum())} "
        f"of attendances; the largest single stage was {ranked.iloc[0]['stage_label']}"
    )


def _share_text(df: pd.DataFrame, *, numerator: str, denominator: str, min_cell: int) -> pd.DataFrame:
    rates = share_rates(df, numerator=numerator, denominator=denominator, min_cell=min_cell)
    frame = df.assign(_rate=rates)
    return frame[frame["_rate"].notna()].sort_values(["_rate", "event_type_label"], ascending=[False, True])


def _share_alt(df: pd.DataFrame, *, numerator: str, denominator: str, what: str, min_cell: int) -> str:
    ranked = _share_text(df, numerator=numerator, denominator=denominator, min_cell=min_cell)
    text = f"Horizontal bar chart of {what} by event type, {len(df)} event types."
    if not ranked.empty:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        text += f" Highest: {top['event_type_label']} at {format_percent(top['_rate'])}."
        if len(ranked) > 1:
            text += f" Lowest: {bottom['event_type_label']} at {format_percent(bottom['_rate'])}."
    gone = len(df) - len(ranked)
    if gone:
        text += f" {gone} event type{'s' if gone != 1 else ''} not shown (too few {denominator} or withheld)."
    return text


def _share_key(
    df: pd.DataFrame, *, numerator: str, denominator: str, what: str, fallback: str, min_cell: int
) -> str:
    ranked = _share_text(df, numerator=numerator, denominator=denominator, min_cell=min_cell)
    if ranked.empty:
        return fallback
    overall = _shown(ranked, numerator).sum() / _shown(ranked, denominator).sum()
    top = ranked.iloc[0]
    return (
        f"{format_percent(overall)} {what} overall; highest for {top['event_type_label']} "
        f"({format_percent(top['_rate'])})"
    )


def alt_text_conversion(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``conversion_chart``."""
    df = _check(df, NO_REGISTRATIONS)
    return _share_alt(
        df,
        numerator="attendances",
        denominator="registrations",
        what="the share of registrations that attended",
        min_cell=min_cell,
    )


def key_message_conversion(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``conversion_chart`` in one sentence."""
    df = _check(df, NO_REGISTRATIONS)
    return _share_key(
        df,
        numerator="attendances",
        denominator="registrations",
        what="of registrations attended",
        fallback="Registration-to-attendance conversion by event type",
        min_cell=min_cell,
    )


def alt_text_response_rate(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``response_rate_chart``."""
    df = _check(df, NO_FEEDBACK)
    return _share_alt(
        df,
        numerator="responses",
        denominator="attendances",
        what="the share of attendances that gave feedback",
        min_cell=min_cell,
    )


def key_message_response_rate(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``response_rate_chart`` in one sentence."""
    df = _check(df, NO_FEEDBACK)
    return _share_key(
        df,
        numerator="responses",
        denominator="attendances",
        what="of attendances gave feedback",
        fallback="Feedback response rate by event type",
        min_cell=min_cell,
    )


def _returning_share(df: pd.DataFrame) -> float | None:
    new, returning = _shown(df, "new_participants").sum(), _shown(df, "returning_participants").sum()
    return None if new + returning == 0 else returning / (new + returning)


def alt_text_new_vs_returning(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``new_vs_returning_chart``."""
    df = _check(df, NO_ATTENDANCES)
    df = df.assign(_month=months(df), _new=_shown(df, "new_participants"))
    text = f"Stacked bar chart of new and returning participants by month, {_period(df['_month'])}."
    if df["_new"].notna().any():
        top = df.loc[df["_new"].idxmax()]
        text += f" Most new participants: {month_name(top['_month'])} with {_n(top['_new'])}."
    share = _returning_share(df)
    if share is not None:
        text += f" Returning participants make up {format_percent(share)} of those shown."
    return text + _hidden_note(df, "new_participants", "returning_participants", min_cell=min_cell)


def key_message_new_vs_returning(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``new_vs_returning_chart`` in one sentence."""
    df = _check(df, NO_ATTENDANCES)
    share = _returning_share(df)
    period = _period(months(df))
    if share is None:
        return f"New and returning participants, {period}"
    return f"{format_percent(share)} of monthly participants were returning, {period}"


def alt_text_cumulative_reach(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``cumulative_reach_chart``."""
    df = _check(df, NO_ATTENDANCES)
    df = df.assign(_month=months(df), _value=_shown(df, "cumulative_unique_participants")).sort_values(
        "_month"
    )
    shown = df[df["_value"].notna()]
    text = f"Line chart of cumulative unique participants, {_period(df['_month'])}"
    if not shown.empty:
        text += f", rising from {_n(shown['_value'].iloc[0])} to {_n(shown['_value'].iloc[-1])}"
    return text + "." + _hidden_note(df, "cumulative_unique_participants", min_cell=min_cell)


def key_message_cumulative_reach(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``cumulative_reach_chart`` in one sentence."""
    df = _check(df, NO_ATTENDANCES)
    df = df.assign(_month=months(df), _value=_shown(df, "cumulative_unique_participants")).sort_values(
        "_month"
    )
    shown = df[df["_value"].notna()]
    if shown.empty:
        return "Cumulative unique participants"
    last = shown.iloc[-1]
    return f"{_n(last['_value'])} different participants reached by {month_name(last['_month'])}"


# Feedback


def _excellent_by_type(df: pd.DataFrame, *, min_cell: int) -> pd.Series:
    frame = df.assign(_value=_shown(df, "responses"))
    totals = type_totals(df).groupby(df["event_type_label"], sort=False).first()
    top_rating = pd.to_numeric(frame["rating"]).max()
    excellent = (
        frame[pd.to_numeric(frame["rating"]) == top_rating]
        .groupby("event_type_label", sort=False)["_value"]
        .sum()
    )
    return (excellent / totals.where(totals >= min_cell)).dropna().sort_values(ascending=False)


def alt_text_rating_distribution(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``rating_distribution_chart``."""
    df = _check(df, NO_FEEDBACK)
    labels = df.sort_values("rating")["rating_label"].drop_duplicates()
    shares = _excellent_by_type(df, min_cell=min_cell)
    text = (
        f"100% stacked bar chart of ratings for {df['event_type_label'].nunique()} event types, "
        f"from {labels.iloc[0]} to {labels.iloc[-1]}."
    )
    if not shares.empty:
        text += (
            f" Highest share rated {labels.iloc[-1]}: {shares.index[0]} ({format_percent(shares.iloc[0])})."
        )
    return text + _hidden_note(df, "responses", min_cell=min_cell)


def key_message_rating_distribution(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``rating_distribution_chart`` in one sentence."""
    df = _check(df, NO_FEEDBACK)
    # Only event types whose total is known count, so withheld cells never inflate the share.
    frame = df.assign(_value=_shown(df, "responses"), _total=type_totals(df))
    frame = frame[frame["_total"].notna()]
    top_rating = pd.to_numeric(df["rating"]).max()
    total = frame.groupby("event_type_label", sort=False)["_total"].first().sum()
    label = df.loc[pd.to_numeric(df["rating"]) == top_rating, "rating_label"].iloc[0]
    if total < min_cell:
        return "Ratings by event type"
    top = frame[pd.to_numeric(frame["rating"]) == top_rating]
    partial = TYPE_TOTAL in df.columns and bool(hidden(top, "responses").any())
    return (
        f"{'At least ' if partial else ''}{format_percent(top['_value'].sum() / total)} of responses "
        f"rated their event {str(label).lower()}"
    )


def alt_text_excellent_by_month(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``excellent_by_month_chart``."""
    df = _check(df, NO_FEEDBACK)
    df = df.assign(_month=months(df), _rate=excellent_rates(df, min_cell=min_cell)).sort_values("_month")
    shown = df[df["_rate"].notna()]
    text = f"Line chart of the percentage of responses rating the event excellent, {_period(df['_month'])}."
    if not shown.empty:
        top = shown.loc[shown["_rate"].idxmax()]
        last = shown.iloc[-1]
        text += (
            f" Highest: {month_name(top['_month'])} at {format_percent(top['_rate'])}."
            f" Latest: {month_name(last['_month'])} at {format_percent(last['_rate'])}."
        )
    gone = len(df) - len(shown)
    if gone:
        plural = "s" if gone != 1 else ""
        text += f" {gone} month{plural} not shown (fewer than {min_cell} responses or withheld)."
    return text


def key_message_excellent_by_month(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``excellent_by_month_chart`` in one sentence."""
    df = _check(df, NO_FEEDBACK)
    shown = df[excellent_rates(df, min_cell=min_cell).notna()]
    period = _period(months(df))
    if shown.empty:
        return f"Share of feedback rating the event excellent, {period}"
    overall = _shown(shown, "excellent").sum() / _shown(shown, "responses").sum()
    return f"{format_percent(overall)} of responses rated their event excellent, {period}"


def _mean_ratings(df: pd.DataFrame, *, min_cell: int) -> pd.DataFrame:
    # Only the events named in the text get a label: labelling every event
    # (hundreds at national scale) was most of the Feedback texts' time.
    responses = pd.to_numeric(df["responses"], errors="coerce")
    too_few = hidden(df, "responses") | (responses < min_cell)
    frame = df.assign(_mean=values(df, "mean_rating", hide=too_few))
    return frame[frame["_mean"].notna()].sort_values("_mean", ascending=False)


def alt_text_mean_rating_by_event(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``mean_rating_by_event_chart``."""
    df = _check(df, NO_FEEDBACK)
    ranked = _mean_ratings(df, min_cell=min_cell)
    text = f"Dot chart of the mean rating (1 Poor to 5 Excellent) for {len(df)} events."
    if not ranked.empty:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        top_label, bottom_label = event_labels(ranked.iloc[[0, -1]])
        text += f" Highest: {top_label} at {top['_mean']:.1f}."
        if len(ranked) > 1:
            text += f" Lowest: {bottom_label} at {bottom['_mean']:.1f}."
    gone = len(df) - len(ranked)
    if gone:
        text += f" {gone} event{'s' if gone != 1 else ''} not shown (fewer than {min_cell} responses)."
    return text


def key_message_mean_rating_by_event(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``mean_rating_by_event_chart`` in one sentence."""
    df = _check(df, NO_FEEDBACK)
    ranked = _mean_ratings(df, min_cell=min_cell)
    if ranked.empty:
        return "Mean rating per event"
    if len(ranked) == 1:
        return f"{event_labels(ranked)[0]} was rated {ranked.iloc[0]['_mean']:.1f} out of 5 on average"
    return (
        f"Mean ratings ranged from {ranked['_mean'].min():.1f} to {ranked['_mean'].max():.1f} out of 5 "
        f"across {len(ranked)} events"
    )


# Regional coverage


def _coverage(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    regions = df[df["region"].isin(TILE_GRID.keys())]
    reps = pd.to_numeric(regions["active_reps"], errors="coerce").fillna(0)
    return regions, regions.loc[reps <= 0, "region_name"].astype(str).tolist()


def alt_text_cartogram(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``coverage_cartogram``."""
    df = _check(df, NO_REGIONS)
    regions, uncovered = _coverage(df)
    if regions.empty:
        raise EmptyChart(NO_REGIONS)
    text = (
        f"Tile map of {len(regions)} training regions, one square each, placed roughly geographically. "
        f"{len(regions) - len(uncovered)} have an active rep"
    )
    text += f"; no rep in {', '.join(uncovered)}." if uncovered else "."
    ranked = _ranked(regions, "region_name", "attendances")
    if not ranked.empty:
        text += f" Most attendances: {ranked.iloc[0]['region_name']} ({_n(ranked.iloc[0]['_value'])})."
    return text + _hidden_note(regions, "attendances", "unique_participants", min_cell=min_cell)


def key_message_cartogram(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``coverage_cartogram`` in one sentence."""
    df = _check(df, NO_REGIONS)
    regions, uncovered = _coverage(df)
    if regions.empty:
        raise EmptyChart(NO_REGIONS)
    message = f"{len(regions) - len(uncovered)} of {len(regions)} training regions have an active rep"
    if uncovered and len(uncovered) <= 4:
        message += f"; none in {', '.join(uncovered)}"
    return message


def alt_text_regions_covered(df: pd.DataFrame) -> str:
    """Return alt text for ``regions_covered_chart``."""
    df = _check(df, NO_COVERAGE)
    df = df.assign(_month=months(df)).sort_values("_month")
    first, last = df.iloc[0], df.iloc[-1]
    return (
        f"Step chart of training regions with an active rep by month, {_period(df['_month'])}: "
        f"{_n(first['regions_with_active_rep'])} of {_n(first['regions_total'])} "
        f"in {month_name(first['_month'])}, "
        f"{_n(last['regions_with_active_rep'])} of {_n(last['regions_total'])} "
        f"in {month_name(last['_month'])}. "
        f"Most covered: {_n(df['regions_with_active_rep'].max())}."
    )


def key_message_regions_covered(df: pd.DataFrame) -> str:
    """Return the point of ``regions_covered_chart`` in one sentence."""
    df = _check(df, NO_COVERAGE)
    df = df.assign(_month=months(df)).sort_values("_month")
    first, last = df.iloc[0], df.iloc[-1]
    now, then = int(last["regions_with_active_rep"]), int(first["regions_with_active_rep"])
    trend = "up from" if now > then else "down from" if now < then else "the same as"
    return (
        f"{now} of {int(last['regions_total'])} regions had an active rep in {month_name(last['_month'])}, "
        f"{trend} {then} in {month_name(first['_month'])}"
    )


# Differential attainment

# Columns the outcome frames carry on each benchmark row (see ``views.attainment.with_comparisons``):
# the members-against-group test's name, its two-sided p-value and its verdict.
TEST_COLUMN = "comparison_test"
P_VALUE_COLUMN = "comparison_p_value"
VERDICT_COLUMN = "comparison"
SELF_SELECTION_NOTE = (
    "Members chose to take part, so any difference is an association, not an effect of Soft Landing."
)


def _p_text(p_value: float, *, alpha: float = DEFAULT_ALPHA) -> str:
    """Return e.g. "p = 0.031", "p = 0.42" or "p < 0.001", never rounding a p below ``alpha`` up to it."""
    if p_value < 0.001:
        return "p < 0.001"
    text = f"{p_value:.3f}" if p_value < 0.1 else f"{p_value:.2f}"
    if p_value < alpha <= float(text):
        return f"p < {alpha:g}"
    return f"p = {text}"


def _comparison_sentences(
    df: pd.DataFrame, *, members: str, min_cell: int, name_test: bool
) -> list[str]:
    """Return sentences on the first measure in ``df`` whose members' rate may be shown: the
    members' rate with its 95% interval and n, then one sentence per benchmark group of that
    training year (rate, n and the test's verdict), then the self-selection caveat; [] when no
    members' rate may be shown.

    The year is the latest with both a members' rate and a benchmark, as published figures lag;
    a later members' year without one is named as such. With no benchmark in any year, the
    latest members' year is given and nothing is compared.
    """
    shown = df[shown_rates(df, min_cell=min_cell)]
    shown = shown.assign(_year=shown["training_year_label"].astype(str))
    ours = shown[shown["group"].astype(str) == members]
    if ours.empty:
        return []
    measure = ours["measure_label"].iloc[0]
    ours = ours[ours["measure_label"] == measure].sort_values("_year", kind="stable")
    others = shown[
        (shown["measure_label"] == measure)
        & (shown["group"].astype(str) != members)
        & shown[VERDICT_COLUMN].notna()
        & shown["_year"].isin(ours["_year"])
    ]
    latest_year = ours["_year"].iloc[-1]
    year = others["_year"].max() if not others.empty else latest_year
    member_row = ours[ours["_year"] == year].iloc[0]
    sentences = [
        f"{measure}, {year}: members {format_percent(member_row['rate'])} (95% CI "
        f"{format_percent(member_row['ci_low'])} to {format_percent(member_row['ci_high'])}, "
        f"n = {_n(member_row['n'])})."
    ]
    if others.empty:
        return [*sentences, f"No national benchmark for {year}."]
    for _, other in others[others["_year"] == year].iterrows():
        p_value = _p_text(float(other[P_VALUE_COLUMN]))
        evidence = f"{other[TEST_COLUMN]}, {p_value}" if name_test else p_value
        verdict = str(other[VERDICT_COLUMN])
        finding = "the data cannot tell them apart" if verdict == "cannot tell" else f"members {verdict}"
        sentences.append(
            f"Against {other['group']} in {year} ({format_percent(other['rate'])}, n = {_n(other['n'])}): "
            f"{finding} ({evidence})."
        )
    sentences.append(SELF_SELECTION_NOTE)
    if latest_year != year:
        sentences.append(f"No national benchmark yet for {latest_year}.")
    return sentences


def alt_text_outcome_rates(df: pd.DataFrame, *, min_cell: int = 5, members_group: str | None = None) -> str:
    """Return alt text for ``outcome_rates_chart``: the chart, then for each measure the members'
    latest rate with its interval and n against each benchmark group that year, naming the test.

    ``members_group`` names the members' group (default: the frame's first group).
    """
    df = _check(df, NO_OUTCOMES)
    members = members_group or str(df["group"].iloc[0])
    years = df["training_year_label"].astype(str)
    groups = list(dict.fromkeys(df["group"].astype(str)))
    text = (
        f"Dot chart with 95% intervals of outcome rates by training year, {years.min()} to {years.max()}, "
        f"for {', '.join(groups)}."
    )
    for measure in dict.fromkeys(df["measure_label"]):
        part = df[df["measure_label"] == measure]
        sentences = _comparison_sentences(part, members=members, min_cell=min_cell, name_test=True)
        text += " " + (" ".join(sentences) if sentences else f"{measure}: members' rates withheld.")
    gone = int((~shown_rates(df, min_cell=min_cell)).sum())
    if gone:
        text += f" {gone} rate{'s' if gone != 1 else ''} not shown (n<{min_cell} or withheld)."
    return text


def key_message_outcome_rates(
    df: pd.DataFrame, *, min_cell: int = 5, members_group: str | None = None
) -> str:
    """Return the point of ``outcome_rates_chart``: the members' latest rate with its 95% interval
    and n, and against each benchmark group that year its rate, n and whether a two-sided test at
    5% calls the members higher, lower or cannot tell them apart, with the self-selection caveat.

    Only the first measure with a members' rate that may be shown is described; when there is
    none the message says the members' rates are withheld, and compares nothing.
    ``members_group`` names the members' group (default: the frame's first group).
    """
    df = _check(df, NO_OUTCOMES)
    members = members_group or str(df["group"].iloc[0])
    sentences = _comparison_sentences(df, members=members, min_cell=min_cell, name_test=False)
    if not sentences:
        return f"{df['measure_label'].iloc[0]}: members' rates withheld for these filters (too few results)"
    return " ".join(sentences)


def _band(band: str) -> str:
    return f"{str(band).replace('-', '–')} events"


def alt_text_engagement(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``engagement_chart``."""
    df = _check(df, NO_OUTCOMES)
    show = shown_rates(df, min_cell=min_cell)
    gone_labels = hidden_rate_labels(df, rate="rate", denominator="n", min_cell=min_cell)
    parts = [
        f"{_band(band)} {format_percent(rate) if ok else gone}"
        for band, rate, ok, gone in zip(df["engagement"], df["rate"], show, gone_labels)
    ]
    prefix = "Dot chart with 95% intervals of outcome rates by Soft Landing events attended beforehand"
    if "measure_label" in df.columns:
        prefix += f" for {', '.join(dict.fromkeys(df['measure_label'].astype(str)))}"
    return f"{prefix}: {'; '.join(parts)}. Differences are associations, not effects."


def key_message_engagement(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``engagement_chart`` in one sentence, worded as an association."""
    df = _check(df, NO_OUTCOMES)
    shown = df[shown_rates(df, min_cell=min_cell)]
    if "measure_label" in shown.columns and not shown.empty:
        shown = shown[shown["measure_label"] == shown["measure_label"].iloc[0]]
    if len(shown) < 2:
        return "Outcome rates by events attended beforehand"
    low, high = shown.iloc[0], shown.iloc[-1]
    subject = f"{high['measure_label']}: members" if "measure_label" in shown.columns else "Members"
    return (
        f"{subject} with {_band(high['engagement'])} had a rate of {format_percent(high['rate'])}, "
        f"against {format_percent(low['rate'])} with {_band(low['engagement'])} "
        "(an association, not an effect)"
    )


def alt_text_mwres(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return alt text for ``mwres_chart``."""
    df = _check(df, NO_MWRES)
    ranked = _ranked(df, "indicator", "attendances")
    text = f"Horizontal bar chart of attendances at events linked to {len(df)} MWRES indicators."
    if not ranked.empty:
        top = ranked.iloc[0]
        text += f" Most: {top['indicator']} {top['indicator_label']} with {_n(top['_value'])} attendances."
    none = int((pd.to_numeric(df["events"], errors="coerce") == 0).sum())
    if none:
        text += f" {none} indicator{'s have' if none != 1 else ' has'} no linked events."
    return text + _hidden_note(df, "attendances", min_cell=min_cell)


def key_message_mwres(df: pd.DataFrame, *, min_cell: int = 5) -> str:
    """Return the point of ``mwres_chart`` in one sentence."""
    df = _check(df, NO_MWRES)
    ranked = _ranked(df, "indicator", "attendances")
    if ranked.empty or ranked.iloc[0]["_value"] == 0:
        return "No attendances at events linked to MWRES indicators"
    top = ranked.iloc[0]
    return (
        f"Most reach under MWRES {top['indicator']} ({top['indicator_label']}): "
        f"{_n(top['_value'])} attendances"
    )


# SPC


def alt_text_spc(spc_df: pd.DataFrame, *, unit: str, trial_limits: bool, target: float | None = None) -> str:
    """Return alt text for ``spc_chart``."""
    df = _check(spc_df, NO_SPC)
    df = df[pd.to_numeric(df["value"], errors="coerce").notna()].reset_index(drop=True)
    if df.empty:
        raise EmptyChart(NO_SPC)
    first, last = _period_name(df["period"].iloc[0]), _period_name(df["period"].iloc[-1])
    text = (
        f"Statistical process control (XmR) chart of {len(df)} points, {first} to {last}. "
        f"Mean {format_spc_value(float(df['mean'].iloc[-1]), unit=unit)}; process limits "
        f"{format_spc_value(float(df['lower_limit'].iloc[-1]), unit=unit)} to "
        f"{format_spc_value(float(df['upper_limit'].iloc[-1]), unit=unit)}"
        f"{' (' + TRIAL_LIMITS_NOTE.lower() + ')' if trial_limits else ''}."
    )
    counts = df["variation"].astype(str).value_counts()
    special = {
        kind: int(counts.get(kind, 0)) for kind in ("improvement", "concern", "neutral") if counts.get(kind)
    }
    if special:
        text += " Special cause points: " + ", ".join(f"{n} {kind}" for kind, n in special.items()) + "."
    else:
        text += " All points show common cause variation."
    if target is not None:
        text += f" Target {format_spc_value(target, unit=unit)}."
    latest = df.iloc[-1]
    return text + (
        f" Latest: {last} at {format_spc_value(float(latest['value']), unit=unit)}, "
        f"{VARIATION_NAMES.get(str(latest['variation']), str(latest['variation'])).lower()}."
    )


def key_message_spc(spc_df: pd.DataFrame, *, measure: str, unit: str) -> str:
    """Return the point of ``spc_chart`` in one sentence, judged on the latest point as MDC does."""
    df = _check(spc_df, NO_SPC)
    latest = df.iloc[-1]
    kind = str(latest["variation"])
    if kind == "common":
        return (
            f"{measure}: only common cause variation in the latest point, around a mean of "
            f"{format_spc_value(float(latest['mean']), unit=unit)}"
        )
    word = {"improvement": "an improvement", "concern": "a concern", "neutral": "a change"}.get(kind, kind)
    return f"{measure}: special cause variation, {word}, in {_period_name(latest['period'])}"


def _period_name(period: object) -> str:
    return month_name(period) if hasattr(period, "isoformat") else str(period)


# Captions


def caption(*, n: int, data_as_of: dt.datetime | None, unit: str = "attendances", min_cell: int | None = None) -> str:
    """Return a chart caption such as "n = 3,132 attendances · data as of 26 Nov 2026, 10:04 GMT".

    ``data_as_of`` is the last import time, shown in UK time like the page's
    "data as of" line; a naive value is taken as UTC.
    With ``min_cell`` set, an n from 1 to ``min_cell`` - 1 reads "n < 5".
    """
    if data_as_of is None:
        when = "no data imported yet"
    else:
        when = "data as of " + uk_time_text(data_as_of)
    if min_cell is not None and 0 < n < min_cell:
        return f"n < {min_cell} {unit} · {when}"
    return f"n = {n:,} {unit} · {when}"
