"""API version 1: thin views. Each parses its input with a marshmallow schema, calls one engine function
with the authenticated actor and returns what it gave; domain errors become problem+json in
`api.errors`."""

from __future__ import annotations

from flask import Flask

from ..openapi import WamsApi

PREFIX = "/api/v1"


def register(app: Flask, api: WamsApi) -> None:
    from . import (
        accounts,
        clock,
        definitions,
        escalations,
        migrations,
        monitoring,
        privacy,
        procedures,
        registers,
        tasks,
        tenants,
    )

    modules = (
        accounts,
        tenants,
        definitions,
        migrations,
        procedures,
        tasks,
        monitoring,
        privacy,
        registers,
        escalations,
        clock,
    )
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=PREFIX)
