"""The FG's overviews of rights requests and registers are the FG's alone: the engine refuses every
other role (the coordinator and manager read their own lists elsewhere), and another municipality's
FG sees none of it."""

from __future__ import annotations

import pytest

from engine.errors import NotAuthorized
from engine.privacy import gdpr, registers, supervision
from engine.roles import Role

from .conftest import actor


def test_only_the_privacy_officer_gets_the_overviews(services, case):
    meldpunt = actor("meldpunt", Role.MELDPUNT)
    gdpr.register_request(services.uow(), meldpunt, case.id, "inzage", description="inzage")
    registers.register_complaint(
        services.uow(), meldpunt, complainant="client", nature="privacy", description="klacht"
    )
    registers.register_incident(services.uow(), meldpunt, description="incident", affected_count=1)

    fg = actor("fg", Role.PRIVACY_OFFICER)
    assert [r.kind for r in supervision.rights_requests(services.uow(readonly=True), fg)] == ["inzage"]
    found = supervision.supervised_registers(lambda: services.uow(readonly=True), fg)
    assert (len(found.complaints), len(found.incidents)) == (1, 1)

    for role in set(Role) - {Role.PRIVACY_OFFICER}:
        with pytest.raises(NotAuthorized):
            supervision.rights_requests(services.uow(readonly=True), actor("x", role))
        with pytest.raises(NotAuthorized):
            supervision.supervised_registers(lambda: services.uow(readonly=True), actor("x", role))

    elsewhere = actor("fg", Role.PRIVACY_OFFICER, tenant="elders")
    assert supervision.rights_requests(services.uow(readonly=True), elsewhere) == []
    found = supervision.supervised_registers(lambda: services.uow(readonly=True), elsewhere)
    assert (found.complaints, found.incidents) == ([], [])
