"""What the v1 views share: documented error responses and the unit of work."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint

from engine.services import Services
from engine.uow import UnitOfWork

from ..auth import services, tenant_uow

F = TypeVar("F", bound=Callable[..., Any])


def errors(blp: Blueprint, *codes: int) -> Callable[[F], F]:
    """Document problem+json error responses (401 is added: every v1 view needs a login)."""

    def decorate(view: F) -> F:
        for code in sorted({401, *codes}, reverse=True):
            view = blp.alt_response(code, response=http.HTTPStatus(code).name)(view)
        return view

    return decorate


def uow(*, readonly: bool = False) -> UnitOfWork:
    return tenant_uow(readonly=readonly)


def svc() -> Services:
    return services()
