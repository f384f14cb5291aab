"""Factories for tests: build what a test needs in a line, with defaults that make sense."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.definitions.bundle import Bundle
from engine.definitions.service import Deployment, deploy
from engine.tenancy import ensure_tenant
from engine.uow import UnitOfWork

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def fixture_bundle(name: str) -> Bundle:
    return Bundle.from_directory(FIXTURES / "bundles" / name)


def wams_bundle() -> Bundle:
    return Bundle.from_directory(REPO / "workflows", REPO / "forms")


def make_tenant(uow: Callable[..., UnitOfWork], tenant_id: str = "utrecht", name: str | None = None) -> str:
    with uow() as unit:
        ensure_tenant(unit, tenant_id, name or f"Gemeente {tenant_id.title()}")
        unit.commit()
    return tenant_id


def deploy_bundle(
    uow: Callable[..., UnitOfWork], bundle: Bundle, tenant_id: str = "utrecht", actor: str = "designer"
) -> list[Deployment]:
    return deploy(uow(), tenant_id, bundle, actor, max_xml_bytes=2 * 1024 * 1024)


def bpmn_document(
    process_xml: str, *, process_id: str = "p", executable: bool = True, extra: str = ""
) -> str:
    """A complete BPMN file around `process_xml` (the process body), for small inline test models."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs_{process_id}" targetNamespace="http://wams.example/test">
  <bpmn:process id="{process_id}" isExecutable="{"true" if executable else "false"}">
{process_xml}
  </bpmn:process>
{extra}
</bpmn:definitions>
"""


SIMPLE_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"akkoord": {"type": "boolean", "title": "Akkoord"}},
}
