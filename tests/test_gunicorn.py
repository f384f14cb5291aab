"""gunicorn's own answers (a request line or header too long, a malformed request) are
problem+json like the app's, with the settings the README and docker-compose run it with."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = _free_port()
    instance = tmp_path_factory.mktemp("gunicorn")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAMS_")}
    env |= {
        "WAMS_ENV": "test",
        "WAMS_SCHEDULER": "off",
        "WAMS_INSTANCE_PATH": str(instance),
        "WAMS_DATABASE_URL": f"sqlite:///{shutil.copyfile(sqlite_template, instance / 'wams.db')}",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", "python:api.gunicorn_conf", "--workers", "1", "--worker-class", "gthread",
         "--bind", f"127.0.0.1:{port}", "api.app:create_app()"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b" 200 " not in _send(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _send(port: int, raw: bytes) -> bytes:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(raw)
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)
    except OSError:
        return b""


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "header_fields_too_large"),
        (b"NONSENSE\r\n\r\n", 400, "bad_request"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400, "bad_request"),
    ],
)
def test_gunicorn_answers_problem_json(server, raw, status, code):
    response = _send(server, raw)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].startswith(f"HTTP/1.1 {status} ".encode()), response[:300]
    assert b"Content-Type: application/problem+json" in head
    problem = json.loads(body)
    assert problem["status"] == status and problem["code"] == code
    assert problem["type"] == f"urn:wams:problem:{code}"
    assert b"aaaa" not in body and b"bbbb" not in body  # the request is not echoed


def test_the_app_still_answers_through_it(server):
    response = _send(server, b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 401 ") and b"application/problem+json" in response


def test_every_line_gunicorn_writes_to_stderr_is_json(sqlite_template: Path, tmp_path: Path):
    """gunicorn's own lines (starting, booting a worker, stopping; access lines when asked for) are
    JSON objects like the app's (api/gunicorn_conf.py `logconfig_dict`, engine/logs.py)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAMS_")}
    env |= {
        "WAMS_ENV": "test",
        "WAMS_LOG_FORMAT": "json",
        "WAMS_ACCESS_LOG": "true",
        "WAMS_SCHEDULER": "off",
        "WAMS_INSTANCE_PATH": str(tmp_path),
        "WAMS_DATABASE_URL": f"sqlite:///{shutil.copyfile(sqlite_template, tmp_path / 'wams.db')}",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", "python:api.gunicorn_conf", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "api.app:create_app()"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b" 200 " not in _send(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        private = b"GET /api/v1/procedures?q=Jansen HTTP/1.1\r\nHost: x\r\nUser-Agent: Jansen\r\n"
        assert _send(port, private + b"Connection: close\r\n\r\n").startswith(b"HTTP/1.1 401 ")
        _send(port, b"NONSENSE\r\n\r\n")
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = err.splitlines()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line on stderr: {line!r}")
    assert all({"time", "level", "logger", "pid", "message"} <= set(r) for r in records), records
    messages = [(r["logger"], r["message"]) for r in records]
    assert any(logger == "gunicorn.error" and m.startswith("Starting gunicorn") for logger, m in messages)
    assert any(logger == "gunicorn.error" and m.startswith("Booting worker") for logger, m in messages)
    assert any(logger == "gunicorn.error" and m.startswith("Shutting down") for logger, m in messages)
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert {(r["method"], r["path"], r["status"]) for r in access} >= {
        ("GET", "/healthz", 200),
        ("GET", "/api/v1/procedures", 401),
    }
    assert all(isinstance(r["duration_ms"], int) for r in access)
    assert "Jansen" not in err  # neither the query string nor the user agent
    assert out == ""  # nothing on stdout either


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"WAMS_ENV": "production"}, "json"),
        ({"WAMS_ENV": "development"}, "text"),
        ({}, "text"),
        ({"WAMS_ENV": "production", "WAMS_LOG_FORMAT": "text"}, "text"),
    ],
)
def test_gunicorn_logs_in_the_format_the_app_would_choose(
    environ: dict[str, str], expected: str, tmp_path: Path
):
    """gunicorn reads its log format before any Settings exist; it follows the app's one rule."""
    from engine.config import Settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("WAMS_")}
    env |= environ | {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    shown = subprocess.run(
        [sys.executable, "-c", "import api.gunicorn_conf as c; print(c.logconfig_dict['handlers']['stderr']['formatter'])"],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    app = Settings.from_env(
        environ, instance_path=tmp_path, secret_key="k", pseudonym_key="k", database_url="sqlite://"
    )
    assert shown.stdout.strip() == app.log_format == expected
