"""Alt text, key messages and captions are derived from the frame: period, maximum, main split."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from charts import alt_text
from charts.cartogram import TILE_GRID
from charts.common import EmptyChart
from domain.spc import xmr

MONTHS = [dt.date(2024, 8, 1), dt.date(2025, 3, 1), dt.date(2025, 7, 1)]


def _by_type():
    return pd.DataFrame(
        {
            "month": MONTHS * 2,
            "event_type": ["induction"] * 3 + ["exam_prep"] * 3,
            "event_type_label": ["Induction"] * 3 + ["Exam preparation"] * 3,
            "attendances": [100, 300, 20, 50, 112, 18],
        }
    )


def test_by_month_alt_text_names_period_max_and_largest_type():
    """Alt text gives the period, the highest month with its total and the largest type's share."""
    text = alt_text.alt_text_attendances_by_month(_by_type())
    assert "August 2024 to July 2025" in text
    assert "Highest month: March 2025 with 412 attendances" in text
    assert "Induction is the largest type (70% of attendances shown)" in text


def test_by_month_alt_text_says_at_least_when_a_cell_is_hidden():
    """When a month includes a hidden cell, its total is a lower bound and says so."""
    frame = _by_type().astype({"attendances": "float64"})
    frame.loc[4, "attendances"] = np.nan
    frame["attendances_suppressed"] = frame["attendances"].isna()
    text = alt_text.alt_text_attendances_by_month(frame)
    assert "March 2025 with at least 300 attendances" in text
    assert "withheld" in text


def test_by_month_key_message_states_change_against_previous_period():
    """With the previous period's total the key message gives the percentage change."""
    message = alt_text.key_message_attendances_by_month(_by_type(), previous_total=480)
    assert message == "Attendances rose 25% compared with the previous period (600 against 480)"


def test_by_month_key_message_without_previous_gives_total_and_peak():
    """Without a comparison the key message states the total, the period and the busiest month."""
    message = alt_text.key_message_attendances_by_month(_by_type())
    assert message == "600 attendances from August 2024 to July 2025; busiest month March 2025"


def test_reach_alt_text_names_peak():
    """Reach-over-time alt text names the peak month and value."""
    frame = pd.DataFrame(
        {
            "month": MONTHS,
            "registrations": [210, 180, 95],
            "attendances": [160, 171, 70],
            "unique_participants": [120, 101, 66],
        }
    )
    text = alt_text.alt_text_reach_over_time(frame)
    assert "peaked in March 2025 at 171" in text
    assert "401 attendances from 485 registrations" in text


def test_region_key_message_names_top_two():
    """The region key message names the two regions with most attendances."""
    frame = pd.DataFrame(
        {
            "region": ["LDN", "WM", "NI"],
            "region_name": ["London", "West Midlands", "Northern Ireland"],
            "attendances": [88, 305, 41],
            "unique_participants": [60, 150, 30],
        }
    )
    assert alt_text.key_message_attendances_by_region(frame) == (
        "West Midlands had the most attendances (305), followed by London (88)"
    )
    assert "Most: West Midlands with 305 attendances by 150 unique participants" in (
        alt_text.alt_text_attendances_by_region(frame)
    )


def test_stage_alt_text_names_top_stage_and_group_share():
    """Stage alt text names the top stage and the largest stage group's share."""
    frame = pd.DataFrame(
        {
            "stage": ["led", "st1", "st2"],
            "stage_label": ["LED", "ST1", "ST2"],
            "stage_group": ["non_training", "core", "core"],
            "attendances": [60, 30, 10],
        }
    )
    text = alt_text.alt_text_attendances_by_stage(frame)
    assert "Most: LED with 60 attendances" in text
    assert "Non-training (pre-NHS, LED, SAS) account for 60%" in text


def test_conversion_texts_give_highest_and_overall():
    """Conversion alt text names highest and lowest rates; the key message the overall rate."""
    frame = pd.DataFrame(
        {
            "event_type_label": ["Induction", "Exam preparation"],
            "registrations": [200, 100],
            "attendances": [150, 90],
        }
    )
    assert "Highest: Exam preparation at 90%. Lowest: Induction at 75%." in alt_text.alt_text_conversion(
        frame
    )
    assert alt_text.key_message_conversion(frame) == (
        "80% of registrations attended overall; highest for Exam preparation (90%)"
    )


def test_new_vs_returning_share():
    """The returning share is returning / (new + returning)."""
    frame = pd.DataFrame(
        {"month": MONTHS, "new_participants": [30, 20, 10], "returning_participants": [10, 20, 10]}
    )
    assert alt_text.key_message_new_vs_returning(frame).startswith(
        "40% of monthly participants were returning"
    )


def test_cumulative_key_message_gives_latest_total():
    """The cumulative key message states the latest running total and its month."""
    frame = pd.DataFrame({"month": MONTHS, "cumulative_unique_participants": [120, 185, 712]})
    assert alt_text.key_message_cumulative_reach(frame) == "712 different participants reached by July 2025"
    assert "rising from 120 to 712" in alt_text.alt_text_cumulative_reach(frame)


