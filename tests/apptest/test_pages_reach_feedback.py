"""The Overview's key messages, Event reach and Feedback pages, and the
internal-view switch, run in-process with AppTest on the fixture database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_access import config
from data_access.filters import Filters
from data_access.queries import feedback, reach
from domain.periods import preset_range
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS
from tests.factories import FactRows

EXACT_SWITCH = "privacy_exact_toggle"


def default_filters(**selections) -> Filters:
    date_from, date_to = preset_range("last_12_months", today=dt.date.today())
    return Filters(date_from=date_from, date_to=date_to, **selections)


def app_on(page: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    if page is not None:
        at.switch_page(page)
    return at


@pytest.fixture
def reach_page(app_db) -> AppTest:
    """Return an AppTest opened on the Event reach page, not yet run."""
    return app_on("pages/1_Event_reach.py")


@pytest.fixture
def feedback_page(app_db) -> AppTest:
    """Return an AppTest opened on the Feedback page, not yet run."""
    return app_on("pages/2_Feedback.py")


def captions(at) -> list[str]:
    return [caption.value for caption in at.caption]


def table_with(at, column: str) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def region_attendances(at) -> dict[str, float]:
    table = table_with(at, "region_name")
    return dict(zip(table["region"], table["attendances"], strict=True))


def seed_comments(engine, texts: list[str]) -> None:
    rows = FactRows(engine)
    rows.event(key="CMT-1", date=dt.date.today() - dt.timedelta(days=10), event_type="arcp_portfolio")
    for n, text in enumerate(texts):
        rows.feedback(event="CMT-1", rating=5, region="LDN", stage="st2", comments=text, response_key=f"c{n}")


def test_event_reach_runs_with_every_chart(reach_page):
    """Event reach runs without exception and draws its six charts."""
    at = reach_page.run()
    assert not at.exception
    assert at.title[0].value == "Event reach"
    assert len(at.get("plotly_chart")) == 6


def test_event_reach_caption_matches_the_query(reach_page, app_db):
    """The charts' n is the number of attendances the query returns for the default period."""
    at = reach_page.run()
    attendances = int(reach.attendances_by_region(app_db, filters=default_filters())["attendances"].sum())
    assert f"n = {attendances} attendances" in " ".join(captions(at))
    assert attendances == 14


def test_region_filter_changes_event_reach(reach_page):
    """Selecting London recounts the attendances."""
    at = reach_page.run()
    at.multiselect(key="filter_region").set_value(["LDN"]).run()
    assert not at.exception
    assert any(caption.startswith("n = 9 attendances") for caption in captions(at))
    assert not any(caption.startswith("n = 14 attendances") for caption in captions(at))


def test_small_regions_hidden_on_event_reach(reach_page):
    """West Midlands (3) and Scotland North (2) are withheld; London (9) is shown."""
    shown = region_attendances(reach_page.run())
    assert shown["LDN"] == 9
    assert pd.isna(shown["WM"]) and pd.isna(shown["SCN"])


def test_events_table_matches_the_query(reach_page, app_db):
    """The events table shows the query's events; EXM-1's 4 registrations are withheld and,
    as the only other event, IND-1's 11 too, until the internal view is on."""
    at = reach_page.run()
    table = table_with(at, "title").set_index("event_id")
    expected = reach.events_table(app_db, filters=default_filters())
    assert list(table.index) == list(expected["event_id"]) == ["IND-1", "EXM-1"]
    assert table["registrations"].isna().all()
    at.toggle(key=EXACT_SWITCH).set_value(True).run()
    assert list(table_with(at, "title")["registrations"]) == list(expected["registrations"]) == [11, 4]


def test_switch_shows_exact_small_numbers(reach_page):
    """The internal-view switch shows West Midlands' 3 attendances and a warning banner."""
    at = reach_page.run()
    at.toggle(key=EXACT_SWITCH).set_value(True).run()
    assert region_attendances(at)["WM"] == 3
    assert any("exact small numbers are shown" in box.value for box in at.warning)


def test_switch_is_off_by_default_and_never_in_the_url(reach_page):
    """A new session starts suppressed; switching on leaves the URL alone."""
    at = reach_page.run()
    assert at.toggle(key=EXACT_SWITCH).value is False
    assert not any("exact small numbers" in box.value for box in at.warning)
    at.toggle(key=EXACT_SWITCH).set_value(True).run()
    assert at.query_params == {}


