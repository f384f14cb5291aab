"""Commands and queries on process definitions: validate, deploy, list, fetch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..bpmn.state import serialize_specs
from ..errors import Conflict, InvalidProcessModel, NotFound
from ..tenancy import get_tenant, tenant_settings
from ..uow import UnitOfWork
from .analysis import BundleAnalysis, EntryProcess, analyze
from .bundle import Bundle
from .models import DefinitionFile, ProcessDefinition


@dataclass
class Deployment:
    definition: ProcessDefinition
    created: bool


def validate_bundle(
    bundle: Bundle, *, max_xml_bytes: int, tenant_settings: Mapping[str, Any] | None = None
) -> BundleAnalysis:
    """All problems of `bundle`; `tenant_settings` (the municipality's, with its role mapping) if known."""
    return analyze(bundle, max_xml_bytes=max_xml_bytes, tenant_settings=tenant_settings)


def deploy(
    uow: UnitOfWork, tenant_id: str, bundle: Bundle, actor: str | None, *, max_xml_bytes: int
) -> list[Deployment]:
    """Validate and deploy every entry process of `bundle` for `tenant_id`, in one transaction.

    A process whose closure has the same content as an existing version gets that version back;
    otherwise a new version numbered one past the highest.
    """
    with uow:
        deployments = deploy_in(uow, tenant_id, bundle, actor, max_xml_bytes=max_xml_bytes)
        with concurrent_deployment():
            uow.commit()
        return deployments


def deploy_in(
    uow: UnitOfWork, tenant_id: str, bundle: Bundle, actor: str | None, *, max_xml_bytes: int
) -> list[Deployment]:
    """`deploy` inside a unit of work the caller owns (e.g. seeding several tenants at once)."""
    return deploy_checked(uow, tenant_id, bundle, actor, max_xml_bytes=max_xml_bytes)[1]


def deploy_checked(
    uow: UnitOfWork, tenant_id: str, bundle: Bundle, actor: str | None, *, max_xml_bytes: int
) -> tuple[BundleAnalysis, list[Deployment]]:
    """`deploy_in`, and the analysis it deployed from (its warnings are the designer's to see): the
    bundle is analysed once, with the municipality's settings."""
    get_tenant(uow, tenant_id)  # a clear NotFound, not a foreign-key violation at the first insert
    analysis = analyze(bundle, max_xml_bytes=max_xml_bytes, tenant_settings=tenant_settings(uow, tenant_id))
    if not analysis.ok:
        raise InvalidProcessModel(f"the bundle has {len(analysis.errors)} error(s)", analysis.errors)
    return analysis, [_deploy_entry(uow, tenant_id, entry, actor) for entry in analysis.entries.values()]


@contextmanager
def concurrent_deployment() -> Iterator[None]:
    """Around a deployment's commit: a version number another deployment of the same process took
    meanwhile (the unique key) is a Conflict to retry, not an internal error."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict("another deployment of this process happened at the same time; try again") from exc


def _deploy_entry(uow: UnitOfWork, tenant_id: str, entry: EntryProcess, actor: str | None) -> Deployment:
    session = uow.session
    existing = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.tenant_id == tenant_id,
            ProcessDefinition.process_id == entry.process_id,
            ProcessDefinition.content_hash == entry.content_hash,
        )
    )
    if existing is not None:
        return Deployment(existing, created=False)
    highest = session.scalar(
        select(func.max(ProcessDefinition.version)).where(
            ProcessDefinition.tenant_id == tenant_id, ProcessDefinition.process_id == entry.process_id
        )
    )
    definition = ProcessDefinition(
        tenant_id=tenant_id,
        process_id=entry.process_id,
        version=(highest or 0) + 1,
        name=entry.name,
        content_hash=entry.content_hash,
        created_at=uow.now(),
        created_by=actor,
        spec_json=serialize_specs(entry.compiled),
        settings=entry.settings,
        legal_grounds=entry.legal_grounds,
        summary=entry.summary,
        parties=entry.parties,
    )
    for path, content in entry.files.items():
        kind = "form" if path.startswith("forms/") else path.rsplit(".", 1)[-1]
        definition.files.append(DefinitionFile(path=path, kind=kind, content=content.decode("utf-8")))
    session.add(definition)
    session.flush()
    return Deployment(definition, created=True)


def list_definitions(
    uow: UnitOfWork, tenant_id: str, process_id: str | None = None
) -> list[ProcessDefinition]:
    query = select(ProcessDefinition).where(ProcessDefinition.tenant_id == tenant_id)
    if process_id:
        query = query.where(ProcessDefinition.process_id == process_id)
    return list(
        uow.session.scalars(query.order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc()))
    )


def get_definition(uow: UnitOfWork, tenant_id: str, definition_id: int) -> ProcessDefinition:
    definition = uow.session.get(ProcessDefinition, definition_id)
    if definition is None or definition.tenant_id != tenant_id:
        raise NotFound("process definition not found")
    return definition


def get_version(
    uow: UnitOfWork, tenant_id: str, process_id: str, version: int | None = None
) -> ProcessDefinition:
    """A given version, or the newest when `version` is None."""
    query = select(ProcessDefinition).where(
        ProcessDefinition.tenant_id == tenant_id, ProcessDefinition.process_id == process_id
    )
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    definition = uow.session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None:
        raise NotFound(
            f"process {process_id!r} is not deployed" + (f" in version {version}" if version else "")
        )
    return definition


def definition_bundle(definition: ProcessDefinition) -> Bundle:
    return Bundle({f.path: f.content.encode("utf-8") for f in definition.files})
