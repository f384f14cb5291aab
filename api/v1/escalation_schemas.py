"""Request and response schemas of the escalation endpoints (escalations, suspension and extension
of procedures, deadlines, notifications)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.scheduler.status import EscalationStatus

REASON = validate.Length(min=1, max=2000)
STATUSES = [s.value for s in EscalationStatus]


class EscalationArgs(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)), load_default=list)
    unresolved = fields.Boolean(load_default=False, metadata={"description": "open or escalated only"})
    level = fields.Integer(validate=validate.Range(min=1, max=9))
    procedure_id = fields.UUID()
    rule = fields.String(validate=validate.Length(min=1, max=100))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class EscalationSchema(Schema):
    id = fields.UUID(required=True)
    procedure_id = fields.UUID(required=True, attribute="instance_id")
    subject_type = fields.String(required=True, metadata={"description": "task or procedure"})
    subject_id = fields.UUID(required=True)
    rule = fields.String(required=True, metadata={"description": "taak.termijn, fase.<fase> or review"})
    occurrence = fields.Integer(required=True)
    level = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(required=True)
    due_at = fields.DateTime(required=True)
    raised_at = fields.DateTime(required=True)
    task_id = fields.UUID(allow_none=True, metadata={"description": "the manager task"})
    assignee = fields.String(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


class ResolveSchema(Schema):
    reason = fields.String(required=True, validate=REASON)


class SuspendSchema(Schema):
    reason = fields.String(required=True, validate=REASON)


class ResumeSchema(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


class ExtendSchema(Schema):
    period = fields.String(
        required=True, validate=validate.Length(min=2, max=40), metadata={"example": "P14D"}
    )
    reason = fields.String(required=True, validate=REASON)
    rule = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "only this deadline, e.g. fase.onderzoek; default: all of the procedure's"},
    )


class AdjustmentSchema(Schema):
    id = fields.Integer(required=True)
    procedure_id = fields.UUID(required=True, attribute="instance_id")
    kind = fields.String(required=True, metadata={"description": "suspension or extension"})
    status = fields.String(required=True)
    reason = fields.String(required=True)
    period = fields.String(allow_none=True)
    rule = fields.String(allow_none=True)
    created_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    ended_by = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)
    shifted = fields.List(fields.Dict(), required=True)


class DeadlineSchema(Schema):
    subject_type = fields.String(required=True)
    subject_id = fields.UUID(required=True)
    rule = fields.String(required=True)
    occurrence = fields.Integer(required=True)
    due_at = fields.DateTime(allow_none=True)
    level = fields.Integer(required=True)
    next_check_at = fields.DateTime(allow_none=True)


class NotificationArgs(Schema):
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    procedure_id = fields.UUID(allow_none=True, attribute="instance_id")
    escalation_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)
    for_role = fields.String(allow_none=True)