def test_switch_lasts_for_the_session_across_pages(app_db):
    """Switched on on the Overview, exact numbers still show on Event reach."""
    at = app_on(None).run()
    at.toggle(key=EXACT_SWITCH).set_value(True).run()
    at.switch_page("pages/1_Event_reach.py").run()
    assert at.toggle(key=EXACT_SWITCH).value is True
    assert region_attendances(at)["SCN"] == 2


def test_overview_key_messages_state_the_numbers(app_db):
    """The key messages give the period's attendances, events, people and regions."""
    at = app_on(None).run()
    text = " ".join(block.value for block in at.markdown)
    assert "14 attendances at 2 events by 10 IMG paediatricians from 3 training regions" in text
    assert "60% of 5 feedback responses rated their event excellent" in text


def test_overview_key_messages_respect_suppression(app_db):
    """Under the West Midlands filter the key messages write no small number."""
    at = app_on(None)
    at.query_params["region"] = "WM"
    at.run()
    text = " ".join(block.value for block in at.markdown)
    assert "fewer than 5 attendances" in text
    assert "3 attendances" not in text


def test_feedback_runs_with_every_chart(feedback_page):
    """Feedback runs without exception and draws its four charts."""
    at = feedback_page.run()
    assert not at.exception
    assert at.title[0].value == "Feedback"
    assert len(at.get("plotly_chart")) == 4


def test_feedback_caption_matches_the_query(feedback_page, app_db):
    """The charts' n is the number of responses the query returns."""
    at = feedback_page.run()
    responses = int(feedback.excellent_by_month(app_db, filters=default_filters())["responses"].sum())
    assert responses == 5
    assert any(caption.startswith(f"n = {responses} feedback responses") for caption in captions(at))


def test_region_filter_changes_feedback(feedback_page):
    """Under the London filter the 3 responses are reported as fewer than 5."""
    at = feedback_page.run()
    at.multiselect(key="filter_region").set_value(["LDN"]).run()
    assert not at.exception
    assert any(caption.startswith("n < 5 feedback responses") for caption in captions(at))


def test_comments_listed_as_plain_text(feedback_page, app_db):
    """Comment text, markup included, reaches the table verbatim and no markdown element."""
    texts = [f"Portfolio advice number {n}" for n in range(5)] + ["**ARCP** <b>help</b> =1+1"]
    seed_comments(app_db, texts)
    at = feedback_page.run()
    assert set(table_with(at, "comment")["comment"]) == set(texts)
    assert not any("ARCP** <b>" in block.value for block in at.markdown)


def test_comment_search_narrows_the_list(feedback_page, app_db):
    """Searching "portfolio" keeps only the comments that contain it."""
    seed_comments(app_db, [f"Portfolio advice number {n}" for n in range(5)] + ["Great exam tips"])
    at = feedback_page.run()
    at.text_input(key="comment_search").input("portfolio").run()
    assert len(table_with(at, "comment")) == 5


def test_few_comments_are_withheld(feedback_page, app_db):
    """Two comments are not listed while suppression is on, and are with the switch."""
    seed_comments(app_db, ["Portfolio session was useful", "Thanks for the mock interview"])
    at = feedback_page.run()
    assert not any("comment" in frame.value.columns for frame in at.dataframe)
    assert any("Fewer than 5 comments match" in box.value for box in at.info)
    at.toggle(key=EXACT_SWITCH).set_value(True).run()
    assert len(table_with(at, "comment")) == 2


def test_small_theme_counts_suppressed(feedback_page, app_db):
    """A theme in two comments shows "<5"; the ARCP theme in six shows 6."""
    seed_comments(app_db, [f"ARCP tips {n}" for n in range(6)] + ["Interview practice", "Mock interview"])
    themes = table_with(feedback_page.run(), "theme").set_index("theme")
    assert themes.loc["Interviews", "shown"] == "<5"
    assert themes.loc["ARCP/portfolio", "shown"] == "6"


def test_invalid_threshold_gives_plain_error(reach_page, monkeypatch):
    """A min_cell of 1 in the secrets stops the page with a plain message, not a traceback."""
    monkeypatch.setattr(config, "read_secrets", lambda: {"privacy": {"min_cell": 1}})
    at = reach_page.run()
    assert not at.exception
    assert "The privacy setting is not valid" in at.error[0].value
    assert not at.get("plotly_chart")
