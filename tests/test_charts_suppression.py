"""No chart, alt text or key message ever carries a suppressed value.

Each builder gets a frame in which one cell is flagged ``<col>_suppressed``
but still holds a distinctive raw number (as if a caller forgot to blank it).
The figure is serialised with ``fig.to_json()``, typed arrays decoded, and
the number must appear nowhere: not in trace data, text, hover text or
customdata. A second check feeds the normal shape (NaN + flag) and looks for
the "<5" label.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from charts import alt_text
from charts.attainment import engagement_chart, mwres_chart, outcome_rates_chart
from charts.cartogram import TILE_GRID, coverage_cartogram
from charts.feedback import (
    excellent_by_month_chart,
    mean_rating_by_event_chart,
    rating_distribution_chart,
    response_rate_chart,
)
from charts.reach import (
    attendances_by_month_chart,
    attendances_by_region_chart,
    attendances_by_stage_chart,
    conversion_chart,
    cumulative_reach_chart,
    new_vs_returning_chart,
    reach_over_time_chart,
)

SENTINEL = 4817
SENTINEL_TEXTS = ("4817", "4,817")
HOVER_ONLY = "%{hovertext}<extra></extra>"
MONTHS = [dt.date(2024, 8, 1), dt.date(2024, 9, 1), dt.date(2024, 10, 1)]


def _regions():
    codes = list(TILE_GRID)
    return pd.DataFrame(
        {
            "region": codes,
            "region_name": codes,
            "nation": ["England"] * 19,
            "active_reps": [1] * 19,
            "attendances": [100 + i for i in range(19)],
            "unique_participants": [60 + i for i in range(19)],
        }
    )


def _rates(**extra):
    return pd.DataFrame(
        {
            "rate": [0.4242, 0.55, 0.61],
            "ci_low": [0.3, 0.45, 0.5],
            "ci_high": [0.5, 0.65, 0.7],
            "n": [40, 50, 60],
            **extra,
        }
    )


# (id, builder, frame, hidden row, hidden column, alt text, key message, derived texts that must not appear)
CASES = [
    (
        "by_month",
        attendances_by_month_chart,
        pd.DataFrame(
            {
                "month": MONTHS * 2,
                "event_type": ["induction"] * 3 + ["exam_prep"] * 3,
                "event_type_label": ["Induction"] * 3 + ["Exam preparation"] * 3,
                "attendances": [151, 20, 37, 12, 64, 29],
            }
        ),
        4,
        "attendances",
        alt_text.alt_text_attendances_by_month,
        alt_text.key_message_attendances_by_month,
        (),
    ),
    (
        "reach",
        reach_over_time_chart,
        pd.DataFrame(
            {
                "month": MONTHS,
                "registrations": [210, 180, 95],
                "attendances": [160, 140, 70],
                "unique_participants": [120, 101, 66],
            }
        ),
        1,
        "attendances",
        alt_text.alt_text_reach_over_time,
        alt_text.key_message_reach_over_time,
        (),
    ),
    (
        "region",
        attendances_by_region_chart,
        pd.DataFrame(
            {
                "region": ["LDN", "WM", "NI"],
                "region_name": ["London", "West Midlands", "Northern Ireland"],
                "attendances": [88, 305, 41],
                "unique_participants": [60, 150, 30],
            }
        ),
        0,
        "attendances",
        alt_text.alt_text_attendances_by_region,
        alt_text.key_message_attendances_by_region,
        (),
    ),
    (
        "stage",
        attendances_by_stage_chart,
        pd.DataFrame(
            {
                "stage": ["led", "st1", "st2"],
                "stage_label": ["LED", "ST1", "ST2"],
                "stage_group": ["non_training", "core", "core"],
                "attendances": [40, 71, 22],
            }
        ),
        1,
        "attendances",
        alt_text.alt_text_attendances_by_stage,
        alt_text.key_message_attendances_by_stage,
        (),
    ),
    (
        "conversion",
        conversion_chart,
        pd.DataFrame(
            {
                "event_type_label": ["Induction", "Exam preparation"],
                "registrations": [9000, 80],
                "attendances": [150, 72],
            }
        ),
        0,
        "attendances",
        alt_text.alt_text_conversion,
        alt_text.key_message_conversion,
        ("53.5%", "54%"),
    ),
    (
        "new_returning",
        new_vs_returning_chart,
        pd.DataFrame(
            {"month": MONTHS, "new_participants": [50, 31, 12], "returning_participants": [7, 19, 25]}
        ),
        2,
        "returning_participants",
        alt_text.alt_text_new_vs_returning,
        alt_text.key_message_new_vs_returning,
        (),
    ),
    (
        "cumulative",
        cumulative_reach_chart,
        pd.DataFrame({"month": MONTHS, "cumulative_unique_participants": [120, 185, 236]}),
        2,
        "cumulative_unique_participants",
        alt_text.alt_text_cumulative_reach,
        alt_text.key_message_cumulative_reach,
        (),
    ),
    (
        "likert",
        rating_distribution_chart,
        pd.DataFrame(
            {
                "event_type_label": ["Induction"] * 5,
                "rating": [1, 2, 3, 4, 5],
                "rating_label": ["Poor", "Fair", "Good", "Very good", "Excellent"],
                "responses": [10, 10, 20, 20, 40],
            }
        ),
        4,
        "responses",
        alt_text.alt_text_rating_distribution,
        alt_text.key_message_rating_distribution,
        (),
    ),
    (
        "excellent",
        excellent_by_month_chart,
        pd.DataFrame({"month": MONTHS, "responses": [40, 25, 30], "excellent": [34, 20, 21]}),
        0,
        "excellent",
        alt_text.alt_text_excellent_by_month,
        alt_text.key_message_excellent_by_month,
        (),
    ),
    (
        "mean_rating",
        mean_rating_by_event_chart,
        pd.DataFrame(
            {
                "title": ["A", "B"],
                "date": [dt.date(2025, 3, 12), dt.date(2025, 2, 1)],
                "responses": [42, 18],
                "mean_rating": [3.217, 4.05],
            }
        ),
        0,
        "responses",
        alt_text.alt_text_mean_rating_by_event,
        alt_text.key_message_mean_rating_by_event,
        ("3.217", "3.2"),
    ),
    (
        "response_rate",
        response_rate_chart,
        pd.DataFrame(
            {
                "event_type_label": ["Induction", "Exam preparation"],
                "responses": [90, 20],
                "attendances": [9000, 80],
            }
        ),
        0,
        "responses",
        alt_text.alt_text_response_rate,
        alt_text.key_message_response_rate,
        ("53.5%", "54%"),
    ),
    (
        "cartogram",
        coverage_cartogram,
        _regions(),
        3,
        "attendances",
        alt_text.alt_text_cartogram,
        alt_text.key_message_cartogram,
        (),
    ),
    (
        "outcomes",
        outcome_rates_chart,
        _rates(
            training_year_label=["2024/25"] * 3,
            measure_label=["FOP"] * 3,
            group=["Members", "IMGs", "UK"],
            comparison_test=[None, "two-proportion z-test", "two-proportion z-test"],
            comparison_p_value=[np.nan, 0.01, 0.2],
            comparison=[None, "lower", "cannot tell"],
        ),
        0,
        "n",
        alt_text.alt_text_outcome_rates,
        alt_text.key_message_outcome_rates,
        ("42.4", "42%"),
    ),
    (
        "engagement",
        engagement_chart,
        _rates(engagement=["0", "1-2", "3+"]),
        0,
        "n",
        alt_text.alt_text_engagement,
        alt_text.key_message_engagement,
        ("42.4", "42%"),
    ),
    (
        "mwres",
        mwres_chart,
        pd.DataFrame(
            {
                "indicator": ["1a", "4a"],
                "indicator_label": ["Entry", "Exams"],
                "events": [3, 7],
                "attendances": [120, 340],
            }
        ),
        1,
        "attendances",
        alt_text.alt_text_mwres,
        alt_text.key_message_mwres,
        (),
    ),
]
IDS = [case[0] for case in CASES]


def _flag(frame: pd.DataFrame, row: int, column: str, value: float) -> pd.DataFrame:
    frame = frame.copy().astype({column: "float64"})
    frame.loc[row, column] = value
    frame[f"{column}_suppressed"] = [index == row for index in range(len(frame))]
    return frame


def _decoded(node):
    """Return the figure JSON with Plotly's base64 typed arrays turned back into lists."""
    if isinstance(node, dict):
        if set(node) >= {"dtype", "bdata"}:
            return np.frombuffer(base64.b64decode(node["bdata"]), dtype=np.dtype(node["dtype"])).tolist()
        return {key: _decoded(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_decoded(item) for item in node]
    return node


def _figure_text(fig) -> str:
    return json.dumps(_decoded(json.loads(fig.to_json())))


@pytest.mark.parametrize(
    ("name", "builder", "frame", "row", "column", "alt", "key", "derived"), CASES, ids=IDS
)
def test_flagged_value_never_reaches_the_figure(name, builder, frame, row, column, alt, key, derived):
    """A flagged cell's raw number, and figures derived from it, appear nowhere in the figure JSON."""
    text = _figure_text(builder(_flag(frame, row, column, SENTINEL)))
    for needle in (*SENTINEL_TEXTS, *derived):
        assert needle not in text


@pytest.mark.parametrize(
    ("name", "builder", "frame", "row", "column", "alt", "key", "derived"), CASES, ids=IDS
)
def test_flagged_value_never_reaches_alt_text(name, builder, frame, row, column, alt, key, derived):
    """Alt text and the key message never state a flagged cell's raw number."""
    flagged = _flag(frame, row, column, SENTINEL)
    for sentence in (alt(flagged), key(flagged)):
        for needle in (*SENTINEL_TEXTS, *derived):
            assert needle not in sentence


@pytest.mark.parametrize(
    ("name", "builder", "frame", "row", "column", "alt", "key", "derived"), CASES, ids=IDS
)
def test_hover_reads_prepared_text_only(name, builder, frame, row, column, alt, key, derived):
    """Hover templates show only the prepared hover text, never a raw column, and no customdata is sent."""
    fig = builder(_flag(frame, row, column, np.nan))
    for trace in fig.data:
        assert trace.hovertemplate in (None, HOVER_ONLY)
        assert trace.hovertemplate == HOVER_ONLY or trace.hoverinfo == "skip"
    assert "customdata" not in fig.to_json()


@pytest.mark.parametrize(
    ("name", "builder", "frame", "row", "column", "alt", "key", "derived"),
    [
        case
        for case in CASES
        if case[5] not in (alt_text.alt_text_outcome_rates, alt_text.alt_text_engagement)
    ],
    ids=[case[0] for case in CASES if case[0] not in ("outcomes", "engagement")],
)
def test_hidden_count_shows_as_below_threshold(name, builder, frame, row, column, alt, key, derived):
    """A NaN count flagged as suppressed is labelled "<5" somewhere in the figure's text or hover."""
    assert "<5" in _figure_text(builder(_flag(frame, row, column, np.nan), min_cell=5))


def test_threshold_label_follows_min_cell():
    """With min_cell=10 a hidden count reads "<10"."""
    frame = _flag(CASES[0][2], 4, "attendances", np.nan)
    fig = attendances_by_month_chart(frame, min_cell=10)
    assert "<10" in fig.data[1].text


def test_secondary_suppression_says_hidden_not_small():
    """A cell hidden only to protect another reads "hidden", because "<5" would be untrue."""
    frame = _flag(CASES[0][2], 4, "attendances", np.nan)
    frame["attendances_secondary"] = frame["attendances_suppressed"]
    assert attendances_by_month_chart(frame).data[1].text[1] == "hidden"
