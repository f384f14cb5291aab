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


# --- over the REST API, in a rehearsal municipality ----------------------------------------------


@pytest.fixture
def api_walk(uow, db, clock, tmp_path, bundle):
    """The bundled Wams models in the rehearsal municipality `oefendorp`, an account with a bearer
    token for every person the scenarios name, the app, and the scheduler whose tick the walk runs."""
    from api.app import create_app
    from engine.accounts.service import add_token, add_user
    from engine.rehearsal import REHEARSAL
    from engine.scheduler.runner import Scheduler
    from engine.tenancy import ensure_tenant

    from . import api_walk as aw
    from .walk import ASSESSOR, COORDINATOR, MANAGER, MELDPUNT, doctor, party

    people = [MELDPUNT, ASSESSOR, COORDINATOR, MANAGER, aw.CLOCK_KEEPER, aw.PRIVACY_OFFICER]
    people += [party(code) for code in PARTY_CODES] + [doctor(code) for code in DOCTOR_CODES]
    with uow() as unit:
        ensure_tenant(unit, aw.OEFEN, "Oefengemeente Oefendorp", kind=REHEARSAL)
        for person in people:
            user = add_user(unit, aw.OEFEN, person.username, roles=list(person.roles), party=person.party)
            add_token(unit, user, "scenario", created_by="tests", secret=aw.token_of(person))
        unit.commit()
    deploy_bundle(uow, bundle, aw.OEFEN)
    settings = Settings.from_env(
        {}, instance_path=tmp_path, env="test", scheduler="off", secret_key="scenario"
    )
    services = build_services(settings, database=db, clock=clock)
    app = create_app(settings, services=services)
    app.config["TESTING"] = True
    scheduler = Scheduler(services, mailer=None)
    return aw.ApiWalk(app.test_client(), scheduler.tick, MANAGER)


PARTY_CODES = ("wijkteam", "uwv", "schuldhulpverlening", "woningcorporatie")
DOCTOR_CODES = ("ggz_instelling", "huisarts")
