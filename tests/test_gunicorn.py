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
