"""Differential attainment views: the combined members-and-benchmarks frame,
gap arithmetic, suppression before rates and intervals, key messages,
engagement bands, MWRES reach and empty states."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert

from charts.alt_text import P_VALUE_COLUMN, TEST_COLUMN, VERDICT_COLUMN
from charts.attainment import NO_MWRES, NO_OUTCOMES
from data_access.filters import Filters
from data_access.models import Benchmark, OutcomeMeasure
from domain.intervals import wilson_interval
from tests.factories import FactRows
from views.attainment import (
    COMBINED_COLUMNS,
    GAP_COLUMN,
    MEMBERS_GROUP,
    MWRES_REACH,
    OUTCOME_VIEWS,
    ENGAGEMENT_VIEWS,
    combine_with_benchmarks,
    outcome_rates_with_benchmarks,
    with_comparisons,
    with_rates,
)
from views.base import prepare_view

AS_OF = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
FOP_VIEW = next(view for view in OUTCOME_VIEWS if view.id == "outcome-mrcpch-fop")
ARCP_VIEW = next(view for view in OUTCOME_VIEWS if view.id == "outcome-arcp")
EXAM_ENGAGEMENT = next(view for view in ENGAGEMENT_VIEWS if view.id == "engagement-exam")
ARCP_ENGAGEMENT = next(view for view in ENGAGEMENT_VIEWS if view.id == "engagement-arcp")


def members(*rows: tuple[str, int, int, int]) -> pd.DataFrame:
    """Members' counts from (measure, training year, n, events)."""
    labels = {"mrcpch_fop": "MRCPCH Foundation of Practice", "arcp": "ARCP"}
    categories = {"mrcpch_fop": "exam", "arcp": "arcp"}
    return pd.DataFrame(
        {
            "measure": [row[0] for row in rows],
            "measure_label": [labels[row[0]] for row in rows],
            "category": [categories[row[0]] for row in rows],
            "training_year": [row[1] for row in rows],
            "training_year_label": [f"{row[1]}/{(row[1] + 1) % 100:02d}" for row in rows],
            "n": [row[2] for row in rows],
            "events": [row[3] for row in rows],
        }
    )


def benchmarks(*rows: tuple[int, str, str, int, int]) -> pd.DataFrame:
    """Benchmark counts from (year, measure, group, numerator, denominator)."""
    return pd.DataFrame(
        {
            "year": [row[0] for row in rows],
            "measure": [row[1] for row in rows],
            "measure_label": ["MRCPCH Foundation of Practice"] * len(rows),
            "group": [row[2] for row in rows],
            "numerator": [row[3] for row in rows],
            "denominator": [row[4] for row in rows],
            "source": ["Synthetic test benchmark"] * len(rows),
        }
    )


FOP_MEMBERS = members(("mrcpch_fop", 2023, 40, 24), ("mrcpch_fop", 2024, 50, 30))
FOP_BENCHMARKS = benchmarks(
    (2024, "mrcpch_fop", "UK graduates", 750, 1000),
    (2024, "mrcpch_fop", "IMGs", 450, 1000),
    (2019, "mrcpch_fop", "IMGs", 400, 1000),
)


def fop_table(min_cell: int | None = 5, member_rows: pd.DataFrame = FOP_MEMBERS) -> pd.DataFrame:
    rows = combine_with_benchmarks(member_rows, FOP_BENCHMARKS)
    return prepare_view(FOP_VIEW, rows, min_cell=min_cell, data_as_of=AS_OF).table.set_index(
        ["group", "training_year_label"], drop=False
    )


def test_combined_frame_puts_members_first_then_groups_by_name():
    """Members come first, then benchmark groups in name order, each by year."""
    combined = combine_with_benchmarks(FOP_MEMBERS, FOP_BENCHMARKS)
    assert list(combined.columns) == COMBINED_COLUMNS
    assert combined[["group", "training_year"]].values.tolist() == [
        [MEMBERS_GROUP, 2023],
        [MEMBERS_GROUP, 2024],
        ["IMGs", 2024],
        ["UK graduates", 2024],
    ]


