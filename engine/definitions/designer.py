"""Process definitions for people: list, validate and deploy an upload, download a version's BPMN,
read a start form. Who may: process designers deploy; the municipality's staff read (a party contact
or medical professional works from tasks and does not browse models)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..errors import NotFound
from ..roles import Role
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .analysis import BundleAnalysis
from .bundle import Bundle
from .cache import definition_cache
from .form_docs import form_document
from .models import DefinitionFile, ProcessDefinition
from .service import (
    Deployment,
    concurrent_deployment,
    deploy_checked,
    get_version,
    list_definitions,
    validate_bundle,
)

READERS = (
    Role.PROCESS_DESIGNER,
    Role.ADMIN,
    Role.MANAGER,
    Role.PRIVACY_OFFICER,
    Role.MELDPUNT,
    Role.ASSESSOR,
    Role.COORDINATOR,
)
DESIGNERS = (Role.PROCESS_DESIGNER,)


@dataclass
class ProcessVersions:
    process_id: str
    name: str
    latest_version: int
    versions: list[ProcessDefinition]


@dataclass
class UploadResult:
    deployments: list[Deployment]
    analysis: BundleAnalysis


@dataclass
class StartForm:
    process_id: str
    version: int
    form: dict[str, Any] | None


def list_processes(uow: UnitOfWork, actor: Actor) -> list[ProcessVersions]:
    actor.require(*READERS)
    with uow:
        rows = list_definitions(uow, actor.tenant_id)
    grouped: dict[str, list[ProcessDefinition]] = {}
    for row in rows:  # ordered by process id, newest version first
        grouped.setdefault(row.process_id, []).append(row)
    return [
        ProcessVersions(
            process_id=pid, name=versions[0].name, latest_version=versions[0].version, versions=versions
        )
        for pid, versions in grouped.items()
    ]


def _bundle(filename: str, data: bytes, max_upload_bytes: int, max_xml_bytes: int) -> Bundle:
    return Bundle.from_upload(filename, data, max_total_bytes=max_upload_bytes, max_file_bytes=max_xml_bytes)


def validate_upload(
    uow: UnitOfWork,
    actor: Actor,
    filename: str,
    data: bytes,
    *,
    max_upload_bytes: int,
    max_xml_bytes: int,
) -> BundleAnalysis:
    """Check an upload without deploying, against the municipality's role mapping; unreadable uploads
    raise `InvalidProcessModel`."""
    actor.require(*DESIGNERS)
    bundle = _bundle(filename, data, max_upload_bytes, max_xml_bytes)
    with uow:
        overrides = tenant_settings(uow, actor.tenant_id)
    return validate_bundle(bundle, max_xml_bytes=max_xml_bytes, tenant_settings=overrides)


def deploy_upload(
    uow: UnitOfWork, actor: Actor, filename: str, data: bytes, *, max_upload_bytes: int, max_xml_bytes: int
) -> UploadResult:
    """Validate an uploaded bundle and deploy each entry process as a new version (same content: the
    existing version). A single edited .bpmn file is completed with the forms, DMN and settings of the
    newest versions of the processes it defines, so a designer can upload just the diagram."""
    actor.require(*DESIGNERS)
    bundle = _bundle(filename, data, max_upload_bytes, max_xml_bytes)
    with uow:
        if len(bundle.files) == 1:
            bundle = bundle.with_missing_from(_companions(uow, actor.tenant_id, bundle))
        analysis, deployments = deploy_checked(
            uow, actor.tenant_id, bundle, actor.username, max_xml_bytes=max_xml_bytes
        )
        with concurrent_deployment():
            uow.commit()
    return UploadResult(deployments, analysis)


def _companions(uow: UnitOfWork, tenant_id: str, bundle: Bundle) -> Bundle:
    """Files of the newest deployed versions that share a file name with the upload."""
    [path] = bundle.files
    newest: dict[str, ProcessDefinition] = {}
    for row in list_definitions(uow, tenant_id):
        newest.setdefault(row.process_id, row)
    files: dict[str, bytes] = {}
    for definition in newest.values():
        paths = {f.path for f in definition.files}
        if path in paths:
            files.update({f.path: f.content.encode("utf-8") for f in definition.files if f.path != path})
    return Bundle(files)


def get_process_version(
    uow: UnitOfWork, actor: Actor, process_id: str, version: int | None
) -> ProcessDefinition:
    actor.require(*READERS)
    with uow:
        definition = get_version(uow, actor.tenant_id, process_id, version)
        definition.files  # noqa: B018 - load the file list before the session closes
        return definition


def bpmn_file(
    uow: UnitOfWork, actor: Actor, process_id: str, version: int, path: str | None = None
) -> tuple[str, str]:
    """(file name, XML) of a version's BPMN: the entry process's file, or another BPMN file of it."""
    actor.require(*READERS)
    with uow:
        definition = get_version(uow, actor.tenant_id, process_id, version)
        wanted = path or definition.summary.get("processes", {}).get(process_id, {}).get("file")
        content = uow.session.scalar(
            select(DefinitionFile.content).where(
                DefinitionFile.definition_id == definition.id,
                DefinitionFile.path == wanted,
                DefinitionFile.kind == "bpmn",
            )
        )
    if content is None:
        raise NotFound(f"version {version} of {process_id} has no BPMN file {wanted!r}")
    return str(wanted), content


def start_form(uow: UnitOfWork, actor: Actor, process_id: str) -> StartForm:
    """The form a procedure of `process_id` starts with (newest version), for those who may start one."""
    actor.require(Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.PROCESS_DESIGNER)
    with uow:
        row = get_version(uow, actor.tenant_id, process_id)
        loaded = definition_cache(uow).get(uow, row.id)
        form = loaded.start_form()
    return StartForm(process_id=process_id, version=row.version, form=form_document(form) if form else None)
