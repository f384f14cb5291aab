"""Form errors as a worker reads them: every JSON Schema keyword the bundled forms use has a Dutch
sentence (never the validator's English), each error sits at the field to fix (not its group), and the
error summary follows the form's order."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from api.field_messages import MESSAGES
from api.web.form_errors import placed_errors
from engine.errors import FieldError, InvalidForm
from engine.forms import compile_form
from engine.roles import Role
from tests.web.conftest import Browser

FORMS = Path(__file__).parent.parent.parent / "forms"
# Keywords that only describe or combine (their errors come from the keywords inside them).
STRUCTURAL = {
    "$schema", "$id", "title", "description", "properties", "type", "items", "allOf", "if", "then",
    "else", "additionalProperties", "x-ui", "x-fact", "x-subject", "category", "subject", "domain",
    "widget", "order", "role", "placeholder",
}  # fmt: skip


def _keywords(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key == "properties":
                for child in value.values():
                    _keywords(child, found)
            else:
                _keywords(value, found)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, found)
    return found


def _schemas() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(FORMS.glob("*.json"))}


def test_every_keyword_the_forms_use_has_a_message() -> None:
    used: set[str] = set()
    for schema in _schemas().values():
        _keywords(schema, used)
    # `format` errors carry the format in their code; every format the forms use has its own sentence.
    text = "".join(path.read_text(encoding="utf-8") for path in FORMS.glob("*.json"))
    formats = {f"format_{name}" for name in re.findall(r'"format":\s*"([^"]+)"', text)}
    assert formats and used > {"required", "not", "const", "maxLength"}
    missing = sorted(k for k in (used - STRUCTURAL - {"format"}) | formats if k not in MESSAGES)
    assert missing == []


def _dutch(app, error: InvalidForm, schema: dict[str, Any]) -> dict[str, list[str]]:
    with app.test_request_context("/?lang=nl"):
        return placed_errors(error, schema)


def test_conditional_keywords_land_on_their_fields_in_dutch(app) -> None:
    schema = _schemas()["medische_afweging"]
    form = compile_form("medische_afweging", schema)
    # Sharing needs a ground: "geen" is refused at the ground (a `not: {const: geen}` in a `then`).
    shared = _dutch(app, InvalidForm("x", form.validate({"besluit": "delen", "grond": "geen"})), schema)
    assert shared["grond"] == ["Deze keuze past niet bij uw andere antwoorden."]
    # Not sharing: what was filled in anyway is refused at those fields (`not: {anyOf: [{required}]}`).
    kept = _dutch(
        app,
        InvalidForm(
            "x", form.validate({"besluit": "niet_delen", "grond": "geen", "informatie_algemeen": "x"})
        ),
        schema,
    )
    assert kept["informatie_algemeen"] == ["Laat dit veld leeg bij de antwoorden die u gaf."]
    assert "" not in kept
    every = [m for messages in [*shared.values(), *kept.values()] for m in messages]
    assert not [m for m in every if "valid" in m or "should" in m or "{" in m]


def test_bounds_are_named_and_minlength_one_means_required(app) -> None:
    schema = _schemas()["melding"]
    long = compile_form("melding", schema).validate(
        {"ingang": "client_verzoek", "client": {"naam": "x" * 300}, "aanleiding": "x", "gezinsleden": []}
    )
    placed = _dutch(app, InvalidForm("x", long), schema)
    assert placed == {"client.naam": ["Deze tekst is te lang: hoogstens 200 tekens."]}
    empty = FieldError("coordinator", "should be non-empty", "minLength", limit=1)
    assert _dutch(app, InvalidForm("x", [empty]), {}) == {"coordinator": ["Dit veld is verplicht."]}


def test_refused_melding_names_fields_in_form_order(browser: Browser) -> None:
    browser.login(Role.MELDPUNT)
    refused = browser.post(
        "/procedures/new",
        [("process_id", "wams_procedure"), ("aanleiding", "x" * 4001), ("__array", "gezinsleden")],
    )
    assert refused.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</ul>', refused.text, re.S)
    assert summary
    links = re.findall(r'<a href="#(f-[^"]+)">([^<]+)</a>: ([^<]+)</li>', summary.group(0))
    # ingang, then the client's name (the field, not the group "Cliënt"), then aanleiding.
    assert [link[0] for link in links] == ["f-ingang", "f-client-naam", "f-aanleiding"]
    assert links[1][2] == "Dit veld is verplicht."
    assert links[2][2] == "Deze tekst is te lang: hoogstens 4000 tekens."
    assert re.search(r'id="f-client-naam-error">.*?Dit veld is verplicht', refused.text, re.S)
    assert 'id="f-client-error"' not in refused.text
