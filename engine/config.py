"""One typed configuration, read from the environment (``WAMS_*``) and validated at start-up.

`Settings.from_env()` collects every problem and raises one `ConfigError` listing them all, so a
misconfigured deployment fails at boot with a readable message rather than on the first request.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .logs import FORMATS, LEVELS

DEFAULT_PORT = 5000


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))
        self.problems = problems


def log_format(env: str, chosen: str = "") -> str:
    """The log format: the one chosen (WAMS_LOG_FORMAT), else one JSON object per line in production,
    where logs are collected, and text elsewhere, where people read them. gunicorn's own log lines
    follow the same rule (api/gunicorn_conf.py), before any Settings exist."""
    return chosen or ("json" if env == "production" else "text")


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {text!r}")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = Path("instance")
    database_url: str = ""
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workflows_path: Path = Path("workflows")
    forms_path: Path = Path("forms")
    # "embedded" runs the scheduler inside the web process (single machine), "off" leaves it to
    # a separate `wams scheduler` process.
    scheduler: str = "embedded"
    scheduler_tick_seconds: float = 1.0
    # Items one tick handles at most per sweep, and timers fired per transaction (see
    # engine/scheduler/timers.py: a larger batch shares more round trips but holds its locks longer).
    scheduler_batch_size: int = 200
    scheduler_fire_batch: int = 100
    # Processes that fire a tick's due timers side by side (engine/scheduler/workers.py); more than
    # one needs PostgreSQL. One per core the scheduler may use.
    scheduler_workers: int = 1
    script_time_budget_ms: int = 250
    max_upload_bytes: int = 5 * 1024 * 1024
    max_xml_bytes: int = 2 * 1024 * 1024
    max_state_bytes: int = 256 * 1024
    pseudonym_key: str = ""
    default_locale: str = "nl"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "wams@localhost"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_roles_claim: str = "roles"
    oidc_tenant_claim: str = "gemeente"
    oidc_party_claim: str = "partij"
    seed_demo_data: bool = False
    log_level: str = "INFO"
    # "json" (one object per line) or "text"; empty: json in production, text elsewhere.
    log_format: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        problems: list[str] = []
        values: dict[str, Any] = {}
        parsers: dict[type, Callable[[str], Any]] = {
            int: int,
            float: float,
            bool: _parse_bool,
            Path: Path,
            str: str,
        }
        for f in fields(cls):
            if f.name == "extra":
                continue
            key = "WAMS_" + f.name.upper()
            if key not in environ:
                continue
            kind = f.type if isinstance(f.type, type) else _TYPE_NAMES.get(str(f.type), str)
            try:
                values[f.name] = parsers[kind](environ[key])
            except (ValueError, KeyError) as exc:
                problems.append(f"{key}: {exc}")
        values.update(overrides)
        settings = cls(**values)
        settings, more = settings._completed()
        problems.extend(more)
        if problems:
            raise ConfigError(problems)
        return settings

    def _completed(self) -> tuple[Settings, list[str]]:
        """Fill derived defaults and validate; returns the settings and the problems found."""
        problems: list[str] = []
        if self.env not in {"development", "test", "production"}:
            problems.append(f"WAMS_ENV must be development, test or production, not {self.env!r}")
        if self.scheduler not in {"embedded", "off"}:
            problems.append(f"WAMS_SCHEDULER must be 'embedded' or 'off', not {self.scheduler!r}")
        if not 0 < self.port < 65536:
            problems.append(f"WAMS_PORT out of range: {self.port}")
        if self.scheduler_tick_seconds <= 0:
            problems.append("WAMS_SCHEDULER_TICK_SECONDS must be positive")
        if self.scheduler_batch_size <= 0 or self.scheduler_fire_batch <= 0:
            problems.append("WAMS_SCHEDULER_BATCH_SIZE and WAMS_SCHEDULER_FIRE_BATCH must be positive")
        if self.scheduler_workers <= 0:
            problems.append("WAMS_SCHEDULER_WORKERS must be positive")
        if self.scheduler_workers > 1 and not self.database_url.startswith("postgresql"):
            problems.append("WAMS_SCHEDULER_WORKERS above 1 needs PostgreSQL (SQLite writes one at a time)")
        if self.log_level.upper() not in LEVELS:
            problems.append(f"WAMS_LOG_LEVEL must be one of {', '.join(LEVELS)}, not {self.log_level!r}")
        if self.log_format not in {"", *FORMATS}:
            problems.append(f"WAMS_LOG_FORMAT must be json or text, not {self.log_format!r}")
        if self.script_time_budget_ms <= 0:
            problems.append("WAMS_SCRIPT_TIME_BUDGET_MS must be positive")
        if self.oidc_issuer and not self.oidc_client_id:
            problems.append("WAMS_OIDC_ISSUER is set but WAMS_OIDC_CLIENT_ID is not")
        changes: dict[str, Any] = {}
        if not self.log_format:
            changes["log_format"] = log_format(self.env)
        database_url = self.database_url
        if not database_url:
            if self.is_production:
                problems.append("WAMS_DATABASE_URL is required in production (a PostgreSQL URL)")
            database_url = f"sqlite:///{(self.instance_path / 'wams.db').resolve()}"
            changes["database_url"] = database_url
        elif not (database_url.startswith("sqlite") or database_url.startswith("postgresql")):
            problems.append("WAMS_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        for name in ("secret_key", "pseudonym_key"):
            if getattr(self, name):
                continue
            if self.is_production:
                problems.append(f"WAMS_{name.upper()} is required in production")
            else:
                changes[name] = _development_secret(self.instance_path, name)
        return (replace(self, **changes) if changes else self), problems


_TYPE_NAMES: dict[str, type] = {"int": int, "float": float, "bool": bool, "Path": Path, "str": str}


def _development_secret(instance_path: Path, name: str) -> str:
    """Outside production a missing secret is generated once and kept in the instance folder,
    so sessions and pseudonyms survive restarts of `make run`."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value