def test_rating_texts_use_the_top_rating():
    """Rating texts give the share rating the top label, overall and per type."""
    frame = pd.DataFrame(
        {
            "event_type_label": ["Induction"] * 5,
            "rating": [1, 2, 3, 4, 5],
            "rating_label": ["Poor", "Fair", "Good", "Very good", "Excellent"],
            "responses": [0, 2, 3, 12, 83],
        }
    )
    assert alt_text.key_message_rating_distribution(frame) == "83% of responses rated their event excellent"
    assert "Highest share rated Excellent: Induction (83%)" in alt_text.alt_text_rating_distribution(frame)


def test_excellent_by_month_alt_text_names_best_and_latest():
    """% excellent alt text names the best and latest months, and months not shown."""
    frame = pd.DataFrame({"month": MONTHS, "responses": [40, 50, 3], "excellent": [30, 45, 3]})
    text = alt_text.alt_text_excellent_by_month(frame, min_cell=5)
    assert "Highest: March 2025 at 90%" in text
    assert "1 month not shown" in text


def test_mean_rating_key_message_gives_range():
    """The mean-rating key message gives the range of means shown."""
    frame = pd.DataFrame(
        {
            "title": ["A", "B", "C"],
            "date": [dt.date(2025, 1, 1)] * 3,
            "responses": [20, 30, 2],
            "mean_rating": [4.2, 4.8, 1.0],
        }
    )
    assert (
        alt_text.key_message_mean_rating_by_event(frame)
        == "Mean ratings ranged from 4.2 to 4.8 out of 5 across 2 events"
    )


def test_cartogram_texts_count_covered_regions():
    """Cartogram texts count regions with a rep and name those without."""
    codes = list(TILE_GRID)
    frame = pd.DataFrame(
        {
            "region": codes,
            "region_name": [f"Region {c}" for c in codes],
            "nation": ["England"] * 19,
            "active_reps": [0 if c in ("WAL", "PEN") else 1 for c in codes],
            "attendances": [10] * 18 + [500],
            "unique_participants": [5] * 19,
        }
    )
    assert alt_text.key_message_cartogram(frame) == (
        "17 of 19 training regions have an active rep; none in Region WAL, Region PEN"
    )
    assert f"Most attendances: Region {codes[-1]} (500)" in alt_text.alt_text_cartogram(frame)


def test_regions_covered_key_message_gives_trend():
    """The regions-covered key message compares the last month with the first."""
    frame = pd.DataFrame(
        {"month": MONTHS, "regions_with_active_rep": [12, 14, 16], "regions_total": [19] * 3}
    )
    assert alt_text.key_message_regions_covered(frame) == (
        "16 of 19 regions had an active rep in July 2025, up from 12 in August 2024"
    )


def outcome_frame(verdict: str, p_value: float) -> pd.DataFrame:
    """Members 61% of 72 against IMGs 47% of 3,200 in 2024/25, with the given test result on the IMGs row."""
    return pd.DataFrame(
        {
            "training_year_label": ["2024/25", "2024/25"],
            "measure_label": ["MRCPCH FOP pass rate"] * 2,
            "group": ["Members", "IMGs"],
            "rate": [0.61, 0.47],
            "ci_low": [0.497, 0.45],
            "ci_high": [0.714, 0.49],
            "n": [72, 3200],
            "comparison_test": [None, "two-proportion z-test"],
            "comparison_p_value": [float("nan"), p_value],
            "comparison": [None, verdict],
        }
    )


def test_outcome_key_message_gives_interval_n_verdict_and_caveat():
    """The outcome key message gives the members' rate with interval and n, the group's rate and n
    in the same year, the verdict with its p-value, and says members chose to take part."""
    assert alt_text.key_message_outcome_rates(outcome_frame("higher", 0.0213)) == (
        "MRCPCH FOP pass rate, 2024/25: members 61% (95% CI 50% to 71%, n = 72). "
        "Against IMGs in 2024/25 (47%, n = 3,200): members higher (p = 0.021). "
        "Members chose to take part, so any difference is an association, not an effect of Soft Landing."
    )


def test_outcome_key_message_says_cannot_tell_rather_than_a_gap():
    """Without a verdict of higher or lower the message says the data cannot tell the groups apart."""
    message = alt_text.key_message_outcome_rates(outcome_frame("cannot tell", 0.31))
    assert "Against IMGs in 2024/25 (47%, n = 3,200): the data cannot tell them apart (p = 0.31)." in message
    assert "higher" not in message and "lower" not in message and "above" not in message


def test_outcome_p_value_is_never_rounded_up_to_the_level():
    """p = 0.04996 reads "p < 0.05" beside "higher", not "p = 0.050"."""
    assert "members higher (p < 0.05)" in alt_text.key_message_outcome_rates(outcome_frame("higher", 0.04996))


def test_outcome_alt_text_names_the_test():
    """The alt text carries the comparison and names the test."""
    assert "members higher (two-proportion z-test, p < 0.001)" in alt_text.alt_text_outcome_rates(
        outcome_frame("higher", 0.0004)
    )


