"""A model issue as the pages show it: message and hint in the reader's language.

The engine writes an issue's message in English and, for the issues it words as a template
(`ModelIssue.of`), keeps the template and its values; here the template is looked up in the Flask-Babel
catalogue (api/translations) and filled in. Values whose name ends in `_words` are words of the
message (e.g. "exclusive split") and are translated too; the others are ids and names, kept as they
are. An issue without a template, or a template the catalogue lacks, is shown in English.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from engine.errors import ModelIssue


def issue_dict(issue: ModelIssue) -> dict[str, Any]:
    shown = issue.as_dict()
    if issue.template is None:
        return shown
    values = {key: gettext(value) if key.endswith("_words") else value for key, value in issue.params}
    shown["message"] = gettext(issue.template) % values
    if issue.hint_template:
        shown["hint"] = gettext(issue.hint_template) % values
    return shown


def issue_dicts(issues: list[ModelIssue]) -> list[dict[str, Any]]:
    return [issue_dict(i) for i in issues]
