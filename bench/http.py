"""HTTP figures (issue: REST API), measured against the production WSGI server (gunicorn).

http_complete_ms        median time to complete one user task over HTTP (bearer token, keep-alive),
                        3-user-task model (start + 3 completions), 1 worker, SQLite
http_start_ms           median time to start a procedure of that model over HTTP, same server
http_completions_per_s  task completions per second with 2 workers on PostgreSQL and 8 concurrent
                        clients, each walking its own procedures (start + 3 completions)
http_auth_ms            median time of `GET /api/v1/me` (bearer token, keep-alive): what checking a
                        token costs a request, 1 worker, SQLite; http_auth_pg_ms the same on PostgreSQL
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import BenchEnv, median_ms, percentile
from engine.accounts.service import add_token, add_user
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy
from engine.roles import Role
from engine.services import build_services
from engine.tenancy import ensure_tenant

ROOT = Path(__file__).parent.parent
BUNDLE = ROOT / "tests" / "fixtures" / "bundles" / "three_tasks"
TOKEN = "wams_bench_" + "x" * 32
PROCEDURES_LATENCY = 200
AUTH_SAMPLES = 1000
THROUGHPUT_SECONDS = 10.0
CLIENTS = 8
# Tasks of the model by role: task_one is the meldpunt's, task_two and task_three the assessor's.
ROLES = [Role.MELDPUNT, Role.ASSESSOR]


def _seed(url: str, workdir: Path) -> None:
    settings = Settings.from_env({}, instance_path=workdir, env="test", database_url=url)
    services = build_services(settings, database=connect(url))
    with services.uow() as uow:
        ensure_tenant(uow, "bench", "Bench")
        user = add_user(uow, "bench", "bench", roles=ROLES)
        add_token(uow, user, "bench", created_by="bench", secret=TOKEN)
        uow.commit()
    deploy(services.uow(), "bench", Bundle.from_directory(BUNDLE), "bench", max_xml_bytes=2**21)
    services.database.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(url: str, workdir: Path, workers: int, threads: int) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "WAMS_DATABASE_URL": url,
        "WAMS_ENV": "production",
        "WAMS_SECRET_KEY": "bench-secret",
        "WAMS_PSEUDONYM_KEY": "bench-pseudonyms",
        "WAMS_SCHEDULER": "off",
        "WAMS_INSTANCE_PATH": str(workdir),
        "WAMS_LOG_LEVEL": "WARNING",
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c", "python:api.gunicorn_conf",  # as in production: metrics in multiprocess mode
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--keep-alive", "30",
        "--log-level", "warning",
        "api.app:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "gunicorn did not start: " + (process.stderr.read() or b"").decode()[-2000:]
                    ) from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        self.start_conflicts = 0

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = json.dumps(body) if body is not None else None
        self.connection.request(method, path, body=payload, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def start(self) -> str:
        for _ in range(20):
            status, body = self.call("POST", "/api/v1/procedures", {"process_id": "three_tasks"})
            if status == 201:
                return str(body["id"])
            if status != 409:
                break
            self.start_conflicts += 1  # a concurrent start took the same reference number: try again
        raise RuntimeError(f"start answered {status}: {body}")

    def first_task(self, procedure_id: str) -> str:
        status, body = self.call("GET", f"/api/v1/tasks?scope=available&procedure_id={procedure_id}")
        if status != 200 or not body["items"]:
            raise RuntimeError(f"inbox answered {status}: {body}")
        return str(body["items"][0]["id"])

    def complete(self, task_id: str) -> dict[str, Any]:
        status, body = self.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {"akkoord": True}})
        if status != 200:
            raise RuntimeError(f"complete answered {status}: {body}")
        return dict(body)

    def walk(self, timings: list[float] | None = None, starts: list[float] | None = None) -> int:
        """Start a procedure and complete its three tasks; the completion answer names the next task."""
        began = time.perf_counter()
        procedure_id = self.start()
        if starts is not None:
            starts.append(time.perf_counter() - began)
        task_id: str | None = self.first_task(procedure_id)
        done = 0
        while task_id is not None:
            began = time.perf_counter()
            answer = self.complete(task_id)
            if timings is not None:
                timings.append(time.perf_counter() - began)
            done += 1
            task_id = str(answer["next"][0]["id"]) if answer["next"] else None
        return done

    def close(self) -> None:
        self.connection.close()


def _auth_timings(client: Client) -> list[float]:
    """Who am I, many times: the request does nothing but check its token."""
    timings: list[float] = []
    for _ in range(AUTH_SAMPLES):
        began = time.perf_counter()
        status, _ = client.call("GET", "/api/v1/me")
        timings.append(time.perf_counter() - began)
        if status != 200:
            raise RuntimeError(f"/api/v1/me answered {status}")
    return timings


def _latency(env: BenchEnv) -> dict[str, Any]:
    url = env.sqlite_url("http")
    _seed(url, env.workdir)
    with gunicorn(url, env.workdir, workers=1, threads=2) as port:
        client = Client(port)
        for _ in range(20):  # warm-up: caches, connection pool, code paths
            client.walk()
        completions: list[float] = []
        starts: list[float] = []
        for _ in range(PROCEDURES_LATENCY):
            client.walk(completions, starts)
        auth = _auth_timings(client)
        client.close()
    return {
        "http_auth_ms": median_ms(auth),
        "http_complete_ms": median_ms(completions),
        "http_complete_p90_ms": round(percentile(completions, 90) * 1000, 3),
        "http_start_ms": median_ms(starts),
        "http_samples": len(completions),
    }


def _throughput(env: BenchEnv, seconds: float = THROUGHPUT_SECONDS) -> dict[str, Any]:
    """8 clients complete tasks as fast as the server answers. Each client first starts its own
    procedures (not timed), then walks them: complete, and complete the next task the answer names."""
    url = env.postgres_url("http")
    if url is None:
        return {"http_completions_per_s": None, "note": "no PostgreSQL server answered"}
    _seed(url, env.workdir)
    per_client = int(seconds * 250 / 3 / CLIENTS) + 10  # enough work for 250 completions/s
    with gunicorn(url, env.workdir, workers=2, threads=8) as port:
        warm = Client(port)
        for _ in range(10):
            warm.walk()
        auth = _auth_timings(warm)
        queues: list[list[str]] = []
        for _ in range(CLIENTS):
            queues.append([warm.first_task(warm.start()) for _ in range(per_client)])
        warm.close()
        counts = [0] * CLIENTS
        errors: list[str] = []
        barrier = threading.Barrier(CLIENTS + 1)
        stop = [0.0]

        def work(index: int) -> None:
            client = Client(port)
            client.call("GET", "/api/v1/me")  # open the connection before the clock starts
            barrier.wait()
            try:
                for first in queues[index]:
                    task_id: str | None = first
                    while task_id is not None and time.monotonic() < stop[0]:
                        answer = client.complete(task_id)
                        counts[index] += 1
                        task_id = str(answer["next"][0]["id"]) if answer["next"] else None
                    if time.monotonic() >= stop[0]:
                        break
            except Exception as exc:  # reported with the figures
                errors.append(repr(exc))
            finally:
                client.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        stop[0] = time.monotonic() + seconds
        barrier.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    figures: dict[str, Any] = {
        "http_completions_per_s": round(sum(counts) / elapsed, 1),
        "http_clients": CLIENTS,
        "http_completions": sum(counts),
        "http_auth_pg_ms": median_ms(auth),
    }
    if errors:
        figures["http_errors"] = errors[:5]
    return figures


def run(env: BenchEnv) -> dict[str, Any]:
    figures = {**_latency(env), **_throughput(env)}
    figures["http_meets_target"] = (
        figures["http_complete_ms"] <= 4.5 and (figures.get("http_completions_per_s") or 0) >= 200
    )
    return figures
