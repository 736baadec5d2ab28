"""Global filters <-> URL query parameters, shortcut groups and notice text, without Streamlit."""

from __future__ import annotations

import datetime as dt

from data_access.filters import Filters
from domain.metrics import metric
from ui.filters import (
    DEFAULT_PRESET,
    complete_groups,
    filters_from_query,
    query_from_filters,
    toggle_group,
)
from ui.notices import (
    change_text,
    data_as_of_text,
    date_range_text,
    filter_summary_text,
    page_label,
    page_sort_key,
)

VALID = {
    "valid_regions": ["LDN", "WM", "SCN", "WAL"],
    "valid_stages": ["st1", "st2", "sas"],
    "valid_types": ["induction", "exam_prep"],
}


def parse(params):
    return filters_from_query(params, **VALID)


def test_empty_query_is_default_view():
    """No parameters give no selections, the default preset and no notices."""
    assert parse({}) == (Filters(), DEFAULT_PRESET, [])


def test_repeated_region_params_select_several():
    """Repeated region parameters select each region."""
    filters, _, notices = parse({"region": ["LDN", "WM"]})
    assert filters.regions == ("LDN", "WM")
    assert notices == []


def test_codes_match_case_insensitively():
    """Codes in any case map to the reference spelling."""
    filters, _, _ = parse({"region": ["ldn"], "stage": ["ST1"], "type": ["Induction"]})
    assert (filters.regions, filters.stages, filters.event_types) == (("LDN",), ("st1",), ("induction",))


def test_unknown_region_is_dropped_with_notice():
    """An unknown region is ignored and named in a notice."""
    filters, _, notices = parse({"region": ["XXX", "WM"]})
    assert filters.regions == ("WM",)
    assert notices == ["Ignored unknown region 'XXX' in the link."]


def test_unknown_stage_and_type_are_named():
    """Unknown stages and event types each get their own notice."""
    _, _, notices = parse({"stage": ["st9"], "type": ["party"]})
    assert notices == [
        "Ignored unknown training stage 'st9' in the link.",
        "Ignored unknown event type 'party' in the link.",
    ]


def test_long_bad_value_is_shortened_in_notice():
    """A very long bad value is cut short in its notice."""
    _, _, notices = parse({"region": ["X" * 500]})
    assert len(notices[0]) < 100


def test_dates_make_a_custom_range():
    """from/to parameters give a custom preset with those dates."""
    filters, preset, _ = parse({"from": ["2024-08-01"], "to": ["2025-07-31"]})
    assert preset == "custom"
    assert (filters.date_from, filters.date_to) == (dt.date(2024, 8, 1), dt.date(2025, 7, 31))


def test_open_ended_from_date():
    """A from date alone leaves the end open."""
    filters, preset, _ = parse({"from": ["2024-08-01"]})
    assert (preset, filters.date_from, filters.date_to) == ("custom", dt.date(2024, 8, 1), None)


def test_bad_date_is_dropped_with_notice():
    """An impossible date is ignored and named."""
    filters, preset, notices = parse({"from": ["2024-13-01"]})
    assert (filters.date_from, preset) == (None, DEFAULT_PRESET)
    assert notices == ["Ignored 'from' date '2024-13-01' in the link: use YYYY-MM-DD."]


def test_reversed_dates_are_dropped_with_notice():
    """A start after the end drops both dates."""
    filters, preset, notices = parse({"from": ["2025-01-01"], "to": ["2024-01-01"]})
    assert (filters.date_from, filters.date_to, preset) == (None, None, DEFAULT_PRESET)
    assert "start is after the end" in notices[0]


def test_period_param_selects_preset():
    """A known period parameter selects that preset."""
    _, preset, notices = parse({"period": ["this_training_year"]})
    assert (preset, notices) == ("this_training_year", [])


def test_unknown_period_falls_back_to_default():
    """An unknown period is ignored with a notice."""
    _, preset, notices = parse({"period": ["forever"]})
    assert preset == DEFAULT_PRESET
    assert notices == ["Ignored unknown period 'forever' in the link."]


def test_dates_win_over_period():
    """Explicit dates mean custom dates even beside a period parameter."""
    _, preset, _ = parse({"period": ["all_time"], "from": ["2024-01-01"]})
    assert preset == "custom"


def test_query_leaves_out_defaults():
    """The default view has an empty query."""
    assert query_from_filters(Filters(), preset=DEFAULT_PRESET) == {}


