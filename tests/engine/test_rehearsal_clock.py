"""A unit of work opened for a rehearsal tenant reads that tenant's clock everywhere the engine asks for
"now": `uow.now()`, expressions' `now()`/`today()`, and SpiffWorkflow's timer code; one opened for a
production tenant reads the installation's clock, and asks the database about it only once."""

from __future__ import annotations

from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from sqlalchemy import event

from engine.access import Actor
from engine.bpmn import script_helpers
from engine.bpmn.spiff_clock import install
from engine.config import Settings
from engine.rehearsal import REHEARSAL, advance_clock
from engine.roles import Role
from engine.services import build_services
from engine.tenancy import ensure_tenant


def test_a_rehearsal_tenants_units_of_work_read_its_clock(db, clock, uow, tmp_path) -> None:
    install()
    services = build_services(
        Settings.from_env({}, instance_path=tmp_path, env="test"), database=db, clock=clock
    )
    with uow() as unit:
        ensure_tenant(unit, "oefendorp", "Oefendorp", kind=REHEARSAL)
        ensure_tenant(unit, "utrecht", "Utrecht")
        unit.commit()
    advance_clock(services.uow(), Actor("o", "oefendorp", frozenset({Role.ADMIN})), "P1M")
    ahead = clock.now() + timedelta(days=31)  # 4 January + one month

    with services.uow(readonly=True, tenant_id="oefendorp") as unit:
        assert unit.now() == ahead
        assert script_helpers.HELPERS["now"]() == ahead.isoformat()  # now() and today() in expressions
        assert script_helpers.HELPERS["today"]() == ahead.date().isoformat()
        assert spiff_timer.datetime.now(ahead.tzinfo) == ahead  # SpiffWorkflow's timers
    with services.uow(readonly=True, tenant_id="utrecht") as unit:
        assert (
            unit.now() == clock.now() and script_helpers.HELPERS["today"]() == clock.now().date().isoformat()
        )

    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for _ in range(3):
        with services.uow(readonly=True, tenant_id="utrecht") as unit:
            unit.now()
    assert not [s for s in statements if "tenants" in s]  # a production tenant's kind is remembered
