"""The Records page in AppTest (local mode, so the session is an admin): add
an event, edit one, see the importer's problems, add a benchmark and undo."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access import records
from data_access.audit import audit_events
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS


@pytest.fixture
def records_page(app_db) -> AppTest:
    """Return the Records page, run once."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    return at.switch_page("pages/7_Records.py").run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def widget(elements, label: str):
    return next(element for element in elements if element.label == label)


def scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_records_page_adds_an_event_with_the_suggested_id(app_db, records_page):
    """An event added with a blank id gets the next free SL-<year>-<n> id and an audited batch."""
    at = records_page
    year = dt.date.today().year
    expected_id = records.suggested_event_id(app_db, year=year)
    widget(at.text_input, "Title").input("Portfolio clinic")
    button(at, "Add the event").click().run()
    assert not at.exception
    assert f"Saved event {expected_id}" in at.success[0].value
    assert records.event_values(app_db, event_id=expected_id)["title"] == "Portfolio clinic"
    assert audit_events(app_db, actions=("record_edit",)).loc[0, "user"] == "local user"


def test_records_page_edit_keeps_the_events_attendance(app_db, records_page):
    """Choosing an event fills the form with it; saving a new title keeps its registrations."""
    at = records_page
    before = records.attendance_count(app_db, event_id="IND-1")
    widget(at.selectbox, "Event to edit").set_value("IND-1").run()
    assert widget(at.text_input, "Title").value == "Virtual induction"
    widget(at.text_input, "Title").input("Virtual induction (spring)")
    button(at, "Save the event").click().run()
    assert "Saved event IND-1" in at.success[0].value
    assert records.event_values(app_db, event_id="IND-1")["title"] == "Virtual induction (spring)"
    assert records.attendance_count(app_db, event_id="IND-1") == before > 0


def test_records_page_shows_the_importers_problems_and_saves_nothing(app_db, records_page):
    """A benchmark with no group or counts lists the importer's problems and writes no batch."""
    at = records_page
    batches = scalar(app_db, "SELECT COUNT(*) FROM import_batch")
    widget(at.text_input, "Source").input("GMC progression report")
    button(at, "Add the benchmark").click().run()
    assert "3 problems found, so nothing was saved" in at.error[0].value
    problems = at.table[0].value["problem"].tolist()
    assert [p.split(": '")[0] for p in problems] == [
        "row 1, column group", "row 1, column numerator", "row 1, column denominator"]
    assert scalar(app_db, "SELECT COUNT(*) FROM import_batch") == batches


def test_records_page_adds_a_benchmark_then_undoes_it(app_db):
    """A benchmark saved from the form keeps its link, is listed under the latest changes and is undone."""
    earlier = {"year": 2023, "measure": "mrcpch_tas", "group": "IMGs", "numerator": 120, "denominator": 500,
               "source": "GMC progression report 2023"}
    assert records.save_benchmark(app_db, values=earlier, user="alice").problems == []
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    at = at.switch_page("pages/7_Records.py").run()
    widget(at.number_input, "Training year (starting)").set_value(2024)
    widget(at.selectbox, "Group").set_value("IMGs")
    widget(at.number_input, "Numerator").set_value(130)
    widget(at.number_input, "Denominator").set_value(520)
    widget(at.text_input, "Source").input("GMC progression report 2024")
    widget(at.text_input, "Link to the source").input("https://www.gmc-uk.org/progression-report")
    button(at, "Add the benchmark").click().run()
    assert scalar(app_db, "SELECT source_url FROM benchmark WHERE year = 2024") == (
        "https://www.gmc-uk.org/progression-report")
    batch_id = int(records.record_changes(app_db)["id"].iloc[0])
    widget(at.selectbox, "Change to undo").set_value(batch_id).run()
    button(at, "Undo this change…").click().run()
    button(at, "Yes, undo it").click().run()
    assert f"Undid import {batch_id}" in at.success[0].value
    assert scalar(app_db, "SELECT COUNT(*) FROM benchmark WHERE year = 2024") == 0
    assert scalar(app_db, "SELECT COUNT(*) FROM benchmark WHERE year = 2023") == 1


def test_about_page_lists_benchmark_sources_with_their_links(app_db):
    """A benchmark's source and link typed in on the Records page show on About the data."""
    figure = {"year": 2024, "measure": "mrcpch_tas", "group": "IMGs", "numerator": 130, "denominator": 520,
              "source": "GMC progression report 2024", "source_url": "https://www.gmc-uk.org/progression-report"}
    assert records.save_benchmark(app_db, values=figure, user="alice").problems == []
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    at = at.switch_page("pages/5_About_the_data.py").run()
    sources = next(frame.value for frame in at.dataframe if "source_url" in frame.value.columns)
    assert sources[["source", "source_url"]].values.tolist() == [
        ["GMC progression report 2024", "https://www.gmc-uk.org/progression-report"]]
