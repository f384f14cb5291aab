"""Schemas of tasks and procedures, and the case data shown with them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from . import ROLE_VALUES, PageArgs, PageSchema, moment
from .definitions import FormSchema


class TaskBriefSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "user (a form to complete) or escalation"})
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)
    procedure_id = fields.UUID(attribute="instance_id", required=True)
    role = fields.String(allow_none=True)
    party = fields.String(
        attribute="about_party",
        allow_none=True,
        metadata={
            "description": "the party the task is for: a party's own task (with the role party_contact or "
            "medical_professional, only that party's people do it), or a municipal task about one party "
            "(e.g. the coordinator's information request to it; `role` says who does it)"
        },
    )
    subject = fields.String(allow_none=True)
    phase = fields.String(allow_none=True)
    form_key = fields.String(allow_none=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True)
    follow_up_at = fields.DateTime(
        allow_none=True, metadata={"description": "when to look at the task again (the model's followUpDate)"}
    )
    assignee = fields.String(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    claimed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    context = fields.Dict(
        metadata={"description": "non-personal context (e.g. the escalation it belongs to)"}
    )


class TaskSummarySchema(TaskBriefSchema):
    reference = fields.String(allow_none=True, metadata={"description": "the procedure's reference"})
    overdue = fields.Boolean(required=True)
    mine = fields.Boolean(required=True, metadata={"description": "claimed by or assigned to you"})
    can_work = fields.Boolean(required=True, metadata={"description": "you may complete it now"})


class TaskListArgs(PageArgs):
    scope = fields.String(
        load_default="mine",
        validate=validate.OneOf(["mine", "available", "all"]),
        metadata={"description": "mine | available (unowned, for my roles) | all I may see"},
    )
    status = fields.String(
        load_default="open", validate=validate.OneOf(["open", "completed", "cancelled", "any"])
    )
    process_id = fields.String(validate=validate.Length(max=200))
    element_id = fields.String(validate=validate.Length(max=200))
    phase = fields.String(validate=validate.Length(max=100))
    role = fields.String(validate=validate.OneOf(ROLE_VALUES))
    procedure_id = fields.UUID()
    overdue = fields.Boolean()
    due_before = moment()
    follow_up = fields.Boolean(
        metadata={"description": "true: the follow-up moment has come; false: it has not, or there is none"}
    )
    follow_up_before = moment()
    sort = fields.String(
        load_default="due",
        validate=validate.OneOf(["due", "-due", "created", "-created", "follow_up", "-follow_up"]),
    )


class TaskPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSummarySchema), required=True)


class FactSchema(Schema):
    id = fields.Integer(required=True)
    field = fields.String(required=True)
    label = fields.String(allow_none=True)
    category = fields.String(required=True)
    domain = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True)
    source_party = fields.String(allow_none=True)
    legal_ground = fields.String(allow_none=True)
    conditions = fields.String(allow_none=True)
    recorded_at = fields.DateTime(required=True)


class SubjectSchema(Schema):
    key = fields.String(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    participation = fields.String(required=True)
    pseudonym = fields.String(required=True)
    facts = fields.List(fields.Nested(FactSchema), required=True)


class CaseSchema(Schema):
    subjects = fields.List(fields.Nested(SubjectSchema), required=True)


class ProcedureRefSchema(Schema):
    id = fields.UUID(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True)
    phase = fields.String(allow_none=True)


class TaskDetailSchema(Schema):
    task = fields.Nested(TaskSummarySchema, required=True)
    form = fields.Nested(FormSchema, allow_none=True, required=True)
    procedure = fields.Nested(ProcedureRefSchema, allow_none=True, required=True)
    context = fields.Nested(CaseSchema, allow_none=True, required=True)
    allowed_actions = fields.List(fields.String(), required=True)


class CompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": "the form's fields"})


class NextTaskSchema(TaskBriefSchema):
    for_you = fields.Boolean(required=True, metadata={"description": "you may do this task"})


class InstanceStateSchema(Schema):
    id = fields.UUID(required=True)
    status = fields.String(required=True)
    ended = fields.Boolean(required=True)


class CompletionSchema(Schema):
    task = fields.Nested(TaskBriefSchema, required=True)
    instance = fields.Nested(InstanceStateSchema, required=True)
    procedure = fields.Nested(ProcedureRefSchema, allow_none=True, required=True)
    next = fields.List(fields.Nested(NextTaskSchema), required=True)


class AssignSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TaskReleaseSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000))


class ProcedureStartSchema(Schema):
    process_id = fields.String(load_default="wams_procedure", validate=validate.Length(min=1, max=200))
    data = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={"description": "the melding (the start form's fields)"},
    )


class ProcedureSchema(Schema):
    id = fields.UUID(required=True)
    reference = fields.String(required=True)
    process_id = fields.String(required=True)
    status = fields.String(required=True)
    phase = fields.String(allow_none=True)
    ingang = fields.String(allow_none=True)
    coordinator = fields.String(allow_none=True)
    started_at = fields.DateTime(required=True)
    started_by = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    stop_reason = fields.String(allow_none=True)
    retention_until = fields.DateTime(
        allow_none=True, metadata={"description": "after closure: when its personal data will be erased"}
    )
    erased_at = fields.DateTime(
        allow_none=True, metadata={"description": "when its personal data were erased (retention over)"}
    )


class ProcedureItemSchema(ProcedureSchema):
    open_tasks = fields.Integer(required=True)
    overdue = fields.Boolean(required=True)


class ProcedureListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["open", "suspended", "closed", "cancelled"]))
    phase = fields.String(validate=validate.Length(max=100))
    coordinator = fields.String(validate=validate.Length(max=200))
    overdue = fields.Boolean()
    started_from = moment()
    started_to = moment()
    reference = fields.String(validate=validate.Length(max=40))
    sort = fields.String(
        load_default="-started", validate=validate.OneOf(["started", "-started", "reference", "-reference"])
    )


class ProcedurePageSchema(PageSchema):
    items = fields.List(fields.Nested(ProcedureItemSchema), required=True)


class TimelineEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    type = fields.String(required=True)
    actor = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    task_id = fields.UUID(allow_none=True)
    segment = fields.Integer(required=True)
    data_keys = fields.List(fields.String(), allow_none=True)
    detail = fields.Dict(allow_none=True)


class ProcedureDetailSchema(ProcedureSchema):
    instance_status = fields.String(required=True)
    current_steps = fields.List(fields.String(), required=True)
    scope_exclusions = fields.Dict(required=True)
    open_tasks = fields.List(fields.Nested(TaskBriefSchema), required=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True)
    timeline_truncated = fields.Boolean(required=True)
    case = fields.Nested(CaseSchema, required=True)


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MessageSchema(Schema):
    payload = fields.Dict(keys=fields.String(), load_default=dict)
