"""Medical confidentiality: a medical professional decides which medical facts are shared.

Medical facts (a medical category from a party with medical confidentiality) that a medical
professional recorded in their own task are released by that very act (the stappenplan's "share" or
"share part": they enter only what they share). Anything else from such a party is shown to others
only after a medical professional of that party released it here; they can withhold it again. Every
decision is kept with its motivation (the professional must be able to defend it).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ..access import Actor
from ..errors import Conflict, InvalidInput, NotAuthorized
from ..procedures.models import Fact
from ..roles import Role
from ..uow import UnitOfWork
from .common import choice, procedure_of_tenant, text, timeline_event
from .disclosure import SHARE, WITHHOLD
from .models import FactRelease
from .policy import ACTIVE

DECISIONS = (SHARE, WITHHOLD)


def release_facts(
    uow: UnitOfWork,
    actor: Actor,
    procedure_id: uuid.UUID,
    fact_ids: list[int],
    decision: str,
    motivation: str,
) -> list[FactRelease]:
    actor.require(Role.MEDICAL_PROFESSIONAL)
    choice(decision, DECISIONS, "decision")
    reason = text(motivation, "motivation")
    if not actor.party:
        raise NotAuthorized("a medical professional acts for a party")
    if not fact_ids:
        raise InvalidInput("name the facts", field="fact_ids")
    with uow:
        procedure = procedure_of_tenant(uow, actor, procedure_id)
        if procedure.status not in ACTIVE:
            raise Conflict("the procedure is closed; nothing is shared any more")
        facts = list(
            uow.session.scalars(select(Fact).where(Fact.procedure_id == procedure.id, Fact.id.in_(fact_ids)))
        )
        if len(facts) != len(set(fact_ids)):
            raise InvalidInput("some facts are not part of this procedure", field="fact_ids")
        foreign = [f.id for f in facts if f.source_party != actor.party]
        if foreign:
            raise NotAuthorized("a medical professional decides only on what their own party provided")
        now = uow.now()
        releases = []
        for fact in facts:
            if fact.erased_at is not None:
                raise Conflict(f"fact {fact.id} was erased")
            fact.released = decision == SHARE
            release = FactRelease(
                tenant_id=actor.tenant_id,
                procedure_id=procedure.id,
                fact_id=fact.id,
                decision=decision,
                motivation=reason,
                decided_by=actor.username,
                party=actor.party,
                decided_at=now,
            )
            uow.session.add(release)
            releases.append(release)
        timeline_event(
            uow, procedure, "medical_release", actor.username,
            {"decision": decision, "facts": sorted(f.id for f in facts), "party": actor.party},
            party=actor.party, categories=sorted({f.category for f in facts}),
        )  # fmt: skip
        uow.commit()
        return releases
