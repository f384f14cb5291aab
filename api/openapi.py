"""OpenAPI 3 from the marshmallow schemas (flask-smorest): `/api/openapi.json`, docs at `/api/docs`.

Every error response is documented as `application/problem+json` with `ProblemSchema`; the Swagger UI
assets are served from the npm package `swagger-ui-dist` (node_modules) when it is installed."""

from __future__ import annotations

import http
from pathlib import Path
from typing import Any

from flask import Flask, abort, send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from .errors import PROBLEM_JSON

SWAGGER_DIST = Path(__file__).resolve().parent.parent / "node_modules" / "swagger-ui-dist"
SWAGGER_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"description": "dotted path of the field"})
    code = fields.String(required=True)
    message = fields.String(required=True)


class ModelIssueSchema(Schema):
    file = fields.String(required=True)
    element = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    message = fields.String(required=True)
    hint = fields.String(allow_none=True)
    severity = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details with a stable machine `code`."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "stable machine-readable error code"})
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={"description": "field errors"})
    issues = fields.List(fields.Nested(ModelIssueSchema), metadata={"description": "process model issues"})
    details = fields.Dict()


class WamsApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are answered by `api.errors` (problem+json), not flask-smorest's default."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict[str, Any] = {"description": "Error", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def init_api(app: Flask) -> WamsApi:
    local_assets = SWAGGER_DIST.is_dir()
    app.config.update(
        API_TITLE="Wams workflow API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/" if local_assets else SWAGGER_CDN,
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "Case system for the Wams procedure. Authenticate with `Authorization: Bearer <token>` "
                    "or log in with `POST /api/v1/session` (cookie; send `X-CSRF-Token` on changes). "
                    "Errors are `application/problem+json` with a stable `code`. See docs/api.md."
                )
            },
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "wams_session"},
                }
            },
            "security": [{"bearer": []}, {"session": []}],
        },
    )
    api = WamsApi(app)

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_assets(filename: str) -> Any:
        if not local_assets:
            abort(404)
        return send_from_directory(SWAGGER_DIST, filename, max_age=86400)

    swagger_assets._wams_public = True  # type: ignore[attr-defined]
    return api
