"""deploy/serve's refusals and its nginx configuration, without a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from deploy.serve import LOCAL_ADDRESS, ROOT, find_nginx, free_ports, nginx_config

SERVE = str(ROOT / "deploy" / "serve")


def run_serve(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([SERVE, *args], cwd=ROOT, env={**os.environ, "PYTHON": sys.executable, **env},
                          capture_output=True, text=True, timeout=180, check=False)


def test_bad_process_count_is_a_one_line_usage_error(tmp_path):
    """--processes 0 exits 2 with one error line and no traceback."""
    done = run_serve("--processes", "0", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith("--processes must be from 1 to 32, not 0")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "serve.db").exists()


def test_process_that_cannot_start_is_reported(tmp_path):
    """When the Streamlit process cannot take its port, serve exits 1 and says which process failed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((LOCAL_ADDRESS, 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve("--processes", "1", "--port", str(port),
                         env={"DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
                              "SOFT_LANDING_PSEUDONYM_KEY": "serve-test-key-not-secret"})
    assert done.returncode == 1
    assert f"serve: Streamlit process 1 (port {port}) exited with code 1 before it was ready" in done.stderr
    assert "Traceback" not in done.stderr


def test_nginx_config_is_accepted_by_nginx(tmp_path):
    """The generated configuration passes nginx -t and names every Streamlit process."""
    ports = free_ports(3)
    config = tmp_path / "nginx.conf"
    config.write_text(nginx_config(address=LOCAL_ADDRESS, port=free_ports(1)[0], backend_ports=ports,
                                   run_dir=tmp_path))
    command = [find_nginx(), "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")]
    checked = subprocess.run(command, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert all(f"server {LOCAL_ADDRESS}:{port} " in config.read_text() for port in ports)