def test_combined_frame_keeps_benchmarks_only_for_member_years():
    """A benchmark year with no members' results (2019) is left out."""
    combined = combine_with_benchmarks(FOP_MEMBERS, FOP_BENCHMARKS)
    assert 2019 not in set(combined["training_year"])


def test_combined_frame_reads_benchmark_counts_as_n_and_events():
    """A benchmark's denominator is its n and its numerator its events, labelled by training year."""
    combined = combine_with_benchmarks(FOP_MEMBERS, FOP_BENCHMARKS)
    imgs = combined[combined["group"] == "IMGs"].iloc[0]
    assert (imgs["n"], imgs["events"], imgs["training_year_label"]) == (1000, 450, "2024/25")


def test_combined_frame_is_empty_without_members():
    """No members' results gives an empty frame with the combined columns."""
    combined = combine_with_benchmarks(members(), FOP_BENCHMARKS)
    assert combined.empty
    assert list(combined.columns) == COMBINED_COLUMNS


def test_gap_is_members_minus_group_in_percentage_points():
    """Members 60% against IMGs 45% and UK graduates 75% gives +15 and -15 points."""
    table = with_comparisons(with_rates(combine_with_benchmarks(FOP_MEMBERS, FOP_BENCHMARKS)))
    gaps = table.set_index(["group", "training_year_label"])[GAP_COLUMN]
    assert gaps[("IMGs", "2024/25")] == pytest.approx(15.0)
    assert gaps[("UK graduates", "2024/25")] == pytest.approx(-15.0)
    assert pd.isna(gaps[(MEMBERS_GROUP, "2024/25")])


def test_members_are_tested_against_each_group_of_the_same_year():
    """30/50 against 450/1000 and 750/1000, pooled z by hand: pooled 480/1050, SE 0.072190,
    z = 2.0778, p = 0.0377 ("higher"); pooled 780/1050, SE 0.063336, z = -2.3683, p = 0.0179 ("lower")."""
    table = fop_table()
    imgs, uk = table.loc[("IMGs", "2024/25")], table.loc[("UK graduates", "2024/25")]
    assert (imgs[TEST_COLUMN], imgs[VERDICT_COLUMN]) == ("two-proportion z-test", "higher")
    assert imgs[P_VALUE_COLUMN] == pytest.approx(0.0377, abs=5e-5)
    assert (uk[TEST_COLUMN], uk[VERDICT_COLUMN]) == ("two-proportion z-test", "lower")
    assert uk[P_VALUE_COLUMN] == pytest.approx(0.0179, abs=5e-5)
    assert table.loc[table["group"] == MEMBERS_GROUP, VERDICT_COLUMN].isna().all()


def test_close_rates_cannot_be_told_apart():
    """30/50 against 270/500 by hand: pooled 300/550, SE 0.073855, z = 0.8124, p = 0.4166: "cannot tell"."""
    close = combine_with_benchmarks(FOP_MEMBERS, benchmarks((2024, "mrcpch_fop", "IMGs", 270, 500)))
    prepared = prepare_view(FOP_VIEW, close, min_cell=5, data_as_of=AS_OF)
    imgs = prepared.table.set_index("group").loc["IMGs"]
    assert imgs[VERDICT_COLUMN] == "cannot tell"
    assert imgs[P_VALUE_COLUMN] == pytest.approx(0.4166, abs=5e-5)
    assert "Against IMGs in 2024/25 (54%, n = 500): the data cannot tell them apart (p = 0.42)." in (
        prepared.key_message
    )


def test_rates_carry_wilson_intervals():
    """A shown rate has the 95% Wilson interval of its counts."""
    table = fop_table()
    low, high = wilson_interval(30, 50)
    assert table.loc[(MEMBERS_GROUP, "2024/25"), "rate"] == pytest.approx(0.6)
    assert table.loc[(MEMBERS_GROUP, "2024/25"), "ci_low"] == pytest.approx(low)
    assert table.loc[(MEMBERS_GROUP, "2024/25"), "ci_high"] == pytest.approx(high)


