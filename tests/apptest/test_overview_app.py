"""The Overview page and the shared frame, run in-process with AppTest."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from data_access import config
from data_access.filters import Filters
from data_access.kpis import compute_kpis
from domain.metrics import metric
from domain.periods import preset_range
from domain.suppression import display_kpi
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS
from tests.factories import FactRows
from views.overview import shown_kpis

TILE_IDS = (
    "events", "attendances", "unique_participants", "returning_participants",
    "attendance_rate", "feedback_responses", "pct_excellent", "rep_coverage_pct",
)


def default_filters(**selections) -> Filters:
    date_from, date_to = preset_range("last_12_months", today=dt.date.today())
    return Filters(date_from=date_from, date_to=date_to, **selections)


def tile_values(at) -> dict[str, str]:
    return {tile.label: tile.value for tile in at.metric}


def expected_tiles(engine, filters: Filters) -> dict[str, str]:
    figures = compute_kpis(engine, filters=filters, as_of=filters.date_to)
    shown, hidden = shown_kpis(figures, filters=filters, min_cell=config.min_cell())
    return {metric(key).label: display_kpi(key, shown, hidden, min_cell=config.min_cell()) for key in TILE_IDS}


def test_overview_runs_without_exception(overview):
    """The Overview page runs to the end with no exception."""
    at = overview.run()
    assert not at.exception
    assert at.title[0].value == "Overview"


def test_tiles_show_kpis_for_default_filters(overview, app_db):
    """The tiles show compute_kpis for the last 12 months."""
    at = overview.run()
    assert tile_values(at) == expected_tiles(app_db, default_filters())


def test_region_filter_changes_tiles(overview, app_db):
    """Selecting a region recomputes the tiles for that region."""
    at = overview.run()
    before = tile_values(at)
    at.multiselect(key="filter_region").set_value(["WM"]).run()
    assert not at.exception
    assert tile_values(at) == expected_tiles(app_db, default_filters(regions=("WM",)))
    assert tile_values(at) != before


def test_filter_change_is_mirrored_in_url(overview):
    """A widget change is written to the URL query parameters."""
    at = overview.run()
    at.multiselect(key="filter_stage").set_value(["st3", "st1"]).run()
    assert at.query_params["stage"] == ["st1", "st3"]


def test_link_sets_widgets_and_is_kept(overview):
    """Query parameters set the filter widgets and stay in the URL after a rerun."""
    overview.query_params["region"] = ["LDN", "WM"]
    overview.query_params["from"] = "2024-08-01"
    at = overview.run()
    assert at.multiselect(key="filter_region").value == ["LDN", "WM"]
    assert at.selectbox(key="filter_period").value == "custom"
    assert at.date_input(key="filter_from").value == dt.date(2024, 8, 1)
    at.run()
    assert at.query_params == {"region": ["LDN", "WM"], "from": "2024-08-01"}


def test_link_filters_reach_the_tiles(overview, app_db):
    """A filter link computes the tiles for exactly those filters."""
    overview.query_params["region"] = ["SCN"]
    overview.query_params["from"] = "2000-01-01"
    at = overview.run()
    wanted = Filters(regions=("SCN",), date_from=dt.date(2000, 1, 1))
    figures = compute_kpis(app_db, filters=wanted, as_of=dt.date.today())
    shown, hidden = shown_kpis(figures, filters=wanted, min_cell=config.min_cell())
    expected = display_kpi("attendances", shown, hidden, min_cell=config.min_cell())
    assert tile_values(at)[metric("attendances").label] == expected


def test_invalid_link_value_is_named_and_dropped(overview):
    """An unknown region in the link shows a notice and is not selected."""
    overview.query_params["region"] = ["XXX", "WM"]
    at = overview.run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Ignored unknown region 'XXX' in the link."]
    assert at.multiselect(key="filter_region").value == ["WM"]
    assert at.query_params == {"region": "WM"}


def test_nation_shortcut_selects_its_regions(overview):
    """The Scotland shortcut selects the four Scottish regions."""
    at = overview.run()
    at.button_group(key="filter_region_nations").select("Scotland").run()
    assert at.multiselect(key="filter_region").value == ["SCN", "SCE", "SCSE", "SCW"]


def test_stage_group_shortcut_toggles_off(overview):
    """Clicking a wholly selected stage group clears its stages."""
    overview.query_params["stage"] = ["st1", "st2", "st3", "st4", "sas"]
    at = overview.run()
    assert at.button_group(key="filter_stage_groups").value == ["Core ST1–4"]
    at.button_group(key="filter_stage_groups").unselect("Core ST1–4").run()
    assert at.multiselect(key="filter_stage").value == ["sas"]


def test_period_preset_changes_the_range(overview, app_db):
    """Choosing "All time" counts events from every year."""
    at = overview.run()
    at.selectbox(key="filter_period").select("all_time").run()
    assert at.query_params == {"period": "all_time"}
    figures = compute_kpis(app_db, filters=Filters(), as_of=dt.date.today())
    assert tile_values(at)[metric("events").label] == metric("events").format(figures["events"])


def test_reset_returns_to_default_view(overview):
    """Reset filters clears the selections, the period and the URL."""
    overview.query_params["region"] = ["LDN"]
    overview.query_params["period"] = "all_time"
    at = overview.run()
    at.button(key="filter_reset").click().run()
    assert at.multiselect(key="filter_region").value == []
    assert at.selectbox(key="filter_period").value == "last_12_months"
    assert at.query_params == {}


def test_data_as_of_notice_shown(overview):
    """The frame says when the data was last imported."""
    at = overview.run()
    assert any("Data as of" in caption.value for caption in at.caption)


def test_no_demo_banner_on_real_data(overview):
    """Without demo rows there is no demo banner."""
    assert not any("Demo data" in box.value for box in overview.run().info)


def test_demo_banner_with_demo_rows(overview, app_db):
    """Demo rows in the database bring up the demo banner."""
    FactRows(app_db, is_demo=True).event(key="DEMO-1", date=dt.date.today(), event_type="other")
    assert any("Demo data" in box.value for box in overview.run().info)


def test_unreachable_database_gives_plain_error(monkeypatch):
    """A database that cannot be reached stops the page with a plain message, not a traceback."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS).run()
    assert not at.exception
    assert "cannot read its database" in at.error[0].value


def test_empty_default_database_is_seeded_with_demo_data(monkeypatch, tmp_path):
    """On an empty embedded default database the app loads demo data and says so."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(config, "DEFAULT_DB_PATH", tmp_path / "soft_landing.db")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS).run()
    assert not at.exception
    assert any("Demo data" in box.value for box in at.info)
    assert tile_values(at)[metric("events").label] != "0"