def test_outcome_key_message_without_a_same_year_benchmark():
    """A year with no benchmark group is said so, and nothing is compared."""
    frame = outcome_frame("higher", 0.02).iloc[[0]]
    assert alt_text.key_message_outcome_rates(frame).endswith("No national benchmark for 2024/25.")


def test_engagement_texts_say_association():
    """Engagement texts give the band rates and call the difference an association."""
    frame = pd.DataFrame(
        {
            "engagement": ["0", "1-2", "3+"],
            "rate": [0.40, 0.50, 0.65],
            "ci_low": [0.3, 0.4, 0.5],
            "ci_high": [0.5, 0.6, 0.8],
            "n": [50, 40, 3],
        }
    )
    text = alt_text.alt_text_engagement(frame, min_cell=5)
    assert "0 events 40%; 1–2 events 50%; 3+ events n<5" in text
    assert alt_text.key_message_engagement(frame.assign(measure_label="ARCP")) == (
        "ARCP: members with 1–2 events had a rate of 50%, against 40% with 0 events "
        "(an association, not an effect)"
    )


def test_mwres_texts_name_top_indicator():
    """MWRES texts name the indicator with most attendances and count indicators without events."""
    frame = pd.DataFrame(
        {
            "indicator": ["1a", "4a", "11"],
            "indicator_label": ["Entry", "Exams", "Boards"],
            "events": [3, 7, 0],
            "attendances": [120, 340, 0],
        }
    )
    assert alt_text.key_message_mwres(frame) == "Most reach under MWRES 4a (Exams): 340 attendances"
    assert "1 indicator has no linked events" in alt_text.alt_text_mwres(frame)


def test_spc_texts_describe_limits_and_latest_point():
    """SPC alt text gives the period, mean, limits and the latest point's variation."""
    periods = [pd.Timestamp(2024, 8, 1) + pd.DateOffset(months=i) for i in range(8)]
    result = xmr(periods=periods, values=[10, 12, 11, 13, 12, 11, 12, 40], direction="up")
    text = alt_text.alt_text_spc(result.table, unit="attendances", trial_limits=result.trial_limits)
    assert "August 2024 to March 2025" in text
    assert f"Mean {result.mean:,.1f} attendances" in text
    assert "trial limits" in text
    assert text.endswith("special cause: improvement.")
    assert "improvement" in alt_text.key_message_spc(result.table, measure="Attendances", unit="attendances")


def test_caption_gives_n_and_data_as_of():
    """The caption reads "n = 3,132 attendances · data as of 26 Nov 2026, 10:04 GMT"."""
    moment = dt.datetime(2026, 11, 26, 10, 4, tzinfo=dt.UTC)
    assert (
        alt_text.caption(n=3132, data_as_of=moment)
        == "n = 3,132 attendances · data as of 26 Nov 2026, 10:04 GMT"
    )


def test_caption_shows_uk_summer_time():
    """A time in another zone is shown in UK time, summer time included."""
    moment = dt.datetime(2026, 6, 1, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert alt_text.caption(n=5, data_as_of=moment, unit="responses") == (
        "n = 5 responses · data as of 1 Jun 2026, 11:30 BST"
    )


def test_empty_frame_gives_empty_chart_message():
    """Alt text for an empty frame raises the same EmptyChart message as the builder."""
    with pytest.raises(EmptyChart, match="No feedback for these filters"):
        alt_text.alt_text_excellent_by_month(pd.DataFrame(columns=["month", "responses", "excellent"]))


def test_caption_hides_small_n():
    """With a threshold, an n from 1 to min_cell - 1 reads "n < 5"."""
    moment = dt.datetime(2026, 11, 26, 10, 4, tzinfo=dt.UTC)
    assert alt_text.caption(n=3, data_as_of=moment, min_cell=5).startswith("n < 5 attendances")
    assert alt_text.caption(n=5, data_as_of=moment, min_cell=5).startswith("n = 5 attendances")


def test_outcome_key_message_compares_the_latest_year_with_a_benchmark():
    """Benchmarks lag: a newer members' year without one is named, and the comparison is made in the
    latest year that has both, never across years."""
    newer = pd.DataFrame(
        {
            "training_year_label": ["2025/26"],
            "measure_label": ["MRCPCH FOP pass rate"],
            "group": ["Members"],
            "rate": [0.8],
            "ci_low": [0.6],
            "ci_high": [0.9],
            "n": [30],
            "comparison_test": [None],
            "comparison_p_value": [float("nan")],
            "comparison": [None],
        }
    )
    message = alt_text.key_message_outcome_rates(pd.concat([outcome_frame("higher", 0.02), newer]))
    assert message.startswith("MRCPCH FOP pass rate, 2024/25: members 61% (95% CI 50% to 71%, n = 72).")
    assert "Against IMGs in 2024/25 (47%, n = 3,200)" in message
    assert message.endswith("No national benchmark yet for 2025/26.")
    assert "80%" not in message
