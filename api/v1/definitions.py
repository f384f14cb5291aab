"""Process definitions: list per municipality with versions, upload → validate → deploy, download BPMN."""

from __future__ import annotations

import re
from typing import Any

from flask import Response
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields
from werkzeug.datastructures import FileStorage

from engine.definitions import designer, role_mapping
from engine.definitions.analysis import BundleAnalysis

from ..auth import current_actor
from ..schemas.definitions import (
    BpmnArgs,
    DefinitionDetailSchema,
    DeployResultSchema,
    ProcessDefinitionSchema,
    StartFormSchema,
    ValidationResultSchema,
)
from .common import errors, svc, uow

blp = Blueprint(
    "process_definitions", __name__, description="Process definitions (BPMN bundles) and versions"
)


class UploadArgs(Schema):
    file = Upload(required=True, metadata={"description": "a .zip bundle, or one .bpmn or .dmn file"})


class RoleMappingSchema(Schema):
    mapping = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "foreign group name (candidateGroups, lane) → role key or Dutch role name",
            "example": {"accounting": "assessor", "sachbearbeiter": "Beoordelaar"},
        },
    )


def _read(upload: FileStorage) -> tuple[str, bytes]:
    return upload.filename or "upload.zip", upload.read()


def _limits() -> dict[str, int]:
    settings = svc().settings
    return {"max_upload_bytes": settings.max_upload_bytes, "max_xml_bytes": settings.max_xml_bytes}


def _entries(analysis: BundleAnalysis) -> list[dict[str, Any]]:
    return [
        {
            "process_id": e.process_id,
            "name": e.name,
            "files": sorted(e.files),
            "user_tasks": sum(len(p["user_tasks"]) for p in e.summary["processes"].values()),
        }
        for e in analysis.entries.values()
    ]


@blp.route("/process-definitions", methods=["GET"])
@blp.response(200, ProcessDefinitionSchema(many=True))
@errors(blp, 403)
def list_definitions() -> Any:
    """Deployed processes of your municipality, each with its versions (newest first)."""
    return designer.list_processes(uow(readonly=True), current_actor())


@blp.route("/process-definitions", methods=["POST"])
@blp.arguments(UploadArgs(), location="files")
@blp.response(201, DeployResultSchema)
@errors(blp, 403, 409, 413, 422)
def deploy(files: dict[str, Any]) -> Any:
    """Upload a bundle, validate it and deploy each entry process as a new version (process designer).
    Validation errors answer 422 with `issues`: a list of {file, element, line, message, hint}."""
    filename, data = _read(files["file"])
    result = designer.deploy_upload(uow(), current_actor(), filename, data, **_limits())
    return {
        "deployments": [
            {
                "id": d.definition.id,
                "process_id": d.definition.process_id,
                "version": d.definition.version,
                "created": d.created,
            }
            for d in result.deployments
        ],
        "warnings": [i.as_dict() for i in result.analysis.issues if i.severity != "error"],
    }


@blp.route("/process-definitions/validate", methods=["POST"])
@blp.arguments(UploadArgs(), location="files")
@blp.response(200, ValidationResultSchema)
@errors(blp, 403, 413, 422)
def validate(files: dict[str, Any]) -> Any:
    """Validate an upload without deploying it (process designer); issues are listed, not raised."""
    filename, data = _read(files["file"])
    analysis = designer.validate_upload(uow(readonly=True), current_actor(), filename, data, **_limits())
    return {
        "ok": analysis.ok,
        "issues": [i.as_dict() for i in analysis.issues],
        "entries": _entries(analysis),
    }


@blp.route("/process-definitions/<string:process_id>/versions/<int(max=2147483647):version>", methods=["GET"])
@blp.response(200, DefinitionDetailSchema)
@errors(blp, 403, 404)
def version_detail(process_id: str, version: int) -> Any:
    """One version: its files, user tasks, settings and legal grounds."""
    return designer.get_process_version(uow(readonly=True), current_actor(), process_id, version)


@blp.route(
    "/process-definitions/<string:process_id>/versions/<int(max=2147483647):version>/bpmn", methods=["GET"]
)
@blp.arguments(BpmnArgs(), location="query")
@blp.response(200, {"type": "string"}, content_type="application/xml", description="BPMN 2.0 XML")
@errors(blp, 403, 404)
def download_bpmn(args: dict[str, Any], process_id: str, version: int) -> Any:
    """Download a version's BPMN XML (the entry process's file, or `?file=` another BPMN file of it)."""
    name, xml = designer.bpmn_file(uow(readonly=True), current_actor(), process_id, version, args.get("file"))
    response = Response(xml, mimetype="application/xml")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name.rsplit("/", 1)[-1])
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


@blp.route("/process-definitions/<string:process_id>/start-form", methods=["GET"])
@blp.response(200, StartFormSchema)
@errors(blp, 403, 404)
def start_form(process_id: str) -> Any:
    """The form a new procedure of this process starts with (the melding), newest version."""
    return designer.start_form(uow(readonly=True), current_actor(), process_id)


@blp.route("/role-mapping", methods=["GET"])
@blp.response(200, RoleMappingSchema)
@errors(blp, 403)
def get_role_mapping() -> Any:
    """Your municipality's mapping of foreign candidate groups to its roles (docs/modelling.md, Roles)."""
    return {"mapping": role_mapping.role_mapping(uow(readonly=True), current_actor())}


@blp.route("/role-mapping", methods=["PUT"])
@blp.arguments(RoleMappingSchema)
@blp.response(200, RoleMappingSchema)
@errors(blp, 403, 422)
def put_role_mapping(body: dict[str, Any]) -> Any:
    """Replace the mapping (administrator or process designer). Deploys check groups against it, and
    tasks that open from now on get the mapped role; an unknown role is 422 naming the group."""
    return {"mapping": role_mapping.set_role_mapping(uow(), current_actor(), body["mapping"])}
