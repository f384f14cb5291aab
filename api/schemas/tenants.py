"""Schemas of municipalities (tenants) and their provisioning."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .accounts import AccountSchema

CODE = validate.Regexp(
    r"^[a-z][a-z0-9_-]{1,63}$", error="2 to 64 lower-case letters, digits, '-' or '_', starting with a letter"
)


class TenantSchema(Schema):
    code = fields.String(required=True, attribute="id")
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "production or rehearsal"})
    created_at = fields.DateTime(required=True)


class FirstAdminSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    display_name = fields.String(validate=validate.Length(max=200))
    password = fields.String(validate=validate.Length(min=8, max=1000), load_only=True)
    email = fields.Email(validate=validate.Length(max=320))


class TenantCreateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    rehearsal = fields.Boolean(load_default=False, metadata={"description": "a practice municipality"})
    admin = fields.Nested(
        FirstAdminSchema, required=True, metadata={"description": "the first administrator"}
    )


class ProvisionedTenantSchema(Schema):
    tenant = fields.Nested(TenantSchema, required=True)
    admin = fields.Nested(AccountSchema, required=True)
