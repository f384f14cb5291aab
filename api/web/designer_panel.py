"""The designer's properties panel: the page's configuration (catalogues, element templates and the
panel's words in the reader's language) and the preview of a form as a worker will see it."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, url_for
from flask_babel import gettext

from engine.definitions import designer as definitions
from engine.definitions.models import ProcessDefinition
from engine.definitions.panel import designer_catalogue, element_templates, version_form

from . import bp, common
from .forms import build_fields


def panel_labels() -> dict[str, Any]:
    """The Wams group's labels, and the modeler's own strings (properties panel, template chooser, bpmnlint;
    English → shown text)."""
    return {
        "group": gettext("Wams procedure"),
        "role": gettext("Role"),
        "roleHelp": gettext("Who does this task; without a choice the lane decides."),
        "roleFromLane": gettext("From the lane"),
        "ownGroup": gettext("own group (mapped by the municipality)"),
        "form": gettext("Form"),
        "formHelp": gettext("The form the worker fills in (forms/ of this version)."),
        "formMissing": gettext("not in this version"),
        "preview": gettext("Preview the form"),
        "due": gettext("Due date"),
        "dueHelp": gettext("A period from opening (P14D), a date-time, or config:<setting>."),
        "dueSettingValue": gettext("Now: %(value)s.", value="{value}"),
        "dueInvalid": gettext("Not a period (P14D), a date-time or config:<setting>."),
        "dueUnknownSetting": gettext("The settings have no %(key)s.", key="{key}"),
        "legalGround": gettext("Legal ground"),
        "legalGroundHelp": gettext("The article this step carries out (legal-grounds.yaml)."),
        "groundMissing": gettext("not in legal-grounds.yaml"),
        "article": gettext("art."),
        "phase": gettext("Phase"),
        "party": gettext("Party variable"),
        "partyHelp": gettext("The variable holding the party code this task is for."),
        "subject": gettext("Subject variable"),
        "subjectHelp": gettext("The variable holding the household member this task is about."),
        "aboutParty": gettext("About party (variable)"),
        "aboutPartyHelp": gettext(
            "The variable holding the party this municipal task is about (e.g. the coordinator's "
            "request to one party): the inbox names it; who sees and does the task stays the same."
        ),
        "purpose": gettext("Purpose"),
        "purposeHelp": gettext("Recorded with the facts this task records."),
        "purposeVariable": gettext("Purpose variable"),
        "monitor": gettext("Monitoring keys"),
        "monitorHelp": gettext("indicator=variable pairs, separated by commas."),
        "monitorInvalid": gettext("Write indicator=variable: %(pair)s", pair="{pair}"),
        "variableInvalid": gettext("A variable name: letters, digits and _."),
        "continueAs": gettext("Continue as"),
        "continueAsHelp": gettext(
            "When the process ends here, the procedure continues in a new instance of this process."
        ),
        "none": gettext("(none)"),
        "panelStrings": {
            "General": gettext("General"),
            "Name": gettext("Name"),
            "ID": "ID",
            "Documentation": gettext("Documentation"),
            "Element documentation": gettext("Element documentation"),
            "Template": gettext("Template"),
            "Select": gettext("Select"),
            "Unlink": gettext("Unlink"),
            "Remove": gettext("Remove"),
            "Custom properties": gettext("Template properties"),
            "Process": gettext("Process"),
            "Executable": gettext("Executable"),
            "Search in templates": gettext("Search in templates"),
            "Select a template": gettext("Select a template"),
            "Choose element template": gettext("Select a template"),
            "Extension properties": gettext("Extension properties"),
            # bpmnlint's button and the messages of its recommended rules.
            "No Issues": gettext("No Issues"),
            "{errors} Errors, {warnings} Warnings": gettext("{errors} Errors, {warnings} Warnings"),
            "Toggle linting overlays": gettext("Toggle linting overlays"),
            "Issues for child elements": gettext("Issues for child elements"),
            "Element is missing label/name": gettext("Element is missing label/name"),
            "Element is missing name": gettext("Element is missing name"),
            "Element is not connected": gettext("Element is not connected"),
            "Element overlaps with other element": gettext("Element overlaps with other element"),
            "Element is outside of parent boundary": gettext("Element is outside of parent boundary"),
            "Element is an implicit end": gettext("Element is an implicit end"),
            "Element is an implicit start": gettext("Element is an implicit start"),
            "Flow splits implicitly": gettext("Flow splits implicitly"),
            "Gateway forks and joins": gettext("Gateway forks and joins"),
            "Gateway is superfluous. It only has one source and target.": gettext(
                "Gateway is superfluous. It only has one source and target."
            ),
            "Incoming flows do not join": gettext("Incoming flows do not join"),
            "Sequence flow is missing condition": gettext("Sequence flow is missing condition"),
            "Sequence flow has superfluous label": gettext("Sequence flow has superfluous label"),
            "Duplicate outgoing sequence flows": gettext("Duplicate outgoing sequence flows"),
            "Duplicate incoming sequence flows": gettext("Duplicate incoming sequence flows"),
            "Start event must be blank": gettext("Start event must be blank"),
            "Termination is superfluous.": gettext("Termination is superfluous."),
        },
    }


def panel_config(definition: ProcessDefinition, process_id: str) -> dict[str, Any]:
    return {
        "catalogue": designer_catalogue(common.uow(readonly=True), common.actor(), definition),
        "templates": element_templates(common.svc().settings.workflows_path),
        "labels": panel_labels(),
        "previewUrl": url_for("web.designer_form_preview", process_id=process_id, key="__key__"),
    }


@bp.get("/designer/<string:process_id>/forms/<string:key>/preview")
def designer_form_preview(process_id: str, key: str) -> Any:
    """The form of the newest version as the worker's task page renders it (an HTML fragment)."""
    definition = definitions.get_process_version(common.uow(readonly=True), common.actor(), process_id, None)
    schema = version_form(definition, key)
    if schema is None:
        abort(404)
    return render_template("web/_form_preview.html", form=schema, fields=build_fields(schema, {}))
