"""The Data page's confirmed actions in AppTest (local mode, so the session
is an admin): undo an import, remove the demo data, and cancel either."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access import demo, importers
from data_access.audit import audit_events
from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS

EVENTS_CSV = "Session code,Session name,Type,Held on\nAT-1,Portfolio clinic,arcp_portfolio,2026-01-15\n"


@pytest.fixture
def imported_batch(app_db, tmp_path) -> int:
    """Import one events file through the importer and return its batch id."""
    path = tmp_path / "sessions.csv"
    path.write_text(EVENTS_CSV)
    result = importers.import_file(
        app_db, kind="events", path=path, key=b"apptest-key-not-secret", imported_by="alice",
        column_map={"Session code": "event_id", "Session name": "title", "Type": "event_type", "Held on": "date"},
    )
    assert result.problems == []
    return result.batch_id


@pytest.fixture
def data_page(app_db) -> AppTest:
    """Return the Data page, run once."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    return at.switch_page("pages/9_Data.py").run()


def scalar(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_undo_runs_only_after_confirmation(app_db, imported_batch, data_page):
    """Choosing an import and pressing undo asks first; confirming removes its rows and audits it."""
    at = data_page.selectbox(key="data_undo_choice").select(imported_batch).run()
    at = at.button(key="data_undo_start").click().run()
    assert "Undo Import" in at.warning[-1].value
    assert scalar(app_db, "SELECT COUNT(*) FROM event WHERE event_key = 'AT-1'") == 1
    at = at.button(key="data_undo_confirm").click().run()
    assert not at.exception
    assert scalar(app_db, "SELECT COUNT(*) FROM event WHERE event_key = 'AT-1'") == 0
    assert f"Undid import {imported_batch}" in at.success[0].value
    assert list(audit_events(app_db)["action"]) == ["undo"]


def test_undo_cancelled_changes_nothing(app_db, imported_batch, data_page):
    """Cancelling at the confirmation keeps the import."""
    at = data_page.selectbox(key="data_undo_choice").select(imported_batch).run()
    at = at.button(key="data_undo_start").click().run()
    at = at.button(key="data_undo_cancel").click().run()
    assert scalar(app_db, "SELECT COUNT(*) FROM event WHERE event_key = 'AT-1'") == 1
    assert "data_undo_confirm" not in [button.key for button in at.button]
    assert audit_events(app_db).empty


def test_remove_demo_data_once_real_data_present(app_db):
    """With real imports present, "remove demo data" deletes only the demo rows after confirmation."""
    demo.seed_demo(app_db, scale="small")
    real_events = scalar(app_db, "SELECT COUNT(*) FROM event e JOIN import_batch b ON b.id = e.batch_id "
                                 "WHERE NOT b.is_demo")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    at = at.switch_page("pages/9_Data.py").run()
    at = at.button(key="data_clear_demo_start").click().run()
    at = at.button(key="data_clear_demo_confirm").click().run()
    assert not at.exception
    assert scalar(app_db, "SELECT COUNT(*) FROM event") == real_events
    assert list(audit_events(app_db)["action"]) == ["clear_demo"]


def test_no_demo_removal_without_real_data(app_db):
    """With only demo data, the page offers no removal button."""
    with app_db.begin() as conn:
        conn.execute(text("UPDATE import_batch SET is_demo = :yes"), {"yes": True})
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    at = at.switch_page("pages/9_Data.py").run()
    assert "data_clear_demo_start" not in [button.key for button in at.button]
