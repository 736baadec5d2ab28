"""The Records page in a real browser, on a server with its own demo database
(local mode, so the session is an admin): edit and add events, end a rep's
term in the roster table, add a benchmark; each time see the dashboard
change, undo on the Records page, and see it return."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from benchmarks.browser import dashboard_server
from data_access import demo, records
from data_access.db import make_engine, migrate
from tests.browser.access_helpers import IDLE_APP, choose, tile_value
from tests.browser.helpers import APP_TIMEOUT_MS, save_screenshot, wait_for_app

pytestmark = pytest.mark.browser

COVERAGE_NOTE = re.compile(r"Rep coverage on [^:]+: (\d+) of \d+ selected training regions have an active")
NEW_GROUP = "Browser-test graduates"


class RecordsServer:
    """A running dashboard in local mode and an Engine on the database it writes."""

    def __init__(self, base_url: str, database_url: str) -> None:
        self.base_url = base_url
        self.engine = make_engine(database_url)

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one_or_none()

    def first(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).first()


@pytest.fixture(scope="module")
def records_server(tmp_path_factory) -> Iterator[RecordsServer]:
    """Start one dashboard for this file on its own demo database, so its writes reach no other test."""
    workdir = tmp_path_factory.mktemp("records_server")
    database_url = f"sqlite:///{workdir / 'records.db'}"
    engine = make_engine(database_url)
    migrate(engine)
    demo.seed_demo(engine, scale="small")
    engine.dispose()
    env = {
        "DATABASE_URL": database_url,
        "SOFT_LANDING_PSEUDONYM_KEY": "records-browser-key-not-secret",
        "SOFT_LANDING_SECRETS_FILE": str(workdir / "no-secrets.toml"),
    }
    with dashboard_server(env, log_path=workdir / "streamlit.log") as server:
        records_server = RecordsServer(server.base_url, database_url)
        yield records_server
        records_server.engine.dispose()


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)


def overview_events(page, server: RecordsServer) -> int:
    """Return the Overview's Events tile for the default period."""
    open_page(page, server.base_url + "/")
    return tile_value(page, "Events")


def covered_regions(page, server: RecordsServer) -> int:
    """Return how many training regions the Overview's coverage note says have an active rep today."""
    open_page(page, server.base_url + "/")
    match = COVERAGE_NOTE.search(page.locator('[data-testid="stApp"]').inner_text())
    return int(match.group(1))


def outcome_description(page, server: RecordsServer, measure: str) -> str:
    """Return the chart description of one outcome measure on Differential attainment, over all time."""
    open_page(page, server.base_url + "/Differential_attainment?period=all_time")
    view = page.locator(f".st-key-view-outcome-{measure.replace('_', '-')}")
    return view.get_by_text("Chart description:", exact=False).inner_text()


def open_records(page, server: RecordsServer) -> None:
    open_page(page, server.base_url + "/Records")
    expect(page.get_by_role("heading", name="Reps roster")).to_be_visible()


def undo_latest(page, server: RecordsServer, change: str) -> None:
    """On the Records page, undo the change whose label contains ``change``, confirming it."""
    open_records(page, server)
    choose(page, "Change to undo", change, exact=False)
    page.get_by_role("button", name="Undo this change…").click()
    page.get_by_role("button", name="Yes, undo it").click()
    expect(page.get_by_text("Undid import", exact=False)).to_be_visible()


def test_moving_an_event_out_of_the_period_changes_the_events_count_until_undone(records_server, page):
    """Editing a recent event's date to years ago drops it from the Events tile; undo brings it back."""
    today = dt.date.today()
    event = records_server.first(
        "SELECT e.event_key, e.title, e.date FROM event e WHERE e.date BETWEEN :start AND :today AND EXISTS "
        "(SELECT 1 FROM attendance a WHERE a.event_id = e.id AND a.attended) ORDER BY e.date DESC LIMIT 1",
        start=today - dt.timedelta(days=300), today=today - dt.timedelta(days=1))
    event_date = dt.date.fromisoformat(str(event.date))
    before = overview_events(page, records_server)

    open_records(page, records_server)
    choose(page, "Event to edit", f"{event.event_key}: {event.title} ({event_date:%-d %b %Y})")
    expect(page.get_by_text("Editing keeps the event's", exact=False)).to_be_visible()
    year = page.get_by_role("spinbutton", name="year, Date")
    year.click()
    page.keyboard.type(str(event_date.year - 3))
    expect(year).to_have_attribute("aria-valuenow", str(event_date.year - 3))
    page.get_by_role("button", name="Save the event").click()
    expect(page.get_by_text(f"Saved event {event.event_key} as import", exact=False)).to_be_visible()
    save_screenshot(page, "records-event-saved")
    assert overview_events(page, records_server) == before - 1

    undo_latest(page, records_server, f"event {event.event_key}")
    assert overview_events(page, records_server) == before


