"""Forms are closed by default, and their conditions (if/then, not, allOf) still apply."""

from __future__ import annotations

from engine.forms import compile_form

CONDITIONAL = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "besluit": {"type": "string", "enum": ["ja", "nee"]},
        "motivering": {"type": "string"},
        "verwijzing": {"type": "string"},
        "melder": {
            "type": "object",
            "properties": {"naam": {"type": "string"}, "organisatie": {"type": "string"}},
        },
    },
    "required": ["besluit", "motivering"],
    "allOf": [
        {
            "if": {"properties": {"besluit": {"const": "nee"}}, "required": ["besluit"]},
            "then": {"required": ["verwijzing", "melder"], "properties": {"melder": {"required": ["naam"]}}},
        },
        {"if": {"properties": {"besluit": {"const": "ja"}}}, "then": {"not": {"required": ["verwijzing"]}}},
    ],
}


def _errors(data):
    return [(e.field, e.code) for e in compile_form("besluit", CONDITIONAL).validate(data)]


def test_a_condition_applies_although_the_submission_has_other_fields():
    assert _errors({"besluit": "nee", "motivering": "eenmalig"}) == [
        ("melder", "required"),
        ("verwijzing", "required"),
    ]
    assert _errors({"besluit": "nee", "motivering": "x", "verwijzing": "huisarts", "melder": {}}) == [
        ("melder.naam", "required")
    ]
    # A `not: {required: [verwijzing]}` lands on the field that must stay empty, not on the form.
    assert _errors({"besluit": "ja", "motivering": "x", "verwijzing": "huisarts"}) == [
        ("verwijzing", "must_be_empty")
    ]


def test_a_condition_that_holds_does_not_refuse_the_other_fields():
    data = {
        "besluit": "nee",
        "motivering": "x",
        "verwijzing": "huisarts",
        "melder": {"naam": "A", "organisatie": "B"},
    }
    assert _errors(data) == []
    assert _errors({"besluit": "ja", "motivering": "x"}) == []


def test_the_form_and_its_objects_stay_closed():
    assert _errors({"besluit": "ja", "motivering": "x", "extra": 1}) == [("extra", "unknown_field")]
    data = {"besluit": "nee", "motivering": "x", "verwijzing": "w", "melder": {"naam": "A", "bsn": "1"}}
    assert _errors(data) == [("melder.bsn", "unknown_field")]
