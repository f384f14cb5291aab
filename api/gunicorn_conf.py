"""gunicorn settings for the web app: ``gunicorn -c python:api.gunicorn_conf 'api.app:create_app()'``
(other options on the command line as usual).

Metrics of all workers in one scrape: prometheus_client's multiprocess mode needs
``PROMETHEUS_MULTIPROC_DIR`` set before a worker imports it. When the environment names no
directory, the master makes a fresh one for this run (and removes it at exit); when it names one
(shared with `wams scheduler` so the scrape includes the scheduler too), it is used as it is: give it
an empty directory when the services start (docker-compose.yml's `migrate` step empties it). A worker
that exits is marked dead, so its live gauges stop counting; its counters stay in the totals.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

_ENV = "PROMETHEUS_MULTIPROC_DIR"
_made_here: str | None = None

if not os.environ.get(_ENV):
    _made_here = tempfile.mkdtemp(prefix="wams-metrics-")
    os.environ[_ENV] = _made_here


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _made_here is not None:
        shutil.rmtree(_made_here, ignore_errors=True)
