"""Shared by the AppTest tests: where the app is, how long a run may take,
and a small synthetic data set dated relative to today so that it falls
inside the default "last 12 months" filter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.factories import FactRows

ROOT = Path(__file__).resolve().parents[2]
# Generous: the first run in a process imports pandas, SQLAlchemy and plotly.
RUN_TIMEOUT_SECONDS = 60


def dashboard_app(page: str | None = None, **params: str | list[str]) -> AppTest:
    """Return an AppTest of the dashboard with URL ``params``, opened on ``page``, not yet run."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=RUN_TIMEOUT_SECONDS)
    for name, value in params.items():
        at.query_params[name] = value
    if page is not None:
        at.switch_page(page)
    return at


def seed_overview_rows(rows: FactRows, *, today: dt.date) -> None:
    """Insert events in London, the West Midlands and Scotland North over the
    last year, one event in the year before, feedback and two reps."""
    recent, earlier, last_year = (today - dt.timedelta(days=days) for days in (20, 90, 400))
    rows.event(key="IND-1", date=recent, event_type="induction", title="Virtual induction")
    rows.event(key="EXM-1", date=earlier, event_type="exam_prep", title="MRCPCH exam preparation")
    rows.event(key="IND-0", date=last_year, event_type="induction", title="Virtual induction")
    for n, region in enumerate(["LDN"] * 6 + ["WM"] * 3 + ["SCN"] * 2):
        rows.attendance(event="IND-1", person=f"p{n}", region=region, stage="st1", attended=n != 5)
    for n in range(4):
        rows.attendance(event="EXM-1", person=f"p{n}", region="LDN", stage="st3")
    rows.attendance(event="IND-0", person="p20", region="WM", stage="st1")
    for rating, region in [(5, "LDN"), (5, "LDN"), (4, "WM"), (5, "SCN"), (3, "LDN")]:
        rows.feedback(event="IND-1", rating=rating, region=region, stage="st1")
    rows.rep(name="Synthetic Rep A", region="LDN", start_date=last_year)
    rows.rep(name="Synthetic Rep B", region="WM", start_date=last_year, end_date=earlier)
