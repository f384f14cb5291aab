"""`/healthz` (database and scheduler, no login) and `/metrics` (Prometheus, needs an admin or manager)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import text

from engine.monitoring.gauges import gauges

from .auth import current_actor, public, services
from .metrics import CONTENT_TYPE, RequestMetrics, exposition
from .schemas.monitoring import HealthSchema

blp = Blueprint("health", __name__, description="Health and metrics")


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="the database does not answer")
@blp.doc(security=[])
@public
def healthz() -> Any:
    """Is the service usable: the database answers, and the scheduler's state."""
    found = services()
    database_ok = True
    try:
        with found.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any failure means the database is not usable
        database_ok = False
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": {"ok": database_ok, "dialect": found.database.dialect},
        "scheduler": found.status.get("scheduler", {"state": "not running"}),
    }
    return body, 200 if database_ok else 503


@blp.route("/metrics", methods=["GET"])
@blp.response(200, {"type": "string"}, content_type=CONTENT_TYPE, description="Prometheus text format")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
def metrics() -> Any:
    """Prometheus metrics (bearer token or session of an admin or manager)."""
    actor = current_actor()
    snapshot = gauges(services().uow(readonly=True, tenant_id=actor.tenant_id), actor)
    request_metrics: RequestMetrics = current_app.extensions["wams_metrics"]
    return exposition(request_metrics, snapshot)
