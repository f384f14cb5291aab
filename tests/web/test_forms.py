"""The JSON Schema form renderer and the reading of posted forms (no browser, no database)."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from werkzeug.datastructures import MultiDict

from api.web.forms import build_fields, kind_of, parse_submission, walk
from engine.forms import compile_form

FORMS = Path(__file__).parent.parent.parent / "forms"

SCHEMA = {
    "type": "object",
    "x-ui": {"order": ["b", "a"]},
    "required": ["a"],
    "properties": {
        "a": {"type": "string", "title": "A", "description": "Waarom A", "x-ui": {"placeholder": "bijv."}},
        "b": {"type": "integer", "title": "B"},
        "c": {"type": "boolean", "title": "C"},
        "ok": {"type": "boolean", "const": True, "title": "Akkoord"},
        "keuze": {"type": "string", "oneOf": [{"const": "x", "title": "Iks"}, {"const": "y", "title": "Ei"}]},
        "veel": {"type": "string", "enum": ["1", "2", "3", "4", "5"]},
        "tags": {
            "type": "array",
            "items": {"type": "string", "enum": ["p", "q"]},
            "x-ui": {"widget": "checkboxes"},
        },
        "tekst": {"type": "string", "x-ui": {"widget": "textarea"}},
        "dag": {"type": "string", "format": "date"},
        "moment": {"type": "string", "format": "date-time"},
        "wie": {"type": "string", "x-ui": {"widget": "user", "role": "coordinator"}},
        "adres": {"type": "object", "properties": {"straat": {"type": "string"}, "nr": {"type": "number"}}},
        "leden": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["naam"],
                "properties": {"naam": {"type": "string", "x-fact": {}}},
            },
        },
    },
}


def _app() -> Flask:
    app = Flask(__name__)
    from flask_babel import Babel

    Babel(app)
    return app


def test_kinds_follow_schema_and_hints() -> None:
    props = SCHEMA["properties"]
    assert [kind_of(props[k]) for k in props] == [
        "text", "integer", "radio", "confirm", "radio", "select", "checkboxes",
        "textarea", "date", "datetime", "user", "object", "rows",
    ]  # fmt: skip


def test_field_tree_order_values_errors_and_users() -> None:
    with _app().test_request_context():
        fields = build_fields(
            SCHEMA,
            {"a": "hallo", "leden": [{"naam": "Tom"}, {}], "moment": "2026-03-01T09:30:00Z"},
            {"leden.1.naam": ["Verplicht."]},
            {"coordinator": [("cor", "Cor (cor)")]},
        )
    by_path = {f.path: f for f in walk(fields)}
    assert [f.name for f in fields][:2] == ["b", "a"]  # x-ui.order first
    assert by_path["a"].required and by_path["a"].text == "hallo" and by_path["a"].placeholder == "bijv."
    assert by_path["c"].options == [("true", "Yes"), ("false", "No")]
    assert by_path["wie"].kind == "user" and by_path["wie"].options == [("cor", "Cor (cor)")]
    assert by_path["leden.1.naam"].errors == ["Verplicht."] and by_path["leden.1.naam"].id == "f-leden-1-naam"
    assert by_path["leden.0.naam"].personal and by_path["leden.0.naam"].text == "Tom"
    assert by_path["leden"].has_errors and by_path["leden"].template.path == "leden.__index__"
    assert by_path["moment"].text == "2026-03-01T10:30"  # shown in municipal time
    with _app().test_request_context():
        no_users = build_fields(SCHEMA, {})
    assert {f.path: f for f in no_users}["wie"].kind == "text"  # may not list people: type a username


def test_posted_form_becomes_json_for_the_schema() -> None:
    posted = MultiDict(
        [
            ("a", "  hallo "),
            ("b", "12"),
            ("c", "false"),
            ("ok", "true"),
            ("keuze", "y"),
            ("tags", "q"),
            ("__array", "tags"),
            ("tekst", "regel 1\r\nregel 2"),
            ("dag", ""),
            ("moment", "2026-03-01T10:30"),
            ("adres.straat", ""),
            ("adres.nr", "7,5"),
            ("__array", "leden"),
            ("leden.0.naam", "Tom"),
            ("leden.3.naam", ""),  # an empty row added and left empty: dropped
            ("leden.5.naam", "Eva"),
            ("onbekend", "x"),  # not in the schema: ignored, never sent on
        ]
    )
    assert parse_submission(SCHEMA, posted) == {
        "a": "  hallo ",
        "b": 12,
        "c": False,
        "ok": True,
        "keuze": "y",
        "tags": ["q"],
        "tekst": "regel 1\nregel 2",
        "moment": "2026-03-01T09:30:00Z",
        "adres": {"nr": 7.5},
        "leden": [{"naam": "Tom"}, {"naam": "Eva"}],
    }


def test_empty_and_unparsable_input() -> None:
    assert parse_submission(SCHEMA, MultiDict()) == {}
    # An array that was on the page but left empty is [] (the client chose nothing), not missing.
    assert parse_submission(SCHEMA, MultiDict([("__array", "tags"), ("__array", "leden")])) == {
        "tags": [],
        "leden": [],
    }
    # Text that is not a number stays text, so the server's type error shows it again as typed.
    assert parse_submission(SCHEMA, MultiDict([("b", "twaalf"), ("a", "a\x00b")])) == {
        "b": "twaalf",
        "a": "ab",
    }


def test_every_bundled_form_renders() -> None:
    """Each form of the bundle compiles and renders, every field with a (Dutch) label."""
    for path in sorted(FORMS.glob("*.json")):
        schema = json.loads(path.read_text())
        compile_form(path.stem, schema)
        with _app().test_request_context():
            fields = build_fields(schema, {})
        assert fields, path.name
        assert all(f.label for f in walk(fields)), path.name