def test_small_n_hides_rate_interval_and_gap():
    """Members' n of 3 leaves no rate, interval or gap for that year."""
    small = members(("mrcpch_fop", 2023, 40, 24), ("mrcpch_fop", 2024, 3, 2))
    table = fop_table(member_rows=small)
    assert table.loc[(MEMBERS_GROUP, "2024/25"), ["rate", "ci_low", "ci_high"]].isna().all()
    assert pd.isna(table.loc[("IMGs", "2024/25"), GAP_COLUMN])
    assert pd.isna(table.loc[("IMGs", "2024/25"), VERDICT_COLUMN])


def test_small_event_count_hides_the_rate_too():
    """3 passes out of 40 hides the rate (rate x n would give 3 back) and flags it as withheld."""
    small = members(("mrcpch_fop", 2023, 40, 3), ("mrcpch_fop", 2024, 50, 30), ("mrcpch_fop", 2025, 45, 20))
    table = fop_table(member_rows=small)
    row = table.loc[(MEMBERS_GROUP, "2023/24")]
    assert pd.isna(row["rate"]) and row["n"] == 40
    assert bool(row["rate_suppressed"])


def test_lone_hidden_year_hides_another_year_of_the_measure():
    """With one small year, another year of the same measure is withheld too."""
    small = members(("mrcpch_fop", 2023, 40, 24), ("mrcpch_fop", 2024, 3, 2), ("mrcpch_fop", 2025, 60, 30))
    table = fop_table(member_rows=small)
    assert pd.isna(table.loc[(MEMBERS_GROUP, "2023/24"), "n"])
    assert table.loc[(MEMBERS_GROUP, "2025/26"), "n"] == 60


def test_benchmark_rows_are_not_withheld_for_members():
    """Hiding members' cells never hides the large national benchmark counts."""
    small = members(("mrcpch_fop", 2024, 3, 2))
    table = fop_table(member_rows=small)
    assert table.loc[table["group"] != MEMBERS_GROUP, "n"].notna().all()


def test_internal_view_shows_small_rates():
    """With min_cell None the small year's rate is shown."""
    small = members(("mrcpch_fop", 2024, 3, 2))
    table = fop_table(min_cell=None, member_rows=small)
    assert table.loc[table["group"] == MEMBERS_GROUP, "rate"].iloc[0] == pytest.approx(2 / 3)


def test_view_keeps_only_its_measure():
    """The ARCP view shows ARCP rows only, labelled as the unsatisfactory rate."""
    both = members(("mrcpch_fop", 2024, 50, 30), ("arcp", 2024, 60, 9))
    prepared = prepare_view(
        ARCP_VIEW, combine_with_benchmarks(both, FOP_BENCHMARKS), min_cell=5, data_as_of=AS_OF
    )
    assert set(prepared.table["measure_label"]) == {"ARCP unsatisfactory outcome rate"}
    assert prepared.caption.startswith("n = 60 members' results")


def test_key_message_states_interval_n_benchmarks_test_and_caveat():
    """The title gives the members' latest rate with its Wilson interval (30/50: 46% to 72%) and n,
    each same-year group's rate and n with the test's verdict, and the self-selection caveat."""
    prepared = prepare_view(
        FOP_VIEW, combine_with_benchmarks(FOP_MEMBERS, FOP_BENCHMARKS), min_cell=5, data_as_of=AS_OF
    )
    assert prepared.key_message == (
        "MRCPCH Foundation of Practice pass rate, 2024/25: members 60% (95% CI 46% to 72%, n = 50). "
        "Against IMGs in 2024/25 (45%, n = 1,000): members higher (p = 0.038). "
        "Against UK graduates in 2024/25 (75%, n = 1,000): members lower (p = 0.018). "
        "Members chose to take part, so any difference is an association, not an effect of Soft Landing."
    )


