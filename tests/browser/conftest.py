"""Browser-test fixtures: one ``streamlit run`` server per session on a temp
SQLite database with the small demo data (in local mode, with no accounts),
a second one with built-in accounts for the access tests, Debian's Chromium driven by
Playwright (never ``playwright install``), and a page that refuses and
reports every request leaving 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.browser import free_port, wait_until_healthy
from data_access import demo
from data_access.auth import hash_password
from tests.browser.helpers import APP_TIMEOUT_MS
from data_access.db import make_engine, migrate

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
VIEWPORT = {"width": 1440, "height": 1000}


@contextmanager
def _streamlit_server(workdir: Path, env: dict[str, str], *, script: str = "dashboard.py") -> Iterator[str]:
    """Run ``streamlit run <script>`` on a free port of 127.0.0.1 with
    ``env`` added, and yield its base URL once healthy; the server's output
    goes to ``workdir/streamlit.log``."""
    port = free_port()
    log_path = workdir / "streamlit.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", script,
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.headless", "true",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, server, log_path)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _demo_database(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 'browser.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed_demo(engine, scale="small")
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[str]:
    """Start the dashboard on a free port of 127.0.0.1, in local mode (no
    accounts), and yield its base URL."""
    workdir = tmp_path_factory.mktemp("app_server")
    env = {
        "DATABASE_URL": _demo_database(workdir),
        "SOFT_LANDING_PSEUDONYM_KEY": "browser-test-key-not-secret",
        "SOFT_LANDING_SECRETS_FILE": str(workdir / "no-secrets.toml"),
    }
    with _streamlit_server(workdir, env) as base_url:
        yield base_url


@dataclass(frozen=True)
class AccessServer:
    """A running dashboard with built-in accounts, and the database it reads."""

    base_url: str
    database_url: str
    # username -> (password, role)
    accounts: dict[str, tuple[str, str]]


ACCESS_ACCOUNTS = {
    "alice": ("alice-admin-browser-pass", "admin"),
    "victor": ("victor-viewer-browser-pass", "viewer"),
    "tess": ("tess-throttle-browser-pass", "viewer"),
}


@pytest.fixture(scope="session")
def access_server(tmp_path_factory) -> Iterator[AccessServer]:
    """Start a second dashboard whose secrets file configures built-in
    accounts (an admin, and viewers), on its own demo database."""
    workdir = tmp_path_factory.mktemp("access_server")
    secrets_file = workdir / "secrets.toml"
    secrets_file.write_text("".join(
        f'[accounts.{name}]\npassword_hash = "{hash_password(password)}"\nrole = "{role}"\n\n'
        for name, (password, role) in ACCESS_ACCOUNTS.items()
    ))
    database_url = _demo_database(workdir)
    env = {
        "DATABASE_URL": database_url,
        "SOFT_LANDING_PSEUDONYM_KEY": "browser-access-key-not-secret",
        "SOFT_LANDING_SECRETS_FILE": str(secrets_file),
    }
    with _streamlit_server(workdir, env) as base_url:
        yield AccessServer(base_url, database_url, ACCESS_ACCOUNTS)


# Per module, not per session: while Playwright's sync API is open, the main
# thread has a running event loop, and tests outside tests/browser that start
# Playwright or asyncio themselves (the HTML report, the benchmark smoke
# tests) would then fail.
@pytest.fixture(scope="module")
def browser():
    """Yield a headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """Yield a fresh page that aborts any request to a host other than
    127.0.0.1/localhost; the test fails if one was attempted."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(APP_TIMEOUT_MS)
    off_host: list[str] = []

    def guard(route, request):
        if urlsplit(request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            off_host.append(request.url)
            route.abort()

    def watch_websocket(websocket):
        if urlsplit(websocket.url).hostname not in LOCAL_HOSTS:
            off_host.append(websocket.url)

    page.route("**/*", guard)
    page.on("websocket", watch_websocket)
    yield page
    context.close()
    assert not off_host, f"requests left 127.0.0.1: {off_host}"
