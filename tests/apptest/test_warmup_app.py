"""ui.warmup: after a warm-up, every page's default view is served from the cache."""

from __future__ import annotations

import datetime as dt
import logging

from streamlit.testing.v1 import AppTest

from tests.apptest.support import ROOT, RUN_TIMEOUT_SECONDS
from ui.warmup import warm_up

PAGES = ["dashboard.py", *sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py"))]


def test_warm_up_covers_every_pages_default_view(app_db, caplog):
    """No page's first run with the default filters builds a view or runs a query the warm-up did not."""
    warm_up(today=dt.date.today())
    caplog.set_level(logging.DEBUG, logger="ui.cache")
    for page in PAGES:
        app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
    misses = [record.getMessage() for record in caplog.records if record.name == "ui.cache"]
    assert misses == []
