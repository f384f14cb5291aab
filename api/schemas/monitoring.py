"""Schemas of monitoring and health."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from . import day


class PeriodArgs(Schema):
    """The period a report asks for: days in municipal time, the last one included."""

    start = day(metadata={"description": "first day (default: 1 January of this year)"})
    end = day(metadata={"description": "last day, inclusive (default: today)"})


class PeriodSchema(Schema):
    """The period a report covers: the instants it counted from (inclusive) and to (exclusive)."""

    period_start = fields.DateTime(required=True)
    period_end = fields.DateTime(required=True)


class IndicatorsSchema(PeriodSchema):
    tenant_id = fields.String(required=True)
    started = fields.Integer(required=True)
    ended = fields.Integer(required=True)
    running_at_end = fields.Integer(required=True)
    ingang = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    duration_days_mean = fields.Float(allow_none=True, required=True)
    duration_days_median = fields.Float(allow_none=True, required=True)
    domains = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    parties = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    clientondersteuning = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    complaints = fields.Integer(required=True)
    complaint_nature = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    outcomes = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    privacy_incidents = fields.Integer(required=True)
    privacy_incidents_reported_to_ap = fields.Integer(required=True)
    drukmiddel = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    consent = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    family_participation = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    assessment = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    party_answers = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    medical_decisions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    tasks_completed_by_phase = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    waiting_days_median_by_phase = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    completed_late_by_phase = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class SeriesArgs(PeriodArgs):
    per = fields.String(
        load_default="month",
        validate=validate.OneOf(["month", "quarter", "year"]),
        metadata={"description": "one set of indicators per month (default), quarter or year"},
    )


class FigureSchema(Schema):
    indicator = fields.String(required=True)
    category = fields.String(required=True)
    value = fields.Raw(allow_none=True, required=True)


class SeriesPeriodSchema(Schema):
    period_start = fields.String(required=True)
    period_end = fields.String(required=True)
    figures = fields.List(fields.Nested(FigureSchema), required=True)


class DefinitionSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    definition = fields.String(required=True)
    unit = fields.String(required=True)
    period_rule = fields.String(required=True)
    source = fields.String(required=True)


class SeriesSchema(Schema):
    tenant_id = fields.String(required=True)
    per = fields.String(required=True)
    definitions = fields.List(fields.Nested(DefinitionSchema), required=True)
    periods = fields.List(fields.Nested(SeriesPeriodSchema), required=True)


class VariantSchema(Schema):
    steps = fields.List(fields.String(), required=True, metadata={"description": "completed user tasks"})
    names = fields.List(fields.String(), required=True)
    count = fields.Integer(required=True)
    share = fields.Float(required=True)
    finished = fields.Integer(required=True)
    duration_days_median = fields.Float(allow_none=True, required=True)
    duration_days_mean = fields.Float(allow_none=True, required=True)


class ElementConformanceSchema(Schema):
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)
    name = fields.String(required=True)
    done = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    repeated = fields.Integer(required=True)
    out_of_order = fields.Integer(required=True)
    rework_in_model = fields.Boolean(required=True)


class FlowShareSchema(Schema):
    flow_id = fields.String(required=True)
    name = fields.String(required=True)
    target_id = fields.String(required=True)
    count = fields.Integer(required=True)
    share = fields.Float(allow_none=True, required=True)


class GatewaySplitSchema(Schema):
    process_id = fields.String(required=True)
    gateway_id = fields.String(required=True)
    name = fields.String(required=True)
    passages = fields.Integer(required=True)
    flows = fields.List(fields.Nested(FlowShareSchema), required=True)


class ConformanceSchema(PeriodSchema):
    procedures = fields.Integer(required=True)
    truncated = fields.Boolean(required=True)
    fitting = fields.Integer(required=True)
    variant_count = fields.Integer(required=True)
    variants = fields.List(fields.Nested(VariantSchema), required=True)
    elements = fields.List(fields.Nested(ElementConformanceSchema), required=True)
    gateways = fields.List(fields.Nested(GatewaySplitSchema), required=True)


class ConformanceArgs(PeriodArgs):
    entry = fields.String(load_default="wams_procedure", metadata={"description": "the entry process"})


class BottleneckSchema(Schema):
    process_id = fields.String(required=True)
    element_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(allow_none=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    waiting_hours_median = fields.Float(allow_none=True)
    waiting_hours_p90 = fields.Float(allow_none=True)
    completed_in_period = fields.Integer(required=True)
    handling_hours_median = fields.Float(allow_none=True)


class BottleneckListSchema(PeriodSchema):
    items = fields.List(fields.Nested(BottleneckSchema), required=True)


class HealthSchema(Schema):
    status = fields.String(required=True)
    database = fields.Dict(required=True)
    scheduler = fields.Dict(required=True)
