"""The Flask application factory. Nothing happens at import time: `create_app` builds everything."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from sqlalchemy import text

from engine.config import Settings
from engine.services import Services, build_services


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> Flask:
    settings = settings or (services.settings if services else Settings.from_env())
    services = services or build_services(settings)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.extensions["wams"] = services

    @app.get("/healthz")
    def healthz() -> Any:
        database_ok = True
        try:
            with services.database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # any failure means the database is not usable
            database_ok = False
        scheduler = services.status.get("scheduler", {"state": "not running"})
        body = {
            "status": "ok" if database_ok else "unavailable",
            "database": {"ok": database_ok, "dialect": services.database.dialect},
            "scheduler": scheduler,
        }
        return jsonify(body), 200 if database_ok else 503

    return app


def services_of(app: Flask) -> Services:
    services: Services = app.extensions["wams"]
    return services
