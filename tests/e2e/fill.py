"""Fill a task or melding form in the browser from an answers dict (tests/scenarios/answers.py), the
way a person would: type into text fields, tick radios and checkboxes, choose from selects, and add
rows with the form's own add-row button.

Controls are found by their `name`, which is the answer's path (api/web/forms.py): `client.naam`,
`gezinsleden.0.naam`, a radio or checkbox by its value (`true`/`false` for yes/no questions)."""

from __future__ import annotations

from typing import Any


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def fill_form(page: Any, answers: dict[str, Any], *, prefix: str = "", scope: str = "main form.wams") -> None:
    form = page.locator(scope).first
    for key, value in answers.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            fill_form(page, value, prefix=path, scope=scope)
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value) and value:
            _fill_rows(page, form, path, value, scope)
        elif isinstance(value, list):
            boxes = form.locator(f"input[type=checkbox][name='{path}']")
            for box in boxes.all():
                box.set_checked(box.get_attribute("value") in [_text(v) for v in value])
        else:
            _fill_one(form, path, value)


def _fill_rows(page: Any, form: Any, path: str, rows: list[dict[str, Any]], scope: str) -> None:
    fieldset = form.locator(f"fieldset[data-rows='{path}']")
    present = fieldset.locator(".row-list > [data-row]").count()
    for _ in range(present, len(rows)):
        fieldset.locator("[data-add-row]").last.click()
    for index, row in enumerate(rows):
        fill_form(page, row, prefix=f"{path}.{index}", scope=scope)


def _fill_one(form: Any, path: str, value: Any) -> None:
    control = form.locator(f"[name='{path}']:not([type=hidden])")
    assert control.count(), f"no control named {path!r} on the page"
    first = control.first
    tag = first.evaluate("e => e.tagName.toLowerCase()")
    kind = (first.get_attribute("type") or "").lower()
    if tag == "select":
        first.select_option(_text(value))
    elif kind == "radio":
        form.locator(f"input[type=radio][name='{path}'][value='{_text(value)}']").check()
    elif kind == "checkbox":  # one confirmation box (`const: true`)
        first.set_checked(value is True)
    else:
        first.fill(_text(value))
