"""Schemas of version changes (a draft against the newest version) and of migration plans and reports."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.migration.batch import DEFAULT_BATCH, MAX_BATCH


class ElementSchema(Schema):
    file = fields.String(required=True)
    id = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(allow_none=True)


class RenamedSchema(Schema):
    file = fields.String(required=True)
    id = fields.String(required=True)
    kind = fields.String(required=True)
    old = fields.String(allow_none=True)
    new = fields.String(allow_none=True)


class FieldChangeSchema(Schema):
    key = fields.String(
        required=True, metadata={"description": "e.g. formKey, dueDate, property:legalGround"}
    )
    old = fields.String(allow_none=True)
    new = fields.String(allow_none=True)


class ChangedSchema(Schema):
    file = fields.String(required=True)
    id = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(allow_none=True)
    fields_ = fields.List(
        fields.Nested(FieldChangeSchema), required=True, data_key="fields", attribute="fields"
    )


class SettingChangeSchema(Schema):
    key = fields.String(required=True)
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class VersionChangesSchema(Schema):
    version = fields.Integer(required=True, metadata={"description": "the version the draft would become"})
    previous = fields.Integer(allow_none=True, metadata={"description": "the newest deployed version"})
    empty = fields.Boolean(required=True)
    files_added = fields.List(fields.String(), required=True)
    files_removed = fields.List(fields.String(), required=True)
    files_changed = fields.List(fields.String(), required=True)
    forms = fields.List(
        fields.String(), required=True, metadata={"description": "forms added, removed or edited"}
    )
    added = fields.List(fields.Nested(ElementSchema), required=True)
    removed = fields.List(fields.Nested(ElementSchema), required=True)
    renamed = fields.List(fields.Nested(RenamedSchema), required=True)
    changed = fields.List(fields.Nested(ChangedSchema), required=True)
    settings = fields.List(fields.Nested(SettingChangeSchema), required=True)


class PlanArgs(Schema):
    source_version = fields.Integer(required=True, validate=validate.Range(min=1, max=2147483647))
    target_version = fields.Integer(
        validate=validate.Range(min=1, max=2147483647), metadata={"description": "default: the newest"}
    )


class PlanSchema(Schema):
    process_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source_version = fields.Integer(required=True, validate=validate.Range(min=1, max=2147483647))
    target_version = fields.Integer(required=True, validate=validate.Range(min=1, max=2147483647))
    mapping = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=200)),
        values=fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        metadata={
            "description": "source element id → target element id; an element left out does not move",
            "example": {"beoordelen": "beoordelen", "oude_stap": "nieuwe_stap"},
        },
    )


class PlanElementSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    kind = fields.String(required=True)
    process_id = fields.String(required=True)


class PlanProposalSchema(Schema):
    plan = fields.Nested(PlanSchema, required=True)
    source = fields.List(fields.Nested(PlanElementSchema), required=True)
    target = fields.List(fields.Nested(PlanElementSchema), required=True)
    unmapped = fields.List(fields.String(), required=True)


class MigrationRequestSchema(Schema):
    plan = fields.Nested(PlanSchema, required=True)
    instances = fields.List(
        fields.UUID(),
        validate=validate.Length(max=MAX_BATCH),
        metadata={"description": "only these procedures (default: every one on the source version)"},
    )


class ExecuteRequestSchema(MigrationRequestSchema):
    batch_size = fields.Integer(load_default=DEFAULT_BATCH, validate=validate.Range(min=1, max=MAX_BATCH))
    skip = fields.List(
        fields.UUID(),
        load_default=list,
        validate=validate.Length(max=100_000),
        metadata={"description": "procedures an earlier batch refused: not tried again"},
    )


class BlockerSchema(Schema):
    code = fields.String(
        required=True,
        metadata={
            "description": "element_removed, kind_changed, boundary_changed, history_needed, "
            "subprocess_missing, process_missing, tasks_change, not_representable, in_error, "
            "not_running, other_version, locked, failed"
        },
    )
    element = fields.String(allow_none=True)
    message = fields.String(required=True)


class InstanceResultSchema(Schema):
    instance_id = fields.UUID(required=True)
    ok = fields.Boolean(required=True, metadata={"description": "moved (dry run: can move)"})
    blockers = fields.List(fields.Nested(BlockerSchema), required=True)
    elements = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    tasks = fields.Integer(required=True, metadata={"description": "open tasks that follow"})


class MigrationReportSchema(Schema):
    plan = fields.Nested(PlanSchema, required=True)
    dry_run = fields.Boolean(required=True)
    moved = fields.Integer(required=True, metadata={"description": "moved (dry run: can move)"})
    refused = fields.Integer(required=True)
    remaining = fields.Integer(
        required=True,
        metadata={"description": "candidates left on the source version (not counting refused)"},
    )
    results = fields.List(fields.Nested(InstanceResultSchema), required=True)
