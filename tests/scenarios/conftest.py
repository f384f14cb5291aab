"""Scenario fixtures: the bundled Wams models (workflows/ + forms/) deployed for one municipality, and
services built like the application builds them (procedure hooks, deadline hooks) on the test clock."""

from __future__ import annotations

import pytest

from engine.config import Settings
from engine.services import build_services
from tests.factories import deploy_bundle, make_tenant, wams_bundle

from .walk import TENANT, Walk


@pytest.fixture(scope="session")
def bundle():
    return wams_bundle()


@pytest.fixture
def walk(uow, db, clock, tmp_path, bundle) -> Walk:
    make_tenant(uow, TENANT)
    deploy_bundle(uow, bundle, TENANT)
    settings = Settings.from_env({}, instance_path=tmp_path, env="test")
    return Walk(build_services(settings, database=db, clock=clock), uow, clock)
