"""A party's request shortly after the client refused: a possible means of pressure (*drukmiddel*).

The practice study on the Wams warns that a party may ask for an onderzoek (art. 2.3a.4 Wmo 2015) to
press a client who just refused to take part. At the melding the engine looks for an earlier
procedure of the same municipality, about the same person (the client's BSN), that ended because
the client refused or withdrew within the period `termijn.drukmiddel`. The model then asks a
manager for a motivated decision before anything is requested from anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..bpmn.isotime import add_duration, is_duration, parse_datetime
from ..privacy import disclosure
from ..privacy.catalogue import catalogue_for_procedure
from ..uow import UnitOfWork
from .form_data import SplitSubmission
from .models import DataSubject, Fact, Procedure

PARTY_REQUEST = "verzoek_partij"
SIGNAL = "drukmiddel_signaal"
PERIOD_SETTING = "termijn.drukmiddel"
DEFAULT_PERIOD = "P6M"
# The stop reasons the bundled models set when the client refuses consent or withdraws.
REFUSALS = ("client_weigert", "client_withdraws")
PURPOSE = "Nagaan of een verzoek van een partij na een recente weigering een drukmiddel is"
LEGAL_GROUND = "onderzoek_verzoek_partij"  # key in legal-grounds.yaml


def period_of(settings: Mapping[str, Any]) -> str:
    period = str(settings.get(PERIOD_SETTING) or DEFAULT_PERIOD)
    return period if is_duration(period) else DEFAULT_PERIOD


def client_bsn(split: SplitSubmission) -> str | None:
    for draft in split.facts:
        if draft.subject_key == "client" and draft.field == "bsn" and isinstance(draft.value, str):
            return draft.value.strip() or None
    return None


def recent_refusal(
    uow: UnitOfWork, actor: Actor, tenant_id: str, bsn: str, period: str, now: datetime
) -> bool:
    """Did a procedure of `tenant_id` about the client `bsn` end in a refusal within `period`?

    The candidates are few (refused, ended in the period, this municipality); their client BSNs are
    compared here rather than in dialect-specific JSON SQL, and each comparison is logged."""
    # A month is not a fixed length: a generous lower bound in SQL, the exact period below.
    span = parse_datetime(add_duration(now, period)) - now
    candidates = uow.session.execute(
        select(Procedure.id, Procedure.ended_at).where(
            Procedure.tenant_id == tenant_id,
            Procedure.stop_reason.in_(REFUSALS),
            Procedure.ended_at >= now - span - timedelta(days=4),
        )
    ).all()
    recent = [
        pid for pid, ended in candidates if ended and parse_datetime(add_duration(ended, period)) >= now
    ]
    if not recent:
        return False
    rows = uow.session.execute(
        select(Fact.procedure_id, Fact.value, DataSubject)
        .join(DataSubject, DataSubject.id == Fact.subject_id)
        .where(
            Fact.tenant_id == tenant_id,
            Fact.procedure_id.in_(recent),
            Fact.field == "bsn",
            Fact.erased_at.is_(None),
            DataSubject.key == "client",
        )
    ).all()
    for procedure_id, _, subject in rows:
        # Comparing is processing: each earlier client whose number was read gets a log line.
        earlier = uow.session.get(Procedure, procedure_id)
        if earlier is not None:
            ground = disclosure.ground_text(catalogue_for_procedure(uow, earlier.id), LEGAL_GROUND)
            disclosure.record(
                uow,
                actor,
                earlier,
                subject,
                operation="read",
                categories=["identifying"],
                fact_count=1,
                purpose=PURPOSE,
                legal_grounds=[ground or LEGAL_GROUND],
            )
    return any(isinstance(value, str) and value.strip() == bsn for _, value, _ in rows)
