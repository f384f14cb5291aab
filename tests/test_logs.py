"""WAMS_LOG_LEVEL: validated at start-up, and applied by the long-running processes without letting
SpiffWorkflow's per-task INFO lines through."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import ConfigError, Settings

REPO = Path(__file__).parent.parent


def test_an_unknown_log_level_stops_the_start(tmp_path: Path):
    with pytest.raises(ConfigError, match="WAMS_LOG_LEVEL must be one of DEBUG, INFO"):
        Settings.from_env({"WAMS_LOG_LEVEL": "LOUD"}, env="test", instance_path=tmp_path)
    assert (
        Settings.from_env({"WAMS_LOG_LEVEL": "debug"}, env="test", instance_path=tmp_path).log_level
        == "debug"
    )


@pytest.mark.parametrize(
    ("level", "ours", "spiff", "apscheduler"),
    [("info", 20, 30, 30), ("DEBUG", 10, 20, 10), ("error", 40, 40, 40)],
)
def test_spiffworkflow_and_apscheduler_speak_at_warning_unless_the_level_is_debug(
    level: str, ours: int, spiff: int, apscheduler: int
):
    """At DEBUG SpiffWorkflow's task lines stay at INFO: below it the library adds the task's data."""
    # A fresh interpreter: configuring logging is process-wide.
    script = (
        "import logging; from engine.logs import configure_logging; "
        f"configure_logging({level!r}); "
        "print(logging.getLogger('engine.scheduler').getEffectiveLevel(), "
        "logging.getLogger('spiff.task').getEffectiveLevel(), "
        "logging.getLogger('apscheduler.executors.default').getEffectiveLevel())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.split() == [str(ours), str(spiff), str(apscheduler)]


def test_the_log_format_is_json_in_production_and_checked(tmp_path: Path):
    with pytest.raises(ConfigError, match="WAMS_LOG_FORMAT must be json or text"):
        Settings.from_env({"WAMS_LOG_FORMAT": "xml"}, env="test", instance_path=tmp_path)
    production = {
        "WAMS_DATABASE_URL": "postgresql+psycopg://x@y/z",
        "WAMS_SECRET_KEY": "s",
        "WAMS_PSEUDONYM_KEY": "p",
    }
    assert Settings.from_env(production, env="production", instance_path=tmp_path).log_format == "json"
    assert Settings.from_env({}, env="development", instance_path=tmp_path).log_format == "text"
    assert (
        Settings.from_env({"WAMS_LOG_FORMAT": "json"}, env="test", instance_path=tmp_path).log_format
        == "json"
    )


def test_a_json_line_carries_the_bound_context():
    script = (
        "import logging; from engine.logs import configure_logging, log_context; "
        "configure_logging('INFO', 'json'); "
        "log = logging.getLogger('engine.example')\n"
        "with log_context(request_id='abc'):\n"
        "    log.info('fired %d timers', 3, extra={'tenant': 'utrecht'})\n"
        "log.warning('outside')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    inside, outside = (json.loads(line) for line in result.stderr.splitlines())
    assert inside["message"] == "fired 3 timers" and inside["level"] == "INFO"
    assert inside["logger"] == "engine.example" and inside["request_id"] == "abc"
    assert inside["tenant"] == "utrecht" and isinstance(inside["pid"], int) and inside["time"]
    assert outside["message"] == "outside" and "request_id" not in outside
