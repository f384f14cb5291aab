"""Where the long-running processes (`wams run`, `wams scheduler` and its fire workers) log: stderr,
at ``WAMS_LOG_LEVEL``."""

from __future__ import annotations

import logging

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def configure_logging(level: str) -> None:
    """Log to stderr at `level`. SpiffWorkflow reports every task state change at INFO (`spiff.*`):
    thousands of lines a second under load, whose formatting alone costs more than the steps — it
    speaks at WARNING unless the level is DEBUG, as does APScheduler's report of every tick."""
    number = logging.getLevelName(level.upper())
    logging.basicConfig(level=number, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    if number > logging.DEBUG:
        logging.getLogger("spiff").setLevel(max(number, logging.WARNING))
        # Two lines a second ("Running job", "executed successfully") say nothing the status doesn't.
        logging.getLogger("apscheduler.executors").setLevel(max(number, logging.WARNING))
