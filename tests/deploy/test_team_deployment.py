"""A team deployment: ``deploy/serve --processes 2`` on PostgreSQL, two
Streamlit processes behind nginx, with built-in accounts. Every page is
served by each process and through the proxy; a data change, a login, the
throttle and the audit log hold whichever process a request reaches;
sessions stick to one process; a killed process leaves new sessions served.

One server for the module, on a schema of its own. The kill test runs last,
because it takes a process away (deploy/serve starts it again)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from benchmarks.browser import Server, dashboard_server
from data_access import demo
from data_access.db import make_engine, migrate
from tests.browser.access_helpers import (
    IDLE_APP,
    log_in,
    open_and_log_in,
    sidebar_link,
    tile_value,
    wait_for_login_form,
)
from tests.browser.conftest import ACCESS_ACCOUNTS, accounts_secrets_file
from tests.browser.helpers import ROOT, wait_for_app
from tests.browser.test_data_page_browser import recent_event_key
from tests.conftest import postgres_schema, requires_postgres
from ui.auth import WRONG_LOGIN
from ui.notices import page_label

pytestmark = [pytest.mark.browser, requires_postgres]

PSEUDONYM_KEY = "team-deployment-key-not-secret"
PAGE_LABELS = [page_label(path.name) for path in sorted((ROOT / "pages").glob("*.py"))
               if not path.name.startswith("_")]
# How long a change made through one process may take to show in the other.
CHANGE_SEEN_WITHIN_SECONDS = 60
STICKY_COOKIE = "sl_process"
ERROR_PAGE = '[data-testid="stException"]'
VICTOR_LOGINS = "SELECT COUNT(*) FROM audit_event WHERE action = 'login' AND \"user\" = 'victor'"


@dataclass(frozen=True)
class TeamServer:
    """The running deployment, and the database and environment it uses."""

    server: Server
    database_url: str
    env: dict[str, str]

    @property
    def base_url(self) -> str:
        """Return the proxy's URL."""
        return self.server.base_url


@pytest.fixture(scope="module")
def team_server(tmp_path_factory) -> Iterator[TeamServer]:
    """Run ``deploy/serve --processes 2`` on a fresh PostgreSQL schema with the small demo data."""
    workdir = tmp_path_factory.mktemp("team_server")
    with postgres_schema("team_deployment") as database_url:
        engine = make_engine(database_url)
        migrate(engine)
        demo.seed_demo(engine, scale="small")
        engine.dispose()
        env = {
            "DATABASE_URL": database_url,
            "SOFT_LANDING_PSEUDONYM_KEY": PSEUDONYM_KEY,
            "SOFT_LANDING_SECRETS_FILE": str(accounts_secrets_file(workdir)),
        }
        with dashboard_server(env, log_path=workdir / "serve.log", processes=2) as server:
            yield TeamServer(server, database_url, env)


def endpoint(team_server: TeamServer, name: str) -> str:
    """Return the URL of the proxy (``proxy``) or of one Streamlit process (``process-1``, ``process-2``)."""
    if name == "proxy":
        return team_server.base_url
    return team_server.server.backends[int(name.removeprefix("process-")) - 1].url


