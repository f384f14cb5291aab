"""Schemas of process definitions, uploads and forms."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..openapi import ModelIssueSchema


class DefinitionVersionSchema(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    content_hash = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(allow_none=True)


class ProcessDefinitionSchema(Schema):
    process_id = fields.String(required=True)
    name = fields.String(required=True)
    latest_version = fields.Integer(required=True)
    versions = fields.List(fields.Nested(DefinitionVersionSchema), required=True)


class DefinitionFileSchema(Schema):
    path = fields.String(required=True)
    kind = fields.String(required=True)


class DefinitionDetailSchema(DefinitionVersionSchema):
    process_id = fields.String(required=True)
    files = fields.List(fields.Nested(DefinitionFileSchema), required=True)
    summary = fields.Dict(required=True)
    settings = fields.Dict(required=True)
    legal_grounds = fields.Dict(required=True)


class UploadSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "a .zip bundle, .bpmn or .dmn file"},
    )


class DeploymentSchema(Schema):
    id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    created = fields.Boolean(required=True, metadata={"description": "false: same content as that version"})


class DeployResultSchema(Schema):
    deployments = fields.List(fields.Nested(DeploymentSchema), required=True)
    warnings = fields.List(fields.Nested(ModelIssueSchema), required=True)


class EntrySchema(Schema):
    process_id = fields.String(required=True)
    name = fields.String(required=True)
    files = fields.List(fields.String(), required=True)
    user_tasks = fields.Integer(required=True)


class ValidationResultSchema(Schema):
    ok = fields.Boolean(required=True)
    issues = fields.List(fields.Nested(ModelIssueSchema), required=True)
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class FormSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    schema = fields.Dict(required=True, metadata={"description": "JSON Schema (Draft 2020-12)"})
    ui = fields.Dict(required=True, metadata={"description": "x-ui hints by property path"})


class StartFormSchema(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    form = fields.Nested(FormSchema, allow_none=True, required=True)


class BpmnArgs(Schema):
    file = fields.String(metadata={"description": "another .bpmn file of the version (default: the entry's)"})
