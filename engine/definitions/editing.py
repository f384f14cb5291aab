"""Editing a deployed process in the browser: one BPMN or DMN file changed in the modeler, completed with
the other files of the newest version (forms, other diagrams, decisions, settings), validated or
deployed as the next version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from ..access import Actor
from ..errors import InvalidProcessModel, ModelIssue
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .analysis import BundleAnalysis
from .bundle import Bundle
from .designer import DESIGNERS
from .service import (
    Deployment,
    concurrent_deployment,
    definition_bundle,
    deploy_checked,
    get_version,
    validate_bundle,
)

EDITABLE = (".bpmn", ".dmn")


@dataclass
class EditResult:
    analysis: BundleAnalysis
    deployments: list[Deployment]


def _edited(uow: UnitOfWork, actor: Actor, process_id: str, path: str, content: str) -> Bundle:
    newest = get_version(uow, actor.tenant_id, process_id)
    current = definition_bundle(newest)
    if path not in current.files or PurePosixPath(path).suffix not in EDITABLE:
        raise InvalidProcessModel(
            "not a diagram of this process",
            [ModelIssue(file=path, message=f"{path!r} is not a BPMN or DMN file of {process_id}")],
        )
    return Bundle({path: content.encode("utf-8")}).with_missing_from(current)


def validate_edit(
    uow: UnitOfWork, actor: Actor, process_id: str, path: str, content: str, *, max_xml_bytes: int
) -> BundleAnalysis:
    """Check the edited file together with the rest of the newest version; issues are returned."""
    actor.require(*DESIGNERS)
    with uow:
        bundle = _edited(uow, actor, process_id, path, content)
        overrides = tenant_settings(uow, actor.tenant_id)
    return validate_bundle(bundle, max_xml_bytes=max_xml_bytes, tenant_settings=overrides)


def deploy_edit(
    uow: UnitOfWork, actor: Actor, process_id: str, path: str, content: str, *, max_xml_bytes: int
) -> EditResult:
    """Deploy the edited version (same content as an existing version: that version). Raises
    `InvalidProcessModel` with the issues when it is not deployable."""
    actor.require(*DESIGNERS)
    with uow:
        bundle = _edited(uow, actor, process_id, path, content)
        analysis, deployments = deploy_checked(
            uow, actor.tenant_id, bundle, actor.username, max_xml_bytes=max_xml_bytes
        )
        with concurrent_deployment():
            uow.commit()
    return EditResult(analysis, deployments)
