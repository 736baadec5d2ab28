"""Load benchmark: ``python -m benchmarks.load [--sessions 20] [--seconds 60] [--clients websocket|browser]``.

``--sessions`` concurrent sessions against one dashboard server on
127.0.0.1. Each moves through every page in turn, each time with other
filters (region, stage, type, period, as in a shared link), until
``--seconds`` have passed; a view still loading then is allowed
``PAGE_TIMEOUT_MS`` to finish, so the run is bounded in count and time.

Two kinds of client:

- ``websocket`` (default): each session is a WebSocket client speaking
  Streamlit's own protocol (``BackMsg`` / ``ForwardMsg``), asking for each
  page as the browser does when a menu link is followed. A view counts from
  the request until the server reports the script finished. Errors are
  exception elements, ``st.error`` notices, a page not found, a script that
  did not finish normally, connection errors and timeouts. The client costs
  almost no CPU, so the figures are the server's.
- ``browser``: one headless Chromium, one context per session, a fresh
  navigation per view. A view counts until the script is not running, the
  page's title is shown and every Plotly chart has drawn its SVG. Errors are
  exception boxes, ``st.error`` notices, HTTP errors and timeouts. On a
  2-core machine 20 Chromium contexts compete with the server for the CPU.

Nothing leaves the loopback interface.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks import database
from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, peak_rss_of, streamlit_server
from benchmarks.database import OUT_DIR
from data_access import demo

# (URL path, page title, draws charts), in menu order.
PAGES = (
    ("/", "Overview", True),
    ("/Event_reach", "Event reach", True),
    ("/Feedback", "Feedback", True),
    ("/Regional_coverage", "Regional coverage", True),
    ("/Differential_attainment", "Differential attainment", True),
    ("/About_the_data", "About the data", False),
    ("/Meeting_pack", "Meeting pack", False),
    ("/Audit_log", "Audit log", False),
    ("/Data", "Data", False),
)
# The filter values sessions cycle through (ui.filters.FILTER_PARAMS).
REGIONS = ((), ("LDN",), ("NW", "MER"), ("SCN", "SCE", "SCSE", "SCW"), ("WM",), ("WAL", "NI"))
STAGES = ((), ("st1", "st2", "st3", "st4"), ("st5", "st6", "st7", "st8"), ("pre_nhs", "led"))
TYPES = ((), ("induction",), ("exam_prep", "interview_practice"), ("mentoring",))
PERIODS = ("", "all_time", "this_training_year", "last_training_year")
PAGE_TIMEOUT_MS = 90_000
CLIENTS = ("websocket", "browser")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
# On a deep link the frontend first looks for the server under the page's
# path (/Event_reach/_stcore/health), then at the root: those 404s are expected.
BASE_PATH_PROBES = ("/_stcore/health", "/_stcore/host-config")

# True once the script has finished, the page's title is up and every chart has drawn.
RENDERED = """([title, charts]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const heading = [...document.querySelectorAll('h1')].some(h => h.textContent.trim() === title);
  const problem = document.querySelector('[data-testid="stException"], [data-testid="stAlertContentError"]');
  if (problem) return true;
  if (!heading) return false;
  const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  if (charts && plots.length === 0) return false;
  return plots.every(p => p.querySelector('.main-svg'));
}"""


def filter_query(session: int, visit: int) -> dict[str, list[str]]:
    """Return the URL filters of ``session``'s ``visit``-th page view: each
    session walks the filter pools at its own pace, so views differ."""
    step = session * 7 + visit
    query: dict[str, list[str]] = {}
    for param, pool in (("region", REGIONS), ("stage", STAGES), ("type", TYPES)):
        codes = pool[(step + session) % len(pool)]
        if codes:
            query[param] = list(codes)
        step //= 2
    period = PERIODS[(session + visit) % len(PERIODS)]
    if period:
        query["period"] = [period]
    return query


@dataclass
class LoadResult:
    """Page-view times (ms) and errors by kind, for one load run."""

    times: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {detail}")


async def _browser_session(browser, base_url: str, session: int, deadline: float, result: LoadResult) -> None:
    context = await browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")

    async def guard(route, request):
        if urlsplit(request.url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            result.off_host.append(request.url)
            await route.abort()

    await context.route("**/*", guard)
    page = await context.new_page()

    def on_response(response):
        path = urlsplit(response.url).path
        if path.endswith(BASE_PATH_PROBES) and not path.startswith("/_stcore/"):
            return
        if response.status >= 400:
            result.error("HTTP", f"{response.status} {response.url}")

    page.on("response", on_response)
    visit = 0
    try:
        while time.monotonic() < deadline:
            path, title, charts = PAGES[(session + visit) % len(PAGES)]
            url = f"{base_url}{path}?{urlencode(filter_query(session, visit), doseq=True)}"
            start = time.perf_counter()
            try:
                await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
                await page.wait_for_function(RENDERED, arg=[title, charts], timeout=PAGE_TIMEOUT_MS,
                                             polling=50)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, the run goes on
                result.error("timeout" if "Timeout" in type(exc).__name__ else "navigation",
                             f"{url}: {str(exc).splitlines()[0]}")
            else:
                elapsed = (time.perf_counter() - start) * 1000
                if await page.locator('[data-testid="stException"]').count():
                    result.error("exception box", url)
                elif await page.locator('[data-testid="stAlertContentError"]').count():
                    result.error("error notice", url)
                else:
                    result.times.append(elapsed)
            visit += 1
    finally:
        await context.close()


async def _websocket_session(base_url: str, session: int, deadline: float, result: LoadResult) -> None:
    stream = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    try:
        connection = await asyncio.wait_for(
            websockets.connect(stream, subprotocols=["streamlit"], origin=base_url, max_size=None),
            PAGE_TIMEOUT_MS / 1000)
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        result.error("connection", f"{stream}: {exc}")
        return
    visit = 0
    async with connection:
        while time.monotonic() < deadline:
            path, _title, _charts = PAGES[(session + visit) % len(PAGES)]
            query = urlencode(filter_query(session, visit), doseq=True)
            start = time.perf_counter()
            try:
                problem = await asyncio.wait_for(_websocket_view(connection, path.strip("/"), query),
                                                 PAGE_TIMEOUT_MS / 1000)
            except TimeoutError:
                result.error("timeout", f"{path}?{query}")
                return
            except websockets.WebSocketException as exc:
                result.error("connection", f"{path}?{query}: {exc}")
                return
            if problem:
                result.error(problem, f"{path}?{query}")
            else:
                result.times.append((time.perf_counter() - start) * 1000)
            visit += 1


async def _websocket_view(connection, page_name: str, query: str) -> str | None:
    """Ask for one page and read the server's messages until its script
    finishes; return the kind of problem seen, or None."""
    request = BackMsg()
    request.rerun_script.query_string = query
    request.rerun_script.page_name = page_name
    await connection.send(request.SerializeToString())
    problem = None
    while True:
        message = ForwardMsg()
        message.ParseFromString(await connection.recv())
        kind = message.WhichOneof("type")
        if kind == "page_not_found":
            problem = "page not found"
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "exception":
                problem = "exception box"
            elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR:
                problem = problem or "error notice"
        elif kind == "script_finished":
            if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                problem = problem or "script did not finish"
            return problem


async def _run(base_url: str, *, sessions: int, seconds: float, clients: str) -> LoadResult:
    from playwright.async_api import async_playwright

    result = LoadResult()
    if clients == "websocket":
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_websocket_session(base_url, n, deadline, result) for n in range(sessions)))
        return result
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            deadline = time.monotonic() + seconds
            await asyncio.gather(*(_browser_session(browser, base_url, n, deadline, result) for n in range(sessions)))
        finally:
            await browser.close()
    return result


def run_load(base_url: str, *, sessions: int, seconds: float, clients: str = "websocket") -> dict:
    """Drive ``sessions`` concurrent sessions of ``clients`` ("websocket" or
    "browser") against ``base_url`` for ``seconds`` and return ``clients``,
    ``sessions``, ``seconds`` (wall time, including
    the views that were still loading), ``views``, ``p50``, ``p95`` and
    ``max`` (ms), ``errors`` (kind -> count), ``error_count`` and
    ``examples`` (the first few errors)."""
    start = time.monotonic()
    result = asyncio.run(_run(base_url, sessions=sessions, seconds=seconds, clients=clients))
    times = sorted(result.times)
    if result.off_host:
        result.error("off-host request", result.off_host[0])

    def percentile(q: float) -> float | None:
        if not times:
            return None
        return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1] if len(times) > 1 else times[0]

    return {
        "clients": clients,
        "sessions": sessions,
        "seconds": time.monotonic() - start,
        "views": len(times),
        "p50": percentile(50),
        "p95": percentile(95),
        "max": times[-1] if times else None,
        "errors": dict(result.errors),
        "error_count": sum(result.errors.values()),
        "examples": result.examples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=demo.SCALES, default="national")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; SQLite in benchmarks/out/ when unset")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", choices=CLIENTS, default=CLIENTS[0])
    args = parser.parse_args()
    url = database.demo_database(scale=args.scale, server_url=args.database_url)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with streamlit_server(url, log_path=OUT_DIR / "streamlit-load.log") as server:
        result = run_load(server.base_url, sessions=args.sessions, seconds=args.seconds, clients=args.clients)
        result["server_peak_rss_mb"] = peak_rss_of(server.pid)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
