"""Browser-test fixtures: one ``streamlit run`` server per session on a temp
SQLite database with the small demo data, Debian's Chromium driven by
Playwright (never ``playwright install``), and a page that refuses and
reports every request leaving 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from data_access import demo
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
SERVER_START_TIMEOUT_SECONDS = 60
VIEWPORT = {"width": 1440, "height": 1000}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(base_url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"streamlit was not healthy after {SERVER_START_TIMEOUT_SECONDS}s:\n{log_path.read_text()}"
    )


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[str]:
    """Start the dashboard on a free port of 127.0.0.1 and yield its base URL."""
    workdir = tmp_path_factory.mktemp("app_server")
    url = f"sqlite:///{workdir / 'browser.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed_demo(engine, scale="small")
    engine.dispose()

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SOFT_LANDING_PSEUDONYM_KEY": "browser-test-key-not-secret",
    }
    log_path = workdir / "streamlit.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "dashboard.py",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.headless", "true",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, server, log_path)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
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
