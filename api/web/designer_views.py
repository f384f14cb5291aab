"""The designer: deployed processes and their versions with what changed, the BPMN modeler and the DMN
editor on the newest version, server-side validation pinned to elements, deploy as a new version."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request, url_for

from engine.definitions import designer as definitions
from engine.definitions.changes import version_history
from engine.definitions.editing import deploy_edit, validate_edit
from engine.errors import InvalidProcessModel, ModelIssue
from engine.roles import Role

from ..auth import current_actor
from ..model_issues import issue_dicts
from . import bp, common
from .designer_panel import panel_config
from .vendor import designer_only, vendor_available

# The designer and the modeler: for process designers and administrators only (other roles read the
# deployed definitions through the API where the engine allows it, never in the modeler).
DESIGNER_ROLES = (Role.PROCESS_DESIGNER, Role.ADMIN)
# The designer's own script (api/static) besides the modelers from node_modules (api.web.vendor).
DESIGNER_STATIC = frozenset({"js/designer.js", "js/designer-changes.js", "js/lint-entry.js"})


@bp.before_request
def _designers_only() -> None:
    # Runs after the login check of the web blueprint: a refused role gets the 403 page (and a
    # security event), a JSON call (validate, deploy) a JSON 403.
    if (request.endpoint or "").startswith("web.designer"):
        current_actor().require(*DESIGNER_ROLES)


@bp.before_app_request
def _designer_assets() -> None:
    """The designer's scripts and styles are answered 401/403 like any protected route."""
    args = request.view_args or {}
    if request.endpoint == "static":
        guarded = args.get("filename") in DESIGNER_STATIC
    elif request.endpoint == "vendor.vendor_file":
        guarded = designer_only(str(args.get("package")), str(args.get("path")))
    else:
        return
    if guarded:
        current_actor().require(*DESIGNER_ROLES)


@bp.get("/designer")
def designer() -> Any:
    processes = definitions.list_processes(common.uow(readonly=True), common.actor())
    return render_template("web/designer.html", processes=processes)


@bp.get("/designer/<string:process_id>")
def designer_process(process_id: str) -> Any:
    history = version_history(common.uow(readonly=True), common.actor(), process_id)
    if not history:
        abort(404)
    newest = history[0].definition
    diagrams = [f.path for f in newest.files if f.path.endswith((".bpmn", ".dmn"))]
    return render_template(
        "web/designer_process.html",
        process_id=process_id,
        history=history,
        newest=newest,
        diagrams=diagrams,
        deployed=request.args.get("deployed", type=int),
    )


@bp.get("/designer/<string:process_id>/edit")
def designer_edit(process_id: str) -> Any:
    definition = definitions.get_process_version(common.uow(readonly=True), common.actor(), process_id, None)
    paths = [f.path for f in definition.files if f.path.endswith((".bpmn", ".dmn"))]
    main = (definition.summary or {}).get("processes", {}).get(process_id, {}).get("file")
    path = request.args.get("file") or main or (paths[0] if paths else "")
    if path not in paths:
        abort(404)
    return render_template(
        "web/designer_edit.html",
        definition=definition,
        process_id=process_id,
        path=path,
        paths=paths,
        kind="dmn" if path.endswith(".dmn") else "bpmn",
        file_url=url_for("web.designer_file", process_id=process_id, version=definition.version, path=path),
        lint=vendor_available(".wams", "bpmnlint.js"),
        panel=panel_config(definition, process_id) if path.endswith(".bpmn") else {},
    )


@bp.get("/designer/<string:process_id>/versions/<int:version>/files/<path:path>")
def designer_file(process_id: str, version: int, path: str) -> Any:
    definition = definitions.get_process_version(
        common.uow(readonly=True), common.actor(), process_id, version
    )
    for file in definition.files:
        if file.path == path:
            response = Response(
                file.content, mimetype="application/xml" if file.kind != "form" else "application/json"
            )
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response
    abort(404)


def _edit_args() -> tuple[str, str]:
    body = request.get_json(silent=True) or {}
    path, xml = body.get("file"), body.get("xml")
    if not isinstance(path, str) or not isinstance(xml, str):
        raise InvalidProcessModel(
            "send the file name and the XML",
            [ModelIssue(file="(request)", message="file and xml are required")],
        )
    return path, xml


def _issues(issues: list[ModelIssue]) -> list[dict[str, Any]]:
    return issue_dicts(issues)  # in the reader's language (Dutch by default)


@bp.post("/designer/<string:process_id>/validate")
def designer_validate(process_id: str) -> Any:
    path, xml = _edit_args()
    limit = common.svc().settings.max_xml_bytes
    try:
        analysis = validate_edit(
            common.uow(readonly=True), common.actor(), process_id, path, xml, max_xml_bytes=limit
        )
    except InvalidProcessModel as error:
        return jsonify({"ok": False, "issues": _issues(error.issues)}), 422
    return jsonify({"ok": analysis.ok, "issues": _issues(analysis.issues)})


@bp.post("/designer/<string:process_id>/deploy")
def designer_deploy(process_id: str) -> Any:
    path, xml = _edit_args()
    limit = common.svc().settings.max_xml_bytes
    try:
        result = deploy_edit(common.uow(), common.actor(), process_id, path, xml, max_xml_bytes=limit)
    except InvalidProcessModel as error:
        return jsonify({"ok": False, "issues": _issues(error.issues)}), 422
    deployed = next((d for d in result.deployments if d.definition.process_id == process_id), None)
    version = deployed.definition.version if deployed else None
    return jsonify(
        {
            "ok": True,
            "version": version,
            "created": bool(deployed and deployed.created),
            "issues": _issues(result.analysis.issues),
            "next": url_for("web.designer_process", process_id=process_id, deployed=version),
        }
    )