def test_alt_text_names_the_test():
    """The chart description carries the same comparison and names the test used."""
    prepared = prepare_view(
        FOP_VIEW, combine_with_benchmarks(FOP_MEMBERS, FOP_BENCHMARKS), min_cell=5, data_as_of=AS_OF
    )
    assert "Against IMGs in 2024/25 (45%, n = 1,000): members higher (two-proportion z-test, p = 0.038)." in (
        prepared.alt_text
    )
    assert "not an effect of Soft Landing" in prepared.alt_text


def test_members_below_the_threshold_are_withheld_and_compared_with_nothing():
    """3 members' results (n below 5): the title says withheld and states no benchmark or verdict."""
    rows = combine_with_benchmarks(members(("mrcpch_fop", 2024, 3, 2)), FOP_BENCHMARKS)
    message = prepare_view(FOP_VIEW, rows, min_cell=5, data_as_of=AS_OF).key_message
    assert message == (
        "MRCPCH Foundation of Practice pass rate: members' rates withheld for these filters (too few results)"
    )


def test_internal_view_compares_small_groups_exactly():
    """In the internal view 3 of 3 members against IMGs 450/1000 expect 1.35 passes, so Fisher's
    exact test: with 453 passes in 1,003 results, P(3 of 3) = (453 × 452 × 451) / (1003 × 1002 × 1001)
    = 0.0918, and no other table is as unlikely, so p = 0.0918: "cannot tell"."""
    rows = combine_with_benchmarks(members(("mrcpch_fop", 2024, 3, 3)), FOP_BENCHMARKS)
    table = prepare_view(FOP_VIEW, rows, min_cell=None, data_as_of=AS_OF).table.set_index("group")
    assert table.loc["IMGs", TEST_COLUMN] == "Fisher's exact test"
    assert table.loc["IMGs", P_VALUE_COLUMN] == pytest.approx(0.0918, abs=5e-5)
    assert table.loc["IMGs", VERDICT_COLUMN] == "cannot tell"


def test_outcome_view_empty_state():
    """No members' results gives the outcome empty message and no figure."""
    prepared = prepare_view(
        FOP_VIEW, combine_with_benchmarks(members(), FOP_BENCHMARKS), min_cell=5, data_as_of=AS_OF
    )
    assert prepared.figure is None
    assert prepared.empty_message == NO_OUTCOMES


def engagement_rows(fop: list[tuple[int, int]], tas: list[tuple[int, int]], arcp: list[tuple[int, int]]):
    records = [
        (code, label, band, n, events)
        for code, label, bands in (
            ("mrcpch_fop", "MRCPCH FOP", fop),
            ("mrcpch_tas", "MRCPCH TAS", tas),
            ("arcp", "ARCP", arcp),
        )
        for band, (n, events) in zip(("0", "1-2", "3+"), bands, strict=True)
    ]
    return pd.DataFrame(records, columns=["measure", "measure_label", "engagement", "n", "events"])


ENGAGEMENT_ROWS = engagement_rows(
    fop=[(3, 2), (30, 20), (40, 30)], tas=[(20, 10), (30, 18), (40, 30)], arcp=[(50, 10), (60, 12), (70, 14)]
)


def test_engagement_band_suppression_stays_within_a_measure():
    """A small band hides another band of the same measure, never one of another measure."""
    table = prepare_view(EXAM_ENGAGEMENT, ENGAGEMENT_ROWS, min_cell=5, data_as_of=AS_OF).table
    hidden = table.loc[table["n_suppressed"], ["measure", "engagement"]].values.tolist()
    assert hidden == [["mrcpch_fop", "0"], ["mrcpch_fop", "1-2"]]


def test_engagement_view_keeps_its_category():
    """The exam engagement view shows exam measures only; ARCP has its own view."""
    exams = prepare_view(EXAM_ENGAGEMENT, ENGAGEMENT_ROWS, min_cell=5, data_as_of=AS_OF)
    arcp = prepare_view(ARCP_ENGAGEMENT, ENGAGEMENT_ROWS, min_cell=5, data_as_of=AS_OF)
    assert set(exams.table["measure"]) == {"mrcpch_fop", "mrcpch_tas"}
    assert set(arcp.table["measure"]) == {"arcp"}
    assert arcp.caption.startswith("n = 180 members' results")