def upstream_of(url: str, *, cookie: str | None = None) -> str:
    """Return the Streamlit process (host:port) nginx sent a GET of ``url`` to."""
    request = urllib.request.Request(url, headers={"Cookie": f"{STICKY_COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["X-Upstream"]


def count_rows(database_url: str, sql: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return count


def password_of(name: str) -> str:
    return ACCESS_ACCOUNTS[name][0]


@pytest.mark.parametrize("name", ["proxy", "process-1", "process-2"])
def test_every_page_is_served_by_each_process_and_the_proxy(team_server, page, name):
    """An admin logged in on the proxy or on either process opens every page with no error."""
    open_and_log_in(page, endpoint(team_server, name) + "/", "alice", password_of("alice"))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    for label in PAGE_LABELS:
        sidebar_link(page, label).click()
        expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()
        page.wait_for_selector(IDLE_APP)
        expect(page.locator(ERROR_PAGE)).to_have_count(0)


def test_import_through_one_process_is_shown_by_the_other(team_server, page, tmp_path):
    """Feedback imported from the command line shows on the Overview of a session open on process 2."""
    open_and_log_in(page, endpoint(team_server, "process-2") + "/", "alice", password_of("alice"))
    before = tile_value(page, "Feedback responses")
    export = tmp_path / "feedback.csv"
    event = recent_event_key(team_server.database_url)
    export.write_text("event_id,rating,response_id,submitted\n" + "".join(
        f"{event},Excellent,team-deployment-{number},{dt.date.today().isoformat()}\n" for number in range(4)))
    imported = subprocess.run(
        [sys.executable, "-m", "data_access", "import", "feedback", str(export), "--user", "team-test"],
        cwd=ROOT, env={**os.environ, **team_server.env}, capture_output=True, text=True, check=False)
    assert imported.returncode == 0, imported.stderr
    shown = before
    for _ in range(CHANGE_SEEN_WITHIN_SECONDS):
        page.wait_for_timeout(1_000)
        sidebar_link(page, "Event reach").click()
        page.wait_for_selector(IDLE_APP)
        sidebar_link(page, "Overview").click()
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        page.wait_for_selector(IDLE_APP)
        shown = tile_value(page, "Feedback responses")
        if shown != before:
            break
    assert shown == before + 4


def test_viewer_logs_in_through_the_proxy(team_server, page):
    """A viewer logs in through nginx, sees the Overview tiles but no Data page; the login is audited."""
    logins_before = count_rows(team_server.database_url, VICTOR_LOGINS)
    open_and_log_in(page, team_server.base_url + "/", "victor", password_of("victor"))
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(8)
    expect(sidebar_link(page, "Data")).to_have_count(0)
    logins = count_rows(team_server.database_url, VICTOR_LOGINS)
    assert logins == logins_before + 1


def test_throttle_counts_failures_on_both_processes(team_server, page):
    """Three wrong passwords on process 1 and two on process 2 throttle the username on process 1."""
    for attempt, name in enumerate(["process-1"] * 3 + ["process-2"] * 2):
        page.goto(endpoint(team_server, name) + "/")
        wait_for_login_form(page)
        log_in(page, "tess", f"wrong-{attempt}")
        expect(page.get_by_text(WRONG_LOGIN)).to_be_visible()
    page.goto(endpoint(team_server, "process-1") + "/")
    wait_for_login_form(page)
    log_in(page, "tess", password_of("tess"))
    expect(page.get_by_text("Too many failed attempts for this username.", exact=False)).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)


def test_requests_without_cookie_spread_and_with_cookie_stick(team_server):
    """New visitors are spread over both processes; a visitor's sticky cookie keeps every request on one."""
    health = team_server.base_url + "/_stcore/health"
    backends = {urlsplit(backend.url).netloc for backend in team_server.server.backends}
    assert {upstream_of(health) for _ in range(24)} == backends
    assert len({upstream_of(health, cookie="one-visitor") for _ in range(12)}) == 1


def test_browser_session_stays_on_one_process(team_server, page):
    """Every HTTP response of one browser session through the proxy comes from the same process."""
    upstreams: list[str] = []
    page.on("response", lambda response: upstreams.append(response.headers.get("x-upstream", "")))
    open_and_log_in(page, team_server.base_url + "/Event_reach", "victor", password_of("victor"))
    wait_for_app(page)
    assert len(upstreams) > 3
    assert len(set(upstreams)) == 1 and upstreams[0]


def test_killed_process_leaves_new_sessions_served(team_server, page):
    """After SIGKILL of the process a visitor's cookie points to, a new session has no error page."""
    target = upstream_of(team_server.base_url + "/_stcore/health", cookie="kill-test")
    victim = next(backend for backend in team_server.server.backends
                  if urlsplit(backend.url).netloc == target)
    os.kill(victim.pid, signal.SIGKILL)
    page.context.add_cookies([{"name": STICKY_COOKIE, "value": "kill-test", "url": team_server.base_url}])
    open_and_log_in(page, team_server.base_url + "/", "victor", password_of("victor"))
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(8)
    expect(page.locator(ERROR_PAGE)).to_have_count(0)
    expect(page.get_by_text("Connection error", exact=False)).to_have_count(0)
