"""`/healthz` (database and scheduler, no login) and `/metrics` (Prometheus, needs an admin or manager)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import text

from engine.monitoring.gauges import gauges
from engine.scheduler.heartbeat import scheduler_health
from engine.services import Services

from .auth import current_actor, public, services
from .metrics import CONTENT_TYPE, exposition
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
        "scheduler": _scheduler(found) if database_ok else {"state": "unknown"},
    }
    return body, 200 if database_ok else 503


def _scheduler(found: Services) -> dict[str, Any]:
    """The schedulers' heartbeats (any process on this database: `wams scheduler` services, embedded
    ones), with this process's own embedded scheduler's live status where it runs one."""
    shared = scheduler_health(found.uow(readonly=True))
    local = found.status.get("scheduler")
    if local is None:
        return shared
    return {**local, "schedulers": shared.get("schedulers", 0)}


@blp.route("/metrics", methods=["GET"])
@blp.response(200, {"type": "string"}, content_type=CONTENT_TYPE, description="Prometheus text format")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
def metrics() -> Any:
    """Prometheus metrics (bearer token or session of an admin or manager)."""
    actor = current_actor()
    return exposition(gauges(services().uow(readonly=True, tenant_id=actor.tenant_id), actor))
