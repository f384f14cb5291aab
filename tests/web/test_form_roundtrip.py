"""Every answer the scenario tests give to the bundled forms can be given through the HTML form: render
the form with the answer filled in, read the controls back the way a browser submits them (checked
boxes and radios, selected options, text), parse the submission, and get the same JSON back."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import Babel
from lxml import html
from werkzeug.datastructures import MultiDict

from api.web.forms import build_fields, parse_submission, walk
from engine.forms import compile_form
from tests.scenarios import answers

REPO = Path(__file__).parent.parent.parent
FORMS = {p.stem: json.loads(p.read_text()) for p in sorted((REPO / "forms").glob("*.json"))}
ARGUMENTS = {
    "coordinator": ("coordinator.utrecht",),
    "onderzoek_opzet": ("wijkteam",),
    "casusoverleg": ("wijkteam",),
}
ARGUMENTS["aanpak"] = ("wijkteam",)


def _answers() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, factory in inspect.getmembers(answers, inspect.isfunction):
        if name.startswith("_") or factory.__module__ != answers.__name__:
            continue
        found.append((name, factory(*ARGUMENTS.get(name, ()))))
    return found


def _app() -> Flask:
    app = Flask(__name__, template_folder=str(REPO / "api" / "templates"))
    Babel(app)
    app.add_template_global(walk, "walk")
    app.add_template_global(lambda: "token", "csrf_token")
    return app


def _submitted(markup: str) -> MultiDict[str, str]:
    """What a browser sends for these controls (no JavaScript needed for filled-in forms)."""
    tree = html.fromstring(f"<form>{markup}</form>")
    pairs: list[tuple[str, str]] = []
    for control in tree.iter("input", "select", "textarea"):
        if control.getparent() is not None and any(a.tag == "template" for a in control.iterancestors()):
            continue  # the row template is inert until a row is added
        name = control.get("name")
        if not name:
            continue
        if control.tag == "select":
            chosen = [o.get("value") for o in control.iter("option") if o.get("selected") is not None]
            pairs.extend((name, v or "") for v in chosen[:1] or [""])
        elif control.tag == "textarea":
            pairs.append((name, control.text or ""))
        elif control.get("type") in ("radio", "checkbox"):
            if control.get("checked") is not None:
                pairs.append((name, control.get("value") or "on"))
        else:
            pairs.append((name, control.get("value") or ""))
    return MultiDict(pairs)


@pytest.mark.parametrize(("name", "data"), _answers(), ids=[n for n, _ in _answers()])
def test_answer_survives_the_html_form(name: str, data: dict[str, Any]) -> None:
    matching = [key for key, schema in FORMS.items() if not compile_form(key, schema).validate(data)]
    assert matching, f"no bundled form accepts the {name} answer"
    app = _app()
    for key in matching:
        schema = FORMS[key]
        users = {"coordinator": [("coordinator.utrecht", "Cor")]}
        with app.test_request_context():
            fields = build_fields(schema, data, users=users)
            markup = render_template_string(
                '{% from "web/_form.html" import form_fields with context %}{{ form_fields(fields) }}',
                fields=fields,
            )
        assert _unordered(parse_submission(schema, _submitted(markup))) == _unordered(data), key


def _unordered(value: Any) -> Any:
    """Checkboxes come back in the order of their options: a choice list is a set."""
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    if isinstance(value, list):
        return [_unordered(v) for v in value]
    return value