def test_query_repeats_codes_and_writes_custom_dates():
    """Selections repeat their parameter; custom dates use from/to."""
    filters = Filters(regions=("WM", "LDN"), event_types=("induction",), date_from=dt.date(2024, 8, 1))
    assert query_from_filters(filters, preset="custom") == {
        "region": ["LDN", "WM"],
        "type": ["induction"],
        "from": ["2024-08-01"],
    }


def test_query_names_non_default_preset_without_dates():
    """A relative preset is written as period, not as today's dates."""
    filters = Filters(date_from=dt.date(2025, 8, 1), date_to=dt.date(2026, 1, 1))
    assert query_from_filters(filters, preset="this_training_year") == {"period": ["this_training_year"]}


def test_custom_without_dates_round_trips_as_all_time():
    """Custom dates left empty are written as all time."""
    query = query_from_filters(Filters(), preset="custom")
    assert parse(query)[1] == "all_time"


def test_link_round_trips():
    """Parsing the query written for a view gives that view back."""
    filters = Filters(regions=("LDN", "WM"), stages=("sas",), date_from=dt.date(2024, 8, 1))
    assert parse(query_from_filters(filters, preset="custom")) == (filters, "custom", [])


def test_toggle_group_adds_missing_members():
    """Toggling a partly selected group selects all of it."""
    assert toggle_group(["LDN"], ["SCN", "LDN", "WAL"]) == ["LDN", "SCN", "WAL"]


def test_toggle_group_removes_complete_group():
    """Toggling a wholly selected group clears it and keeps the rest."""
    assert toggle_group(["WM", "SCN", "SCE"], ["SCN", "SCE"]) == ["WM"]


def test_complete_groups_lists_wholly_selected():
    """Only groups whose members are all selected are complete."""
    groups = {"Scotland": ["SCN", "SCE"], "Wales": ["WAL"], "Empty": []}
    assert complete_groups(["SCN", "WAL"], groups) == ["Wales"]


def test_data_as_of_in_uk_time():
    """The last import time shows in UK local time with its zone."""
    moment = dt.datetime(2025, 6, 30, 13, 5, tzinfo=dt.timezone.utc)
    assert data_as_of_text(moment) == "Data as of 30 Jun 2025, 14:05 BST"


def test_data_as_of_without_import():
    """With no import the notice says so."""
    assert data_as_of_text(None) == "No data has been imported yet."


def test_date_range_text_open_end():
    """An open end reads as "from"."""
    assert date_range_text(dt.date(2024, 8, 1), None) == "from 1 Aug 2024"


def test_filter_summary_names_selections():
    """The summary names selected regions and says "all" for empty filters."""
    text = filter_summary_text(
        Filters(regions=("LDN", "WM"), date_from=dt.date(2024, 8, 1), date_to=dt.date(2025, 7, 31)),
        period_label="Custom dates",
        region_names={"LDN": "London", "WM": "West Midlands"},
        stage_labels={},
        type_labels={},
    )
    assert text == (
        "London, West Midlands · all stages · all event types · Custom dates (1 Aug 2024 – 31 Jul 2025)"
    )


def test_filter_summary_shortens_long_lists():
    """More than four selections are summarised with a count."""
    names = {code: code for code in "ABCDEF"}
    text = filter_summary_text(
        Filters(regions=tuple("ABCDEF")), period_label="All time",
        region_names=names, stage_labels={}, type_labels={},
    )
    assert text.startswith("A, B, C and 3 more · ")


def test_change_text_for_counts_and_rates():
    """Counts change by a signed number; fractions and percents by points."""
    assert change_text(metric("attendances"), 1200, 1000) == "+200"
    assert change_text(metric("attendance_rate"), 0.80, 0.85) == "-5.0 pp"
    assert change_text(metric("pct_excellent"), 84.0, 80.5) == "+3.5 pp"


def test_change_text_missing_value():
    """No change is shown when either period has no value."""
    assert change_text(metric("mean_rating"), 4.5, None) is None


def test_filter_summary_starts_with_capital():
    """The summary line reads as a sentence when nothing is selected."""
    text = filter_summary_text(
        Filters(), period_label="All time", region_names={}, stage_labels={}, type_labels={}
    )
    assert text == "All regions · all stages · all event types · All time (all dates)"


def test_page_label_drops_prefix_and_underscores():
    """A page file's label has no numeric prefix, extension or underscores."""
    assert page_label("2_Event_reach.py") == "Event reach"


def test_pages_sort_by_numeric_prefix():
    """Page 10 comes after page 2, and unnumbered pages come last."""
    files = ["About.py", "10_Later.py", "2_Event_reach.py"]
    assert sorted(files, key=page_sort_key) == ["2_Event_reach.py", "10_Later.py", "About.py"]
