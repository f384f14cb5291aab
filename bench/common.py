"""What benchmarks share: scratch databases on both backends, timing helpers."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.db.migrate import upgrade

POSTGRES_URL = os.environ.get("WAMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class BenchEnv:
    workdir: Path
    _databases: list[str] = field(default_factory=list)

    @classmethod
    def create(cls) -> BenchEnv:
        return cls(Path(tempfile.mkdtemp(prefix="wams-bench-")))

    def sqlite_url(self, name: str) -> str:
        path = self.workdir / f"{name}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        upgrade(url)
        return url

    def postgres_url(self, name: str) -> str | None:
        """A fresh, migrated PostgreSQL database, or None when no server answers."""
        try:
            admin = create_engine(
                POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
            )
            database = f"wams_bench_{name}"
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{database}"'))
            admin.dispose()
        except Exception:  # no server: the PostgreSQL figures are skipped
            return None
        self._databases.append(database)
        url = make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)
        upgrade(url)
        return url

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
        if not self._databases:
            return
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for database in self._databases:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def settle_postgres(url: str, timeout_s: float = 60.0) -> float:
    """CHECKPOINT, then wait (up to `timeout_s`) until no autovacuum worker runs on the server, so a
    figure measures what it names and not the cleaning up after earlier writes (an earlier benchmark,
    a bulk load); returns the seconds waited."""
    began = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            while time.perf_counter() - began < timeout_s:
                workers = connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
                ).scalar_one()
                if not workers:
                    break
                time.sleep(0.5)
    finally:
        engine.dispose()
    return round(time.perf_counter() - began, 1)


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began
