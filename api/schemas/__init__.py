"""Request and response schemas of API v1 (marshmallow); the OpenAPI document is generated from them.

Shared pieces live here; the schemas of each resource in the modules beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from engine.roles import Role

ROLE_VALUES = [r.value for r in Role]
# Moments and days outside this range are refused: they mean nothing here and overflow date arithmetic.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


def moment(**kwargs: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(validate=validate.Range(min=EARLIEST, max=LATEST), **kwargs)


def day(**kwargs: Any) -> fields.Date:
    return fields.Date(validate=validate.Range(min=EARLIEST.date(), max=LATEST.date()), **kwargs)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
