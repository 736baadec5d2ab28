"""Start the dashboard: one Streamlit process, or N behind nginx.

``deploy/serve --processes N [--port P] [--address A] [--run-dir DIR]``.
With N = 1, one Streamlit process listens on A:P. With N >= 2, N Streamlit
processes listen on free ports of 127.0.0.1 and nginx (Debian's
``nginx-light``) listens on A:P in front of them, with sticky sessions and
WebSocket support. Every process reads the same database (``DATABASE_URL``
or secrets), so a data change made through one is seen by all.

Before starting, the database schema is created or upgraded once
(``python -m data_access init``), so N processes never migrate at once.
All processes share one ``server.cookieSecret``
(``STREAMLIT_SERVER_COOKIE_SECRET``, generated per run when unset), so a
session that moves to another process keeps a valid XSRF and login cookie.

It prints the URL once every process and the proxy answer
``/_stcore/health``, and writes ``processes.json`` (the URL, and each
Streamlit process's URL and process id) into the run directory. SIGTERM or
SIGINT stops every child. It exits 1, with a one-line message, when a child
fails to start, and 2 on bad options. While serving, a Streamlit process
that dies is started again (at most every ``RESTART_SECONDS``); until it is
back, nginx sends its sessions to the others. ``serve`` exits 1 if nginx dies.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The Streamlit entry file every process runs, relative to the repository root:
# st.App around dashboard.py, with the warm-up thread (server.py).
ENTRY = "server.py"

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
LOCAL_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 8501
MAX_PROCESSES = 32
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 15
POLL_SECONDS = 0.25
STATE_FILE = "processes.json"
# A Streamlit process that dies is started again, but not more often than this.
RESTART_SECONDS = 10
# Linux prctl option: the kernel signals a child when its parent dies, so a
# killed ``serve`` leaves no stray Streamlit or nginx behind.
_PR_SET_PDEATHSIG = 1


class ServeError(RuntimeError):
    """A child could not be started; the message says which and why."""


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived."""


