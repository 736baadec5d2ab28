"""The SPC (Making Data Count) charts on the Event reach, Feedback and
Differential attainment pages, run in-process with AppTest: charts drawn,
CSV columns, withheld months kept out, and baselines from the link."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from domain.spc import SPC_COLUMNS
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS
from tests.factories import FactRows

# One event a month in 2024; March (3) is withheld, and May (11), the
# smallest other month, is withheld with it so March cannot be worked out.
ATTENDANCES_2024 = [12, 15, 3, 14, 11, 16, 19, 18, 20, 15, 13, 17]
EXCELLENT_OF_10 = [8, 7, 9, 6, 8, 7, 9, 8, 7, 8, 6, 9]
WITHHELD_MONTHS = ("2024-03-01", "2024-05-01")
YEAR_2024 = {"from": "2024-01-01", "to": "2024-12-31"}
ATTAINMENT_YEARS = {"from": "2022-01-01", "to": "2024-12-31"}


@pytest.fixture
def series_db(app_db):
    """Add a year of monthly events with feedback, and three years of quarterly exam results."""
    rows = FactRows(app_db)
    for month, (attended, excellent) in enumerate(zip(ATTENDANCES_2024, EXCELLENT_OF_10, strict=True), 1):
        key = f"M-{month}"
        rows.event(key=key, date=dt.date(2024, month, 10), event_type="induction")
        for person in range(attended):
            rows.attendance(event=key, person=f"{key}-p{person}", region="LDN", stage="st1")
        for response in range(10):
            rows.feedback(event=key, rating=5 if response < excellent else 4, region="LDN", stage="st1",
                          response_key=f"{key}-r{response}")
    for quarter in range(12):
        day = dt.date(2022 + quarter // 4, 3 * (quarter % 4) + 2, 15)
        for person in range(10):
            result = "pass" if person < 6 + quarter % 2 else "fail"
            rows.outcome(person=f"o{quarter}-{person}", measure="mrcpch_tas", date=day, result=result,
                         region="LDN", stage="st1")
    return app_db


@pytest.fixture
def media_files(monkeypatch) -> list[MediaFileManager]:
    """Return the media file managers AppTest runs create, so a download can be made and read."""
    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, storage, *args, **kwargs):
            super().__init__(storage, *args, **kwargs)
            self.recorded_storage = storage
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return managers


def open_page(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    at.switch_page(page)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def chart(at: AppTest, key: str):
    return next(element for element in at.get("plotly_chart") if element.key == key)


def download(at: AppTest, managers: list[MediaFileManager], key: str) -> pd.DataFrame:
    # The CSV is written on click: run the button's deferred download as the click would.
    button = next(element for element in at.get("download_button") if element.key == key)
    url = managers[-1].execute_deferred(button.proto.deferred_file_id)
    file_id = url.rsplit("/", 1)[-1].split(".")[0]
    content = managers[-1].recorded_storage.get_file(file_id).content
    return pd.read_csv(io.BytesIO(content))


def texts(at: AppTest) -> str:
    parts = [element.value for kind in ("markdown", "caption", "subheader", "warning", "info")
             for element in getattr(at, kind)]
    return " ".join(parts + [element.proto.body for element in at.get("html")])


def test_event_reach_shows_the_attendances_spc_chart(series_db):
    """Event reach draws the attendances XmR chart with its title, variation icon and trial limits."""
    at = open_page("pages/1_Event_reach.py", **YEAR_2024)
    assert not at.exception
    chart(at, "chart-spc-attendances")
    assert any(header.value.startswith("Attendances per month:") for header in at.subheader)
    assert "Common cause variation" in texts(at)
    assert "Trial limits: the baseline has 10 points" in texts(at)


def test_attendances_csv_has_exactly_the_spc_columns(series_db, media_files):
    """The SPC download has exactly the SPC columns, one row per shown month."""
    at = open_page("pages/1_Event_reach.py", **YEAR_2024)
    table = download(at, media_files, "csv-spc-attendances")
    assert tuple(table.columns) == SPC_COLUMNS
    assert len(table) == 10


def test_withheld_months_reach_no_chart_or_download(series_db, media_files):
    """March (3 attendances) and May appear in neither the figure JSON nor the CSV."""
    at = open_page("pages/1_Event_reach.py", **YEAR_2024)
    figure = chart(at, "chart-spc-attendances").proto.spec
    table = download(at, media_files, "csv-spc-attendances")
    for month in WITHHELD_MONTHS:
        assert month not in figure
        assert month not in set(table["period"])
    values = {y for trace in json.loads(figure)["data"] for y in trace.get("y", [])}
    assert not values & {3, 11}
    assert "2 months withheld to protect individuals" in texts(at)


def test_feedback_shows_the_pct_excellent_spc_chart(series_db, media_files):
    """Feedback draws the % excellent XmR chart; its CSV has the SPC columns and the monthly rates."""
    at = open_page("pages/2_Feedback.py", **YEAR_2024)
    assert not at.exception
    chart(at, "chart-spc-pct-excellent")
    table = download(at, media_files, "csv-spc-pct-excellent")
    assert tuple(table.columns) == SPC_COLUMNS
    assert table["value"].tolist() == [10.0 * excellent for excellent in EXCELLENT_OF_10]


def test_attainment_shows_spc_charts_where_there_are_enough_quarters(series_db, media_files):
    """Theory and Science (12 quarters) gets a chart; the measures without results are listed instead."""
    at = open_page("pages/4_Differential_attainment.py", **ATTAINMENT_YEARS)
    assert not at.exception
    spc_charts = {element.key for element in at.get("plotly_chart") if element.key.startswith("chart-spc-")}
    assert spc_charts == {"chart-spc-outcome-mrcpch-tas"}
    table = download(at, media_files, "csv-spc-outcome-mrcpch-tas")
    assert tuple(table.columns) == SPC_COLUMNS
    assert table["period"].iloc[0] == "2022 Q1" and len(table) == 12
    assert "MRCPCH Clinical pass rate per quarter" in texts(at)


def test_baseline_from_the_link_freezes_the_limits(series_db):
    """A link baseline of August 2024 freezes the limits after the first 6 shown months."""
    at = open_page("pages/1_Event_reach.py", **YEAR_2024, **{"spc-attendances-baseline": "2024-08"})
    assert not at.exception
    assert at.selectbox(key="spc-attendances-baseline-choice").value == dt.date(2024, 8, 1)
    assert "frozen after the first 6 months" in texts(at)


@pytest.mark.parametrize(("value", "message"), [("2024-13", "not a month written like 2025-06"),
                                                 ("2023-06", "is not one of the months in this chart")])
def test_bad_baseline_in_the_link_gets_a_clear_message(series_db, value, message):
    """A baseline that is no month of the chart is refused in words, and the whole series is used."""
    at = open_page("pages/1_Event_reach.py", **YEAR_2024, **{"spc-attendances-baseline": value})
    assert not at.exception
    warning = " ".join(element.value for element in at.warning)
    assert "The baseline in the link was not used" in warning and message in warning
    assert at.selectbox(key="spc-attendances-baseline-choice").value is None
    chart(at, "chart-spc-attendances")


def test_choosing_a_baseline_writes_it_to_the_link(series_db):
    """Picking a baseline in the select box puts it in the URL so the chart can be shared."""
    at = open_page("pages/1_Event_reach.py", **YEAR_2024)
    at = at.selectbox(key="spc-attendances-baseline-choice").select(dt.date(2024, 9, 1)).run()
    assert at.query_params["spc-attendances-baseline"] == "2024-09"
    assert "frozen after the first 7 months" in texts(at)


def test_a_target_adds_the_assurance_icon(series_db):
    """Typing a target far above the limits shows the 'consistently fails' assurance icon."""
    at = open_page("pages/1_Event_reach.py", **YEAR_2024)
    at = at.number_input(key="spc-attendances-target").set_value(500.0).run()
    assert not at.exception
    assert "Assurance: consistently fails the target" in texts(at)


def test_meeting_mode_shows_the_spc_chart_without_its_controls(series_db):
    """With present=1 the SPC chart and its icon show, but no baseline, target or download controls."""
    at = open_page("pages/1_Event_reach.py", present="1", **YEAR_2024)
    assert not at.exception
    chart(at, "chart-spc-attendances")
    assert "Common cause variation" in texts(at)
    assert not any(element.key == "spc-attendances-baseline-choice" for element in at.selectbox)
    assert not any(element.key == "spc-attendances-target" for element in at.number_input)
    assert not any(element.key == "csv-spc-attendances" for element in at.get("download_button"))


def test_meeting_mode_keeps_a_baseline_from_the_link(series_db):
    """A shared link with present=1 and a baseline still freezes the limits after that month."""
    at = open_page("pages/1_Event_reach.py", present="1", **YEAR_2024, **{"spc-attendances-baseline": "2024-08"})
    assert not at.exception
    assert "frozen after the first 6 months" in texts(at)


def test_meeting_mode_draws_spc_charts_with_larger_fonts(series_db):
    """In meeting mode the SPC chart's font is scaled up like every other chart's."""
    normal = json.loads(chart(open_page("pages/1_Event_reach.py", **YEAR_2024), "chart-spc-attendances").proto.spec)
    meeting = json.loads(
        chart(open_page("pages/1_Event_reach.py", present="1", **YEAR_2024), "chart-spc-attendances").proto.spec
    )
    assert meeting["layout"]["font"]["size"] > normal["layout"].get("font", {}).get("size", 12)
