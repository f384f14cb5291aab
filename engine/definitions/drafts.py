"""A draft against the current version, before publishing: what deploying it would change.

Two kinds of draft: one BPMN/DMN file edited in the browser's modeler (completed with the other files
of the newest version, as `editing.deploy_edit` would deploy it), and an upload (a bundle or one
file, as `designer.deploy_upload` would deploy it). Either is compared with the newest deployed
version of the process by `changes.diff_files`: elements added, removed, renamed and changed
(form, role, due date, legal ground, …), forms and settings."""

from __future__ import annotations

from ..access import Actor
from ..errors import InvalidProcessModel
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .bundle import Bundle
from .changes import VersionChanges, diff_files
from .designer import DESIGNERS, _companions
from .editing import _edited
from .models import ProcessDefinition
from .service import get_version, validate_bundle


def _text(files: dict[str, bytes]) -> dict[str, str]:
    return {path: content.decode("utf-8", errors="replace") for path, content in files.items()}


def _against(newest: ProcessDefinition, draft: dict[str, str]) -> VersionChanges:
    current = {f.path: f.content for f in newest.files}
    return diff_files(current, draft, version=newest.version + 1, previous=newest.version)


def edit_changes(uow: UnitOfWork, actor: Actor, process_id: str, path: str, content: str) -> VersionChanges:
    """What deploying the modeler's edited file would change against the newest version."""
    actor.require(*DESIGNERS)
    with uow:
        bundle = _edited(uow, actor, process_id, path, content)
        newest = get_version(uow, actor.tenant_id, process_id)
        return _against(newest, _text(bundle.files))


def upload_changes(
    uow: UnitOfWork,
    actor: Actor,
    process_id: str,
    filename: str,
    data: bytes,
    *,
    max_upload_bytes: int,
    max_xml_bytes: int,
) -> VersionChanges:
    """What deploying an upload would change to `process_id`: the process's own files in the upload
    (its closure, when the upload is valid enough to tell) against its newest version."""
    actor.require(*DESIGNERS)
    limits = {"max_total_bytes": max_upload_bytes, "max_file_bytes": max_xml_bytes}
    bundle = Bundle.from_upload(filename, data, **limits)
    with uow:
        newest = get_version(uow, actor.tenant_id, process_id)
        if len(bundle.files) == 1:
            bundle = bundle.with_missing_from(_companions(uow, actor.tenant_id, bundle))
        overrides = tenant_settings(uow, actor.tenant_id)
        analysis = validate_bundle(bundle, max_xml_bytes=max_xml_bytes, tenant_settings=overrides)
        entry = analysis.entries.get(process_id)
        if entry is None and not any(p.endswith(".bpmn") for p in bundle.files):
            raise InvalidProcessModel("the upload holds no process model", analysis.errors)
        files = entry.files if entry is not None else bundle.files
        return _against(newest, _text(files))
