"""The production deployment description: docker-compose.yml is valid and runs what the README says."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).parent.parent
COMPOSE = REPO / "docker-compose.yml"
SECRETS = {
    "POSTGRES_PASSWORD": "x",
    "WAMS_SECRET_KEY": "y",
    "WAMS_PSEUDONYM_KEY": "z",
    "WAMS_SCHEDULER_METRICS_TOKEN": "t",
}


def test_compose_runs_the_app_under_gunicorn_the_scheduler_and_postgresql():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"db", "migrate", "web", "scheduler"} <= set(services)
    assert services["db"]["image"].startswith("postgres")
    assert services["web"]["command"][:3] == ["gunicorn", "-c", "python:api.gunicorn_conf"]  # problem+json
    # The scheduler's own metrics (another container than the web app's), on the compose network only,
    # behind a token (docs/scheduler.md, Metrics).
    assert services["scheduler"]["command"] == [
        "wams", "scheduler", "--metrics-port", "9464", "--metrics-host", "0.0.0.0"  # noqa: S104
    ]  # fmt: skip
    assert services["scheduler"]["expose"] == ["9464"] and "ports" not in services["scheduler"]
    assert "WAMS_SCHEDULER_METRICS_TOKEN" in services["scheduler"]["environment"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={**os.environ, **SECRETS},
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_refuses_to_run_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert result.returncode != 0
