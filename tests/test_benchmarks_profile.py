"""benchmarks.profile at a tiny scale: the profile of a page's first run
lists the dashboard's own functions, not the frames that only pass a call on.
No timing is asserted."""

from __future__ import annotations

import pytest

from benchmarks import database, pages, profile
from benchmarks.database import ROOT

ATTAINMENT_PAGE = ROOT / "pages" / "4_Differential_attainment.py"


@pytest.fixture
def small_url(tmp_path, monkeypatch) -> str:
    """Return the URL of a small demo database that the profiled app reads."""
    url = database.demo_database(scale="small", server_url=None, folder=tmp_path)
    for name, value in {**pages.bench_env(), "DATABASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    return url


def test_profile_lists_the_functions_below_the_page(small_url):
    """A profiled first run names the page's view preparation and chart builders, not Streamlit's frames."""
    stats = profile.profile_first_run(ATTAINMENT_PAGE)
    names = [name for *_, name in profile.top_entries(stats, page=ATTAINMENT_PAGE, top=40)]
    assert "views/base.py" in " ".join(names)
    assert any(name.startswith("charts/attainment.py") for name in names)
    assert not any(name.startswith(profile.PASS_THROUGH) for name in names)
    assert not any("scriptrunner" in name for name in names)
