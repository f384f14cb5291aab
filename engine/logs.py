"""Where the long-running processes (`wams run`, `wams scheduler` and its fire workers) log: stderr,
at ``WAMS_LOG_LEVEL``."""

from __future__ import annotations

import logging

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def configure_logging(level: str) -> None:
    """Log to stderr at `level`. SpiffWorkflow reports every task state change at INFO (`spiff.*`):
    thousands of lines a second under load, whose formatting alone costs more than the steps — it
    speaks at WARNING unless the level is DEBUG."""
    number = logging.getLevelName(level.upper())
    logging.basicConfig(level=number, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    if number > logging.DEBUG:
        logging.getLogger("spiff").setLevel(max(number, logging.WARNING))