@dataclass(kw_only=True)
class Child:
    """A process ``serve`` started: what it is, where it answers, how to
    start it, the running process and when it was started (monotonic s)."""

    name: str
    health_url: str
    command: list[str]
    process: subprocess.Popen
    started: float


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct TCP ports of 127.0.0.1 that are free now."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOCAL_ADDRESS, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def is_healthy(base_url: str) -> bool:
    """True when ``base_url``'s ``/_stcore/health`` answers 200 now."""
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until_healthy(children: Sequence[Child], *, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Return once every child's health URL answers 200; raise ``ServeError``
    if a child exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    waiting = list(children)
    while waiting:
        for child in list(waiting):
            if child.process.poll() is not None:
                raise ServeError(f"{child.name} exited with code {child.process.returncode} before it was "
                                 "ready (its output is above)")
            if is_healthy(child.health_url):
                waiting.remove(child)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(child.name for child in waiting)
            raise ServeError(f"{names} did not answer /_stcore/health within {timeout:.0f} s")
        if waiting:
            time.sleep(POLL_SECONDS)


def streamlit_command(*, port: int, address: str, entry: str = ENTRY) -> list[str]:
    """Return the command that runs ``entry`` in one Streamlit process on ``address:port``."""
    return [
        sys.executable, "-m", "streamlit", "run", entry,
        "--server.address", address, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]


def nginx_config(*, address: str, port: int, backend_ports: Sequence[int], run_dir: Path) -> str:
    """Return nginx's configuration: listen on ``address:port`` in front of
    the Streamlit processes on ``backend_ports`` of 127.0.0.1."""
    backends = "\n".join(
        f"        server {LOCAL_ADDRESS}:{backend} max_fails=1 fail_timeout=10s;" for backend in backend_ports
    )
    fields = {
        # As root, nginx would run its workers as "nobody", who cannot enter a
        # private run directory; the workers keep the invoking user instead.
        "user": "user root;" if os.geteuid() == 0 else "",
        "run_dir": str(run_dir),
        "backends": backends,
        "listen": f"[{address}]:{port}" if ":" in address else f"{address}:{port}",
    }
    config = NGINX_TEMPLATE.read_text()
    for name, value in fields.items():
        config = config.replace("{{" + name + "}}", value)
    return config


def find_nginx() -> str:
    """Return the path of the nginx binary (Debian puts it in /usr/sbin,
    which is not on an ordinary user's PATH); raise ``ServeError`` if absent."""
    found = shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if found is None:
        raise ServeError("nginx is not installed; install Debian's nginx-light "
                         "(apt-get install nginx-light), or run with --processes 1")
    return found


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(command: Sequence[str], *, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, preexec_fn=_die_with_parent)


def _stop(children: Sequence[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def _prepare_database(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "data_access", "init"], cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        raise ServeError("the database could not be prepared (python -m data_access init failed; "
                         "its message is above)")


def _url(address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}"


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deploy/serve", description=__doc__.splitlines()[0])
    # String defaults go through ``type`` like typed options, so a bad setting is a usage error.
    parser.add_argument("--processes", type=int, default=os.environ.get("SOFT_LANDING_PROCESSES", "1"),
                        help="Streamlit processes; 2 or more run behind nginx (env SOFT_LANDING_PROCESSES, "
                             "default 1)")
    parser.add_argument("--port", type=int, default=os.environ.get("SOFT_LANDING_PORT", str(DEFAULT_PORT)),
                        help=f"port to listen on (env SOFT_LANDING_PORT, default {DEFAULT_PORT})")
    parser.add_argument("--address", default=os.environ.get("SOFT_LANDING_ADDRESS", LOCAL_ADDRESS),
                        help="address to listen on; 0.0.0.0 for every interface (env SOFT_LANDING_ADDRESS, "
                             f"default {LOCAL_ADDRESS})")
    parser.add_argument("--entry", default=ENTRY,
                        help=f"the Streamlit script every process runs (default {ENTRY}; the benchmarks serve "
                             "their one-chart floor page with it)")
    parser.add_argument("--run-dir", type=Path,
                        help="folder for nginx's configuration and logs and processes.json "
                             "(default: a temporary folder, removed on exit)")
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= MAX_PROCESSES:
        parser.error(f"--processes must be from 1 to {MAX_PROCESSES}, not {args.processes}")
    if not 1 <= args.port <= 65535:
        parser.error(f"--port must be from 1 to 65535, not {args.port}")
    return args


def serve(*, processes: int, port: int, address: str, run_dir: Path, entry: str = ENTRY) -> int:
    """Run the dashboard until SIGTERM or SIGINT (return 0) or until nginx
    dies (return 1); raise ``ServeError`` when a child fails to start."""
    def request_stop(_signum: int, _frame: object) -> None:
        raise _Stopped

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    env = {
        **os.environ,
        "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
        or secrets.token_urlsafe(32),
        # The address people reach the dashboard on decides local mode
        # (ui/auth.py): behind nginx, every Streamlit process listens on 127.0.0.1.
        "SOFT_LANDING_PUBLIC_ADDRESS": address,
    }
    behind_proxy = processes >= 2
    # Health checks reach a server listening on every interface through loopback.
    reachable = LOCAL_ADDRESS if address in ("0.0.0.0", "::") else address
    children: list[Child] = []
    try:
        nginx = find_nginx() if behind_proxy else None
        _prepare_database(env)
        ports = free_ports(processes) if behind_proxy else [port]
        listen = LOCAL_ADDRESS if behind_proxy else address
        for index, backend in enumerate(ports, start=1):
            children.append(_child(f"Streamlit process {index} (port {backend})",
                                   _url(LOCAL_ADDRESS if behind_proxy else reachable, backend),
                                   streamlit_command(port=backend, address=listen, entry=entry), env=env))
        backends = list(children)
        wait_until_healthy(backends)
        proxy = None
        if nginx is not None:
            config_path = run_dir / "nginx.conf"
            config_path.write_text(
                nginx_config(address=address, port=port, backend_ports=ports, run_dir=run_dir))
            command = [nginx, "-p", str(run_dir), "-c", str(config_path),
                       "-e", str(run_dir / "nginx-error.log"), "-g", "daemon off;"]
            proxy = _child(f"nginx (port {port})", _url(reachable, port), command, env=env)
            children.append(proxy)
            wait_until_healthy([proxy])
        url = _url(address, port)
        _write_state(run_dir, url=url, backends=backends)
        detail = f" ({processes} Streamlit processes behind nginx)" if behind_proxy else ""
        print(f"Soft Landing dashboard: {url}{detail}", flush=True)
        return _supervise(backends, proxy=proxy, env=env, on_restart=lambda: _write_state(
            run_dir, url=url, backends=backends))
    except _Stopped:
        return 0
    finally:
        # A second Ctrl-C must not cut the shutdown of the children short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop(children)


def _supervise(backends: Sequence[Child], *, proxy: Child | None, env: dict[str, str],
               on_restart: Callable[[], None]) -> int:
    """Start again each Streamlit process that dies (at most once every
    ``RESTART_SECONDS`` each; meanwhile nginx sends its sessions to the
    others), and return 1 once nginx has died (a stop signal ends this
    earlier, through ``_Stopped``)."""
    while proxy is None or proxy.process.poll() is None:
        for child in backends:
            if child.process.poll() is not None and time.monotonic() - child.started >= RESTART_SECONDS:
                print(f"serve: {child.name} exited with code {child.process.returncode}; starting it again",
                      file=sys.stderr, flush=True)
                child.process = _start(child.command, env=env)
                child.started = time.monotonic()
                on_restart()
        time.sleep(POLL_SECONDS)
    print(f"serve: nginx exited with code {proxy.process.returncode}; stopping", file=sys.stderr, flush=True)
    return 1


def _child(name: str, health_url: str, command: list[str], *, env: dict[str, str]) -> Child:
    return Child(name=name, health_url=health_url, command=command, process=_start(command, env=env),
                 started=time.monotonic())


def _write_state(run_dir: Path, *, url: str, backends: Sequence[Child]) -> None:
    # Written whole and then renamed: a reader never sees half a file.
    state = run_dir / f"{STATE_FILE}.tmp"
    state.write_text(json.dumps({
        "url": url,
        "backends": [{"url": child.health_url, "pid": child.process.pid} for child in backends],
    }))
    state.replace(run_dir / STATE_FILE)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="soft-landing-serve-"))
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        return serve(processes=args.processes, port=args.port, address=args.address, run_dir=run_dir,
                     entry=args.entry)
    except ServeError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.run_dir is None:
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
