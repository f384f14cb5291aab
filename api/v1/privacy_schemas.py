"""Request and response schemas of the privacy endpoints (processing log, GDPR requests, medical
release, complaints, incidents, further processing)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.privacy import gdpr, registers
from engine.privacy.status import ComplaintStatus, IncidentStatus, RequestStatus

from ..schemas import PageArgs, PageSchema, moment

TEXT = validate.Length(min=1, max=10_000)
SHORT = validate.Length(min=1, max=200)
KEY = validate.Length(min=1, max=50)


def id_list(**kwargs: object) -> fields.List:
    """Ids of facts (database ids fit in 63 bits on both backends)."""
    item = fields.Integer(validate=validate.Range(min=1, max=2**62))
    return fields.List(item, **kwargs)  # type: ignore[arg-type]


# --- processing log -------------------------------------------------------------------------------


class LogArgs(PageArgs):
    procedure_id = fields.UUID()
    subject = fields.String(validate=validate.Length(max=64), metadata={"description": "subject pseudonym"})
    actor = fields.String(validate=SHORT)
    party = fields.String(validate=SHORT)
    operation = fields.String(validate=validate.Length(max=40))
    trace_id = fields.String(validate=validate.Length(max=32))
    start = moment()
    end = moment()
    page_size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class LogEntrySchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    operation = fields.String(required=True)
    action = fields.String(allow_none=True)
    actor = fields.String(required=True)
    roles = fields.String(required=True)
    party = fields.String(allow_none=True)
    procedure_id = fields.UUID(allow_none=True)
    procedure_reference = fields.String(allow_none=True)
    activity = fields.String(allow_none=True)
    subject_pseudonym = fields.String(required=True)
    subject_kind = fields.String(allow_none=True)
    categories = fields.List(fields.String(), required=True)
    fact_count = fields.Integer(required=True)
    purpose = fields.String(allow_none=True)
    legal_grounds = fields.List(fields.String(), required=True)
    trace_id = fields.String(required=True)
    span_id = fields.String(required=True)
    hash = fields.String(required=True)


class LogPageSchema(PageSchema):
    items = fields.List(fields.Nested(LogEntrySchema), required=True)
    rehearsal_time = fields.Boolean(
        required=True,
        metadata={"description": "true in a rehearsal municipality: times are its moved clock"},
    )


class ChainProblemSchema(Schema):
    seq = fields.Integer(required=True)
    kind = fields.String(required=True)
    message = fields.String(required=True)


class ChainReportSchema(Schema):
    tenant_id = fields.String(required=True)
    ok = fields.Boolean(required=True)
    entries = fields.Integer(required=True)
    head_seq = fields.Integer(required=True)
    head_hash = fields.String(required=True)
    problems = fields.List(fields.Nested(ChainProblemSchema), required=True)


# --- security log ---------------------------------------------------------------------------------


class SecurityEventArgs(PageArgs):
    outcome = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "not_found, not_authorized, not_authenticated, csrf_failed, login_failed …"},
    )
    actor = fields.String(validate=SHORT)
    start = moment()
    end = moment()
    unattributed = fields.Boolean(
        load_default=False,
        metadata={"description": "refusals no municipality is known for (administrators only)"},
    )
    page_size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class SecurityVerifyArgs(Schema):
    unattributed = fields.Boolean(load_default=False)


class SecurityEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    tenant_id = fields.String(allow_none=True)
    actor = fields.String(required=True)
    roles = fields.String(required=True)
    party = fields.String(allow_none=True)
    operation = fields.String(required=True, metadata={"description": "method and endpoint"})
    target = fields.String(required=True, metadata={"description": "the route template"})
    target_ids = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    outcome = fields.String(required=True)
    status = fields.Integer(required=True)
    trace_id = fields.String(required=True)
    hash = fields.String(required=True)


class SecurityEventPageSchema(PageSchema):
    items = fields.List(fields.Nested(SecurityEventSchema), required=True)


# --- GDPR requests --------------------------------------------------------------------------------


class RequestCreateSchema(Schema):
    procedure_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(gdpr.KINDS))
    subject = fields.String(load_default="client", validate=validate.Length(min=1, max=50))
    requester = fields.String(load_default="subject", validate=validate.OneOf(gdpr.REQUESTERS))
    description = fields.String(validate=TEXT)
    received_at = moment()
    fact_ids = id_list(validate=validate.Length(max=500))


class RequestListArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in RequestStatus]))
    procedure_id = fields.UUID()
    overdue = fields.Boolean()


class RequestSummarySchema(Schema):
    id = fields.UUID(required=True)
    procedure_id = fields.UUID(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    requester = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    deadline_at = fields.DateTime(required=True)
    extended = fields.Boolean(required=True)
    task_id = fields.UUID(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    lifted_at = fields.DateTime(allow_none=True)


class RequestSchema(RequestSummarySchema):
    description = fields.String(allow_none=True)
    extension_reason = fields.String(allow_none=True)
    registered_by = fields.String(required=True)
    fact_ids = fields.List(fields.Integer(), allow_none=True)
    decided_by = fields.String(allow_none=True)
    motivation = fields.String(allow_none=True)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=TEXT)


class RequestDecisionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(gdpr.OUTCOMES))
    motivation = fields.String(required=True, validate=TEXT)
    fact_ids = id_list(validate=validate.Length(max=500))
    corrections = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,17}$")),
        values=fields.Raw(allow_none=True),
        metadata={"description": "fact id → value"},
    )


class InzageSchema(Schema):
    request = fields.Dict(required=True)
    procedure = fields.Dict(required=True)
    subject = fields.Dict(required=True)
    generated_at = fields.String(required=True)
    data = fields.List(fields.Dict(), required=True)
    processing = fields.List(fields.Dict(), required=True)
    recipients = fields.List(fields.String(), required=True)


class ReleaseSchema(Schema):
    fact_ids = id_list(required=True, validate=validate.Length(min=1, max=500))
    decision = fields.String(required=True, validate=validate.OneOf(["share", "withhold"]))
    motivation = fields.String(required=True, validate=TEXT)


class ReleaseResultSchema(Schema):
    fact_id = fields.Integer(required=True)
    decision = fields.String(required=True)
    decided_at = fields.DateTime(required=True)


# --- complaints -----------------------------------------------------------------------------------


class ComplaintCreateSchema(Schema):
    complainant = fields.String(required=True, validate=validate.OneOf(registers.COMPLAINANTS))
    nature = fields.String(required=True, validate=validate.OneOf(registers.NATURES))
    description = fields.String(required=True, validate=TEXT)
    procedure_id = fields.UUID()
    subject = fields.String(validate=validate.Length(min=1, max=50))
    received_at = moment()


class ComplaintListArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in ComplaintStatus]))
    procedure_id = fields.UUID()


class ComplaintSummarySchema(Schema):
    id = fields.UUID(required=True)
    procedure_id = fields.UUID(allow_none=True)
    complainant = fields.String(required=True)
    nature = fields.String(required=True)
    status = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    outcome = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class NoteSchema(Schema):
    at = fields.String(required=True)
    by = fields.String(required=True)
    text = fields.String(required=True)


class ComplaintSchema(ComplaintSummarySchema):
    description = fields.String(required=True)
    registered_by = fields.String(required=True)
    follow_up = fields.List(fields.Nested(NoteSchema), required=True)
    outcome_text = fields.String(allow_none=True)
    closed_by = fields.String(allow_none=True)


class FollowUpSchema(Schema):
    text = fields.String(required=True, validate=TEXT)


class ComplaintCloseSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(registers.OUTCOMES))
    explanation = fields.String(required=True, validate=TEXT)


# --- incidents ------------------------------------------------------------------------------------


class IncidentCreateSchema(Schema):
    description = fields.String(required=True, validate=TEXT)
    discovered_at = moment()
    occurred_at = moment()
    procedure_id = fields.UUID()
    subjects = fields.List(fields.String(validate=KEY), validate=validate.Length(max=100))
    affected_count = fields.Integer(validate=validate.Range(min=0, max=10_000_000))
    categories = fields.List(fields.String(validate=KEY), validate=validate.Length(max=50))


class IncidentListArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in IncidentStatus]))


class IncidentSchema(Schema):
    id = fields.UUID(required=True)
    procedure_id = fields.UUID(allow_none=True)
    description = fields.String(required=True)
    occurred_at = fields.DateTime(allow_none=True)
    discovered_at = fields.DateTime(required=True)
    registered_at = fields.DateTime(required=True)
    registered_by = fields.String(required=True)
    affected_subjects = fields.List(fields.String(), required=True)
    affected_count = fields.Integer(required=True)
    categories = fields.List(fields.String(), required=True)
    status = fields.String(required=True)
    follow_up = fields.List(fields.Nested(NoteSchema), required=True)
    ap_deadline_at = fields.DateTime(required=True)
    reported_to_ap = fields.Boolean(allow_none=True)
    ap_reported_at = fields.DateTime(allow_none=True)
    ap_reference = fields.String(allow_none=True)
    ap_motivation = fields.String(allow_none=True)
    subjects_informed = fields.Boolean(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class IncidentAssessSchema(Schema):
    reported_to_ap = fields.Boolean(required=True)
    motivation = fields.String(required=True, validate=TEXT)
    ap_reference = fields.String(validate=validate.Length(min=1, max=100))
    ap_reported_at = moment()
    subjects_informed = fields.Boolean(load_default=False)


# --- further processing ---------------------------------------------------------------------------


class ConditionSchema(Schema):
    key = fields.String(required=True)
    text = fields.String(required=True)


class ConfirmationSchema(Schema):
    confirmed = fields.Boolean(required=True)
    motivation = fields.String(validate=validate.Length(max=10_000))


class FurtherCreateSchema(Schema):
    procedure_id = fields.UUID(required=True)
    purpose = fields.String(required=True, validate=TEXT)
    recipient = fields.String(required=True, validate=validate.Length(min=1, max=100))
    categories = fields.List(fields.String(validate=validate.Length(min=1, max=50)), required=True)
    subjects = fields.List(fields.String(validate=validate.Length(min=1, max=50)))
    legal_ground = fields.String(validate=validate.Length(min=1, max=100))
    conditions = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ConfirmationSchema),
        required=True,
        metadata={"description": "condition key → {confirmed, motivation}; every condition, each motivated"},
    )


class FurtherListArgs(Schema):
    procedure_id = fields.UUID()


class FurtherSchema(Schema):
    id = fields.UUID(required=True)
    procedure_id = fields.UUID(required=True)
    purpose = fields.String(required=True)
    recipient = fields.String(required=True)
    categories = fields.List(fields.String(), required=True)
    subjects = fields.List(fields.String(), required=True)
    legal_ground = fields.String(allow_none=True)
    conditions = fields.List(fields.Dict(), required=True)
    status = fields.String(required=True)
    missing = fields.List(fields.String(), required=True)
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
