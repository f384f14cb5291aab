"""What a model's expressions may call besides the safe built-ins: the engine's clock, date arithmetic,
the tenant's process settings and the party catalogue of the version whose step is running."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..clock import active_clock
from ..errors import ScriptError
from .isotime import add_duration


@dataclass(frozen=True)
class ScriptScope:
    """What `config(...)` and `party(...)` read: the settings and party catalogue of the tenant and
    definition version whose step is running."""

    settings: Mapping[str, Any]
    parties: Mapping[str, Any]


_NO_SCOPE = ScriptScope(MappingProxyType({}), MappingProxyType({}))
_active_scope: contextvars.ContextVar[ScriptScope] = contextvars.ContextVar(
    "wams_script_scope", default=_NO_SCOPE
)


@contextmanager
def using_settings(settings: Mapping[str, Any], parties: Mapping[str, Any] | None = None) -> Iterator[None]:
    token = _active_scope.set(ScriptScope(settings, parties if parties is not None else MappingProxyType({})))
    try:
        yield
    finally:
        _active_scope.reset(token)


def _config(key: str, default: Any = None) -> Any:
    settings = _active_scope.get().settings
    if key in settings:
        return settings[key]
    if default is not None:
        return default
    raise ScriptError(f"setting {key!r} is not configured (settings.yaml or the tenant's settings)")


def _party(code: str) -> dict[str, Any]:
    """The catalogue entry (parties.yaml) of a party: name, domain and its flags."""
    entry = _active_scope.get().parties.get(code)
    if not isinstance(entry, Mapping):
        raise ScriptError(f"party {code!r} is not in the bundle's parties.yaml")
    return dict(entry)


def _now() -> str:
    return active_clock().now().isoformat()


def _today() -> str:
    return active_clock().now().date().isoformat()


HELPERS: dict[str, Any] = {
    "config": _config,
    "party": _party,
    "now": _now,
    "today": _today,
    "add_duration": add_duration,
}