def test_adding_an_event_is_an_audited_batch_that_undo_removes(records_server, page):
    """An event added with a blank id gets the year's next SL number, is a batch, and undo removes it."""
    expected_id = records.suggested_event_id(records_server.engine, year=dt.date.today().year)
    open_records(page, records_server)
    page.get_by_role("textbox", name="Title").fill("Browser test portfolio clinic")
    page.get_by_role("button", name="Add the event").click()
    expect(page.get_by_text(f"Saved event {expected_id} as import", exact=False)).to_be_visible()
    assert records_server.scalar("SELECT title FROM event WHERE event_key = :key", key=expected_id) == (
        "Browser test portfolio clinic")
    assert records_server.scalar("SELECT imported_by FROM import_batch WHERE file_name = :name",
                                 name=f"Records page: event {expected_id}") == "local user"

    undo_latest(page, records_server, f"event {expected_id}")
    assert records_server.scalar("SELECT COUNT(*) FROM event WHERE event_key = :key", key=expected_id) == 0


def test_ending_a_reps_term_lowers_rep_coverage_until_undone(records_server, page):
    """Ending the term of a region's only active rep yesterday lowers coverage by one; undo restores it."""
    today = dt.date.today()
    active = ("start_date <= :today AND (end_date IS NULL OR end_date >= :today)")
    only = records_server.first(
        f"SELECT name, start_date FROM rep WHERE {active} AND region_id IN (SELECT region_id FROM rep WHERE "
        f"{active} GROUP BY region_id HAVING COUNT(*) = 1) ORDER BY name LIMIT 1", today=today)
    roster = records.roster(records_server.engine)
    position = roster.index[(roster["name"] == only.name)
                            & (roster["start_date"] == dt.date.fromisoformat(str(only.start_date)))][0]
    before = covered_regions(page, records_server)

    open_records(page, records_server)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # The first data cell sits under the 35-pixel header row; arrows move the cell selection from there.
    page.mouse.click(box["x"] + 40, box["y"] + 35 + 17)
    for _ in range(int(position)):
        page.keyboard.press("ArrowDown")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    date_editor = page.get_by_test_id("date-picker-cell")
    expect(date_editor).to_be_focused()
    date_editor.fill(yesterday)
    expect(date_editor).to_have_value(yesterday)
    date_editor.press("Enter")
    expect(grid.locator(f"#glide-cell-4-{position}")).to_have_text(yesterday)
    page.wait_for_selector(IDLE_APP, timeout=APP_TIMEOUT_MS)
    page.get_by_role("button", name="Save roster changes").click()
    saved = page.get_by_text("Saved the roster changes as import", exact=False)
    expect(saved).to_be_visible(timeout=APP_TIMEOUT_MS)
    expect(page.get_by_text("0 inserted, 1 updated", exact=False)).to_be_visible()
    assert covered_regions(page, records_server) == before - 1

    undo_latest(page, records_server, "1 roster row")
    assert covered_regions(page, records_server) == before


def test_adding_a_benchmark_shows_it_on_differential_attainment_until_undone(records_server, page):
    """A benchmark typed in for a shown year appears in the chart description; undo takes it away."""
    shown = records_server.first(
        "SELECT b.year, m.code, m.label FROM benchmark b JOIN outcome_measure m ON m.id = b.measure_id "
        "WHERE m.category = 'exam' ORDER BY b.year DESC, m.sort_order LIMIT 1")
    description = outcome_description(page, records_server, shown.code)
    assert "IMGs" in description and NEW_GROUP not in description

    open_records(page, records_server)
    year_box = page.get_by_role("spinbutton", name="Training year (starting)")
    year_box.fill(str(shown.year))
    choose(page, "Measure", shown.label)
    group_box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("Group", exact=True))
    group_box.click()
    page.keyboard.type(NEW_GROUP)
    page.keyboard.press("Enter")
    page.get_by_role("spinbutton", name="Numerator").fill("40")
    page.get_by_role("spinbutton", name="Denominator").fill("100")
    page.get_by_role("textbox", name="Source", exact=True).fill("Browser test progression report")
    page.get_by_role("textbox", name="Link to the source").fill("https://www.example.org/progression")
    page.get_by_role("button", name="Add the benchmark").click()
    expect(page.get_by_text(f"Saved the {shown.year} benchmark for {NEW_GROUP}", exact=False)).to_be_visible()
    assert NEW_GROUP in outcome_description(page, records_server, shown.code)

    undo_latest(page, records_server, f"benchmark {shown.year}")
    assert NEW_GROUP not in outcome_description(page, records_server, shown.code)
