"""Making Data Count XmR charts: limits, the four special-cause rules, icons and edge cases.

Most rule tests append points to BASE and freeze the limits on it
(baseline_points=12): BASE alternates 14, 10, so its mean is 12, every
moving range is 4, the process limits are 12 ± 2.66 × 4 = 1.36 to 22.64 and
the 2-sigma lines are 12 ± 1.773 × 4 = 4.908 to 19.092. BASE itself holds
no signal and ends below the mean, on 10.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.spc import (
    COMMON_CAUSE_COLOUR,
    CONCERN_COLOUR,
    IMPROVEMENT_COLOUR,
    NEUTRAL_COLOUR,
    SPC_COLUMNS,
    TARGET_COLOUR,
    VARIATION_COLOURS,
    xmr,
)

BASE = [14.0, 10.0] * 6


def _chart(extra, *, direction="up", base=BASE, **kwargs):
    values = [*base, *extra]
    return xmr(
        periods=list(range(len(values))),
        values=values,
        direction=direction,
        baseline_points=len(base),
        **kwargs,
    )


def _flagged(result):
    return [i for i, flag in enumerate(result.table["special_cause"]) if flag]


def test_worked_example_limits_and_flags():
    """Twelve months worked by hand: one point above the upper limit, the rest common cause."""
    values = [5, 7, 6, 8, 7, 6, 5, 7, 6, 8, 7, 24]
    # mean = 96 / 12 = 8; moving ranges 2,1,2,1,1,1,2,1,2,1,17 sum to 31, mean MR = 31/11 = 2.818182
    # limits = 8 ± 2.66 × 31/11 = 8 ± 7.496364 → 0.503636 to 15.496364
    # 2-sigma = 8 ± 1.773 × 31/11 = 8 ± 4.996636 → 3.003364 to 12.996636
    # Only 24 is outside. The points on 8 sit exactly on the mean and break every run below it;
    # no 7-point trend; no second point beyond a 2-sigma line.
    result = xmr(periods=[f"2025-{m:02d}" for m in range(1, 13)], values=values, direction="up")
    assert result.mean == pytest.approx(8.0)
    assert result.mean_moving_range == pytest.approx(31 / 11)
    assert result.lower_limit == pytest.approx(0.503636, abs=1e-6)
    assert result.upper_limit == pytest.approx(15.496364, abs=1e-6)
    assert result.lower_two_sigma == pytest.approx(3.003364, abs=1e-6)
    assert result.upper_two_sigma == pytest.approx(12.996636, abs=1e-6)
    assert _flagged(result) == [11]
    assert result.table["variation"].tolist() == ["common"] * 11 + ["improvement"]
    assert result.variation_icon == "special_cause_improvement_high"
    assert result.trial_limits is False


def test_table_has_exactly_the_csv_columns():
    """The download contract: period, value, mean, lower_limit, upper_limit, special_cause, variation."""
    result = _chart([])
    assert list(result.table.columns) == list(SPC_COLUMNS)
    assert list(SPC_COLUMNS) == [
        "period", "value", "mean", "lower_limit", "upper_limit", "special_cause", "variation"
    ]


def test_base_alone_is_common_cause():
    """The shared baseline has no signal, so the rule tests below measure only what they add."""
    result = _chart([])
    assert _flagged(result) == []
    assert result.variation_icon == "common_cause"
    assert (result.lower_limit, result.upper_limit) == pytest.approx((1.36, 22.64))


def test_rule_1_point_above_upper_limit():
    """23 is above 22.64: flagged by rule 1, an improvement when up is better."""
    result = _chart([23.0])
    assert _flagged(result) == [12]
    assert result.rules["outside_limits"].tolist()[12]
    assert result.table["variation"].iloc[12] == "improvement"


def test_rule_1_point_below_lower_limit_is_concern_when_up_is_better():
    """1 is below 1.36: a concern for an 'up' metric, with a low concern icon."""
    result = _chart([1.0])
    assert result.table["variation"].iloc[12] == "concern"
    assert result.variation_icon == "special_cause_concern_low"


def test_rule_1_point_exactly_on_limit_is_inside():
    """A point equal to the upper limit is not outside it."""
    upper = _chart([]).upper_limit
    result = _chart([upper])
    assert not result.rules["outside_limits"].iloc[12]
    assert _flagged(result) == []


def test_rule_2_seven_points_above_mean():
    """Seven points in a row above the mean are all flagged, and only they."""
    result = _chart([13, 14, 13, 14, 13, 14, 13])
    assert _flagged(result) == list(range(12, 19))
    assert result.rules["run"].tolist()[12:] == [True] * 7
    assert set(result.table["variation"].iloc[12:]) == {"improvement"}


def test_rule_2_six_points_are_not_enough():
    """Six points above the mean, then one below: nothing flagged."""
    assert _flagged(_chart([13, 14, 13, 14, 13, 14, 10])) == []


def test_rule_2_point_on_mean_breaks_run():
    """A point exactly on the mean splits eight points into runs of 3 and 4."""
    assert _flagged(_chart([13, 14, 13, 12, 14, 13, 14, 13])) == []


def test_rule_2_run_below_mean_is_concern_for_up_metric():
    """Seven points below the mean of an 'up' metric are a concern."""
    result = _chart([11, 10, 11, 10, 11, 10, 11], base=[10.0, 14.0] * 6)
    assert _flagged(result) == list(range(12, 19))
    assert set(result.table["variation"].iloc[12:]) == {"concern"}


def test_rule_3_seven_rising_points_take_the_trend_direction():
    """10 → 14 in six rises flags all 7 points as improvement, even those below the mean."""
    result = _chart([11, 11.5, 12.5, 13, 13.5, 14])
    assert _flagged(result) == list(range(11, 18))
    assert result.rules["trend"].tolist()[11:] == [True] * 7
    assert set(result.table["variation"].iloc[11:]) == {"improvement"}


def test_rule_3_six_points_are_not_enough():
    """Five rises (6 points) do not make a trend."""
    assert _flagged(_chart([11, 11.5, 12.5, 13, 13.5])) == []


def test_rule_3_tie_breaks_trend():
    """A repeated value ends the trend: 10, 11, 11.5, 11.5, 12.5, 13, 13.5, 14 is not flagged."""
    assert _flagged(_chart([11, 11.5, 11.5, 12.5, 13, 13.5, 14])) == []


def test_rule_3_falling_trend_is_concern_for_up_metric():
    """14 → 10 in six falls is a concern when up is better, including the points above the mean."""
    result = _chart([13.5, 13, 12.5, 11.5, 11, 10], base=[10.0, 14.0] * 6)
    assert _flagged(result) == list(range(11, 18))
    assert set(result.table["variation"].iloc[11:]) == {"concern"}


def test_rule_3_falling_trend_is_improvement_for_down_metric():
    """The same fall is an improvement when down is better."""
    result = _chart([13.5, 13, 12.5, 11.5, 11, 10], base=[10.0, 14.0] * 6, direction="down")
    assert set(result.table["variation"].iloc[11:]) == {"improvement"}
    assert result.variation_icon == "special_cause_improvement_low"


def test_rule_4_two_of_three_beyond_two_sigma():
    """20, 13, 20: two points beyond 19.092 with all three above the mean; the two are flagged."""
    result = _chart([20, 13, 20])
    assert _flagged(result) == [12, 14]
    assert result.rules["two_of_three"].tolist()[12:] == [True, False, True]


def test_rule_4_needs_all_three_on_one_side():
    """20, 11, 20: the middle point is below the mean, so NHSRplotthedots does not flag it."""
    assert _flagged(_chart([20, 11, 20])) == []


def test_rule_4_point_exactly_on_two_sigma_line_is_not_beyond():
    """A point equal to the 2-sigma line does not count towards 2 of 3."""
    upper_two_sigma = _chart([]).upper_two_sigma
    assert _flagged(_chart([upper_two_sigma, 13, 20])) == []


def test_rule_4_point_beyond_the_limit_does_not_count():
    """23, 13, 20: 23 breaks the limit (rule 1) and is not a 2-sigma point, so 20 stays unflagged."""
    result = _chart([23, 13, 20])
    assert _flagged(result) == [12]
    assert not result.rules["two_of_three"].any()


def test_rule_4_one_point_beyond_is_not_enough():
    """20, 13, 13: only one point beyond the 2-sigma line."""
    assert _flagged(_chart([20, 13, 13])) == []


def test_neutral_direction_gives_neutral_variation():
    """With no better direction, a signal is 'neutral' and purple."""
    result = _chart([23.0], direction="neutral")
    assert result.table["variation"].iloc[12] == "neutral"
    assert result.variation_icon == "special_cause_neutral_high"
    assert VARIATION_COLOURS["neutral"] == NEUTRAL_COLOUR


def test_down_metric_high_point_is_concern():
    """Above the upper limit when down is better (e.g. ARCP unsatisfactory rate) is a concern."""
    result = _chart([23.0], direction="down")
    assert result.table["variation"].iloc[12] == "concern"
    assert result.variation_icon == "special_cause_concern_high"
    assert "lower is better" in result.variation_description


def test_baseline_freezes_limits():
    """Limits from the first 6 points stay fixed, so a later shift shows as special cause."""
    values = [14, 10] * 3 + [30] * 6
    result = xmr(periods=list(range(12)), values=values, direction="up", baseline_points=6)
    assert result.mean == 12 and result.mean_moving_range == 4
    assert set(result.table["mean"]) == {12}
    assert _flagged(result) == list(range(6, 12))


def test_default_baseline_is_whole_series():
    """Without baseline_points every point feeds the mean."""
    values = [14, 10] * 3 + [30] * 6
    result = xmr(periods=list(range(12)), values=values, direction="up")
    assert result.mean == pytest.approx(sum(values) / 12)
    assert result.baseline_points == 12


def test_trial_limits_below_twelve_points():
    """Eleven points give trial limits; twelve do not."""
    assert xmr(periods=list(range(11)), values=BASE[:11], direction="up").trial_limits is True
    assert xmr(periods=list(range(12)), values=BASE, direction="up").trial_limits is False


def test_trial_limits_follow_baseline_length():
    """A short baseline means trial limits however long the series."""
    assert _chart([13] * 8, base=BASE[:10]).trial_limits is True


def test_assurance_consistently_pass_when_target_below_lower_limit_for_up_metric():
    """Target 1 lies below the lower limit 1.36 of an 'up' metric: it is always met."""
    result = _chart([], target=1)
    assert result.assurance_icon == "consistently_pass"
    assert result.assurance_description.startswith("Consistently passes")


def test_assurance_consistently_fail_when_target_above_upper_limit_for_up_metric():
    """Target 25 lies above the upper limit 22.64: it will not be met."""
    assert _chart([], target=25).assurance_icon == "consistently_fail"


def test_assurance_reverses_for_down_metric():
    """For 'down', a target above the upper limit is always met."""
    assert _chart([], target=25, direction="down").assurance_icon == "consistently_pass"
    assert _chart([], target=1, direction="down").assurance_icon == "consistently_fail"


def test_assurance_hit_and_miss_between_limits_and_on_a_limit():
    """A target between the limits, or exactly on one, is hit and miss."""
    assert _chart([], target=12).assurance_icon == "hit_and_miss"
    assert _chart([], target=_chart([]).upper_limit).assurance_icon == "hit_and_miss"


def test_no_assurance_without_target_or_direction():
    """No target, or a neutral metric, gives no assurance icon."""
    assert _chart([]).assurance_icon is None
    assert _chart([], target=12, direction="neutral").assurance_icon is None


def test_constant_series_has_no_signal():
    """Identical values give zero-width limits and no special cause."""
    result = xmr(periods=list(range(12)), values=[5] * 12, direction="up")
    assert result.mean_moving_range == 0
    assert _flagged(result) == []


def test_periods_are_kept():
    """Dates given as periods come back unchanged in the table."""
    months = [dt.date(2025, m, 1) for m in range(1, 4)]
    result = xmr(periods=months, values=[1, 2, 3], direction="up")
    assert result.table["period"].tolist() == months


def test_colours_are_making_data_count_palette():
    """The colours are the Making Data Count ones."""
    assert (IMPROVEMENT_COLOUR, CONCERN_COLOUR, NEUTRAL_COLOUR, COMMON_CAUSE_COLOUR, TARGET_COLOUR) == (
        "#00b0f0", "#e46c0a", "#490092", "#a6a6a6", "#de1b1b"
    )
    assert VARIATION_COLOURS["common"] == COMMON_CAUSE_COLOUR


@pytest.mark.parametrize("values", [[], [5.0]])
def test_fewer_than_two_points_is_a_clear_error(values):
    """An empty or one-point series raises ValueError saying how many points are needed."""
    with pytest.raises(ValueError, match="at least 2 points"):
        xmr(periods=list(range(len(values))), values=values, direction="up")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"direction": "increase"}, "direction must be"),
        ({"values": [1.0, float("nan"), 3.0]}, "finite"),
        ({"periods": [2, 1, 3]}, "increasing time order"),
        ({"periods": [1, 1, 2]}, "unique"),
        ({"periods": [1, 2]}, "differ in length"),
        ({"baseline_points": 1}, "between 2 and 3"),
        ({"baseline_points": 4}, "between 2 and 3"),
        ({"baseline_points": True}, "whole number"),
        ({"target": float("nan")}, "target must be"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, message):
    """Each bad argument raises ValueError with a message saying what is wrong."""
    arguments = {"periods": [1, 2, 3], "values": [1.0, 2.0, 3.0], "direction": "up", **kwargs}
    with pytest.raises(ValueError, match=message):
        xmr(**arguments)