def test_engagement_rates_have_intervals_only_when_shown():
    """Hidden bands have no rate or interval; shown bands have both."""
    table = prepare_view(EXAM_ENGAGEMENT, ENGAGEMENT_ROWS, min_cell=5, data_as_of=AS_OF).table
    assert table.loc[table["n_suppressed"], "ci_low"].isna().all()
    assert table.loc[~table["rate_suppressed"], "ci_low"].notna().all()


def test_engagement_alt_text_names_each_measure_and_withheld_band():
    """The description gives each measure's bands, with withheld ones marked, never their rates."""
    prepared = prepare_view(EXAM_ENGAGEMENT, ENGAGEMENT_ROWS, min_cell=5, data_as_of=AS_OF)
    assert "MRCPCH FOP pass rate: 0 events n<5, 1–2 events hidden, 3+ events 75%" in prepared.alt_text
    assert "MRCPCH TAS pass rate: 0 events 50%, 1–2 events 60%, 3+ events 75%" in prepared.alt_text


def test_engagement_key_message_is_worded_as_an_association():
    """The engagement title never claims an effect."""
    prepared = prepare_view(ARCP_ENGAGEMENT, ENGAGEMENT_ROWS, min_cell=5, data_as_of=AS_OF)
    assert "association, not an effect" in prepared.key_message


def mwres_rows(attendances: list[int]) -> pd.DataFrame:
    codes = ["1c", "4a", "4b"][: len(attendances)]
    return pd.DataFrame(
        {
            "indicator": codes,
            "indicator_label": [f"Working label {code}" for code in codes],
            "events": [1 if count else 0 for count in attendances],
            "attendances": attendances,
            "unique_participants": attendances,
        }
    )


def test_mwres_view_uses_labels_from_the_table_and_hides_small_reach():
    """Bars are named by code and table label; a small reach is withheld."""
    prepared = prepare_view(MWRES_REACH, mwres_rows([120, 3, 40]), min_cell=5, data_as_of=AS_OF)
    assert "1c Working label 1c" in list(prepared.figure.data[0].y)
    assert pd.isna(prepared.table.set_index("indicator").loc["4a", "attendances"])
    assert prepared.caption.startswith("n = 163 attendances, counted under each linked indicator")


def test_mwres_empty_state():
    """No indicators gives the MWRES empty message."""
    prepared = prepare_view(MWRES_REACH, mwres_rows([]), min_cell=5, data_as_of=AS_OF)
    assert prepared.empty_message == NO_MWRES


def test_outcome_query_combines_members_and_benchmarks(engine):
    """On a database, members' results sit beside the benchmark for the same training year."""
    rows = FactRows(engine)
    for n in range(5):
        rows.outcome(
            person=f"m{n}",
            measure="mrcpch_fop",
            date=dt.date(2024, 10, 1),
            result="pass" if n < 3 else "fail",
            region="LDN",
            stage="st2",
        )
    with engine.begin() as conn:
        measure_id = (
            conn.execute(OutcomeMeasure.__table__.select().where(OutcomeMeasure.code == "mrcpch_fop"))
            .one()
            .id
        )
        conn.execute(
            insert(Benchmark).values(
                year=2024,
                measure_id=measure_id,
                group_label="IMGs",
                numerator=450,
                denominator=1000,
                source="Synthetic test benchmark",
                batch_id=rows.batch(kind="benchmarks"),
            )
        )
    combined = outcome_rates_with_benchmarks(engine, filters=Filters(regions=("LDN",)))
    assert combined[["group", "training_year_label", "n", "events"]].values.tolist() == [
        [MEMBERS_GROUP, "2024/25", 5, 3],
        ["IMGs", "2024/25", 1000, 450],
    ]
