"""The clock of a rehearsal municipality (oefenomgeving): read it, pin it to a later instant, advance
it by an ISO 8601 duration. A production municipality answers 403 (`not_a_rehearsal`) to each, and
the attempt is logged as a security event (engine/rehearsal.py)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine import rehearsal

from ..auth import current_actor, services
from .common import errors

blp = Blueprint("clock", __name__, description="The clock of a rehearsal municipality")


class ClockSchema(Schema):
    tenant_id = fields.String(required=True)
    now = fields.AwareDateTime(required=True, metadata={"description": "what time it is there (UTC)"})
    offset_seconds = fields.Method("_offset", required=True, metadata={"description": "ahead of real time"})
    kind = fields.String(required=True, metadata={"description": "always 'rehearsal'"})

    def _offset(self, reading: rehearsal.ClockReading) -> float:
        return reading.offset.total_seconds()


class PinSchema(Schema):
    now = fields.AwareDateTime(
        required=True, metadata={"description": "the later instant the clock moves to (with a time zone)"}
    )


class AdvanceSchema(Schema):
    duration = fields.String(
        required=True,
        validate=validate.Length(min=2, max=40),
        metadata={"description": "an ISO 8601 duration, e.g. P3M, P1Y or PT4H", "example": "P3M"},
    )


def _uow() -> Any:
    # The clock commands read the tenant row themselves; the unit runs on the installation's clock.
    return services().uow()


@blp.route("/clock", methods=["GET"])
@blp.response(200, ClockSchema)
@errors(blp, 403)
def read_clock() -> Any:
    """What time it is in your rehearsal municipality (every role)."""
    return rehearsal.read_clock(_uow(), current_actor())


@blp.route("/clock", methods=["PUT"])
@blp.arguments(PinSchema())
@blp.response(200, ClockSchema)
@errors(blp, 403, 422)
def pin_clock(body: dict[str, Any]) -> Any:
    """Set your rehearsal municipality's clock to a later instant (admin, process designer); it runs
    on from there. An earlier instant is refused: rehearsal time only moves forward. What fell due
    meanwhile happens on the scheduler's next tick, in due-time order."""
    return rehearsal.pin_clock(_uow(), current_actor(), body["now"])


@blp.route("/clock/advance", methods=["POST"])
@blp.arguments(AdvanceSchema())
@blp.response(200, ClockSchema)
@errors(blp, 403, 422)
def advance_clock(body: dict[str, Any]) -> Any:
    """Move your rehearsal municipality's clock forward by an ISO 8601 duration (admin, process
    designer)."""
    return rehearsal.advance_clock(_uow(), current_actor(), body["duration"])
