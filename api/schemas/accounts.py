"""Schemas of sessions, tokens and accounts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from . import ROLE_VALUES, moment


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000), load_only=True)


class MeSchema(Schema):
    username = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    tenant_id = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    party = fields.String(allow_none=True)


class SessionSchema(Schema):
    user = fields.Nested(MeSchema, required=True)
    csrf_token = fields.String(allow_none=True, metadata={"description": "send as X-CSRF-Token on changes"})


class AccountSchema(Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    party = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


class UserListArgs(Schema):
    role = fields.String(validate=validate.OneOf(ROLE_VALUES))


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    display_name = fields.String(validate=validate.Length(max=200))
    password = fields.String(validate=validate.Length(min=8, max=1000), load_only=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_VALUES)), required=True)
    party = fields.String(validate=validate.Length(min=1, max=100))
    # Escalation mail to this person goes here (optional).
    email = fields.Email(validate=validate.Length(max=320))


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    user_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "the secret; shown only now"})


class TokenCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    username = fields.String(validate=validate.Length(min=1, max=200))
    expires_at = moment()
