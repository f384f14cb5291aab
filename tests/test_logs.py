"""WAMS_LOG_LEVEL: validated at start-up, and applied by the long-running processes without letting
SpiffWorkflow's per-task INFO lines through."""

from __future__ import annotations

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


@pytest.mark.parametrize(("level", "ours", "spiff"), [("info", 20, 30), ("DEBUG", 10, 10), ("error", 40, 40)])
def test_spiffworkflow_and_apscheduler_speak_at_warning_unless_the_level_is_debug(
    level: str, ours: int, spiff: int
):
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
    assert result.stdout.split() == [str(ours), str(spiff), str(spiff)]
