"""The frame explains an empty period and offers, in one click, the last 12
months that hold data, kept in the URL (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.db import make_engine, migrate
from data_access.filters import Filters
from data_access.kpis import compute_kpis
from domain.periods import last_months_with_data
from tests.apptest.support import dashboard_app, seed_overview_rows
from tests.factories import FactRows
from views.empty_period import NOTHING_MATCHES

OFFER_BUTTON = "empty_period_offer"
# seed_overview_rows puts its newest event this many days before the day it is given.
NEWEST_EVENT_DAYS_BACK = 20
# The Overview's own note on a period without attendances (charts have their own empty states).
OVERVIEW_NOTE = "Widen the period or clear a filter"


def infos(at) -> list[str]:
    """Return the text of every info box on the page."""
    return [info.value for info in at.info]


def attendances_tile(at) -> str:
    """Return the value shown on the Overview's Attendances tile."""
    return next(tile.value for tile in at.metric if tile.label == "Attendances")


@pytest.fixture
def stale_db(tmp_path, monkeypatch):
    """Return an Engine on a SQLite file the app reads whose records all end two years ago."""
    url = f"sqlite:///{tmp_path / 'stale.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_overview_rows(FactRows(engine), today=dt.date.today() - dt.timedelta(days=730))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SOFT_LANDING_PSEUDONYM_KEY", "apptest-key-not-secret")
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    yield engine
    engine.dispose()


def test_default_period_after_the_data_explains_itself(stale_db):
    """With data only older than the last 12 months, the Overview says so and offers a button."""
    at = dashboard_app().run()
    assert not at.exception
    assert any("Nothing recorded in this period" in text and "newer data may not" in text
               for text in infos(at))
    assert at.button(key=OFFER_BUTTON).label.startswith("Show the last 12 months with data")
    assert attendances_tile(at) == "0"


def test_overview_gives_one_message_for_an_empty_period(stale_db):
    """The Overview leaves its own "no attendances" note out when the frame explains the period."""
    at = dashboard_app().run()
    assert any("Nothing recorded" in text for text in infos(at))
    assert not any(OVERVIEW_NOTE in text for text in infos(at))


def test_overview_notes_no_attendances_in_a_period_with_other_records(app_db):
    """A period holding an outcome but no attendance for a stage keeps the Overview's own note."""
    recent = dt.date.today() - dt.timedelta(days=10)
    FactRows(app_db).outcome(person="p30", measure="mrcpch_fop", date=recent, result="pass", stage="sas")
    at = dashboard_app(stage="sas").run()
    assert not any("Nothing recorded" in text for text in infos(at))
    assert any(OVERVIEW_NOTE in text for text in infos(at))


def test_one_click_shows_the_last_12_months_with_data_in_the_url(stale_db):
    """The button sets the 12 months to the latest record's month, in the URL, and the tiles follow."""
    latest = dt.date.today() - dt.timedelta(days=730 + NEWEST_EVENT_DAYS_BACK)
    date_from, date_to = last_months_with_data(latest=latest, today=dt.date.today())
    at = dashboard_app().run()
    at.button(key=OFFER_BUTTON).click().run()
    assert not at.exception
    assert at.query_params == {"from": date_from.isoformat(), "to": date_to.isoformat()}
    assert at.selectbox(key="filter_period").value == "custom"
    expected = compute_kpis(stale_db, filters=Filters(date_from=date_from, date_to=date_to), as_of=date_to)
    assert attendances_tile(at) == f"{expected['attendances']:,}" != "0"
    assert not any("Nothing recorded" in text for text in infos(at))


def test_period_before_the_data_says_it_starts_later(app_db):
    """A linked period before every record says the records start after it."""
    at = dashboard_app(**{"from": "2016-01-01", "to": "2016-12-31"}).run()
    assert any("start after it" in text for text in infos(at))
    at.button(key=OFFER_BUTTON).click().run()
    newest = dt.date.today() - dt.timedelta(days=NEWEST_EVENT_DAYS_BACK)
    assert at.query_params["to"] == last_months_with_data(latest=newest, today=dt.date.today())[1].isoformat()


def test_period_with_data_has_no_notice(app_db):
    """The default period of data that is current shows no empty-period notice and no button."""
    at = dashboard_app().run()
    assert not any("Nothing recorded" in text for text in infos(at))
    assert not [button for button in at.button if button.key == OFFER_BUTTON]


def test_filters_matching_nothing_say_so_with_no_offer(app_db):
    """A region with no records at any date says clear a filter, and offers no period."""
    at = dashboard_app(region="NI", period="all_time").run()
    assert NOTHING_MATCHES in infos(at)
    assert not [button for button in at.button if button.key == OFFER_BUTTON]


def test_empty_database_gives_one_message(tmp_path, monkeypatch):
    """With nothing ever imported only the "data as of" line speaks: the frame adds no notice."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(make_engine(url))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SOFT_LANDING_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    at = dashboard_app("pages/1_Event_reach.py").run()
    assert not at.exception
    assert "No data has been imported yet." in at.caption[0].value
    assert not any("Nothing recorded" in text or "No records" in text for text in infos(at))


def test_meeting_mode_explains_without_the_button(stale_db):
    """Meeting mode shows no controls: the explanation stays, the button does not."""
    at = dashboard_app("pages/1_Event_reach.py", present="1").run()
    assert not at.exception
    assert any("Nothing recorded in this period" in text for text in infos(at))
    assert not [button for button in at.button if button.key == OFFER_BUTTON]
