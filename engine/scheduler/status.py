"""Status enums of the scheduler's records, with guarded transitions (like `engine.status`)."""

from __future__ import annotations

from enum import StrEnum

from ..status import guard_transition


class EscalationStatus(StrEnum):
    OPEN = "open"
    # Superseded by the next level: the chain is still unresolved.
    ESCALATED = "escalated"
    # A manager resolved it and recorded why.
    RESOLVED = "resolved"
    # The reason went away on its own: the task was done, the phase ended, the procedure closed.
    LAPSED = "lapsed"


class AdjustmentStatus(StrEnum):
    # A suspension in force: the procedure's deadlines stand still.
    ACTIVE = "active"
    ENDED = "ended"
    # An extension: applied once, nothing more happens to it.
    APPLIED = "applied"


_ESCALATION: dict[EscalationStatus, set[EscalationStatus]] = {
    EscalationStatus.OPEN: {EscalationStatus.ESCALATED, EscalationStatus.RESOLVED, EscalationStatus.LAPSED},
    EscalationStatus.ESCALATED: {EscalationStatus.RESOLVED, EscalationStatus.LAPSED},
    EscalationStatus.RESOLVED: set(),
    EscalationStatus.LAPSED: set(),
}

_ADJUSTMENT: dict[AdjustmentStatus, set[AdjustmentStatus]] = {
    AdjustmentStatus.ACTIVE: {AdjustmentStatus.ENDED},
    AdjustmentStatus.ENDED: set(),
    AdjustmentStatus.APPLIED: set(),
}

UNRESOLVED = (EscalationStatus.OPEN, EscalationStatus.ESCALATED)


def escalation_transition(current: str, target: EscalationStatus) -> EscalationStatus:
    return guard_transition(_ESCALATION, EscalationStatus(current), target, "escalation")


def adjustment_transition(current: str, target: AdjustmentStatus) -> AdjustmentStatus:
    return guard_transition(_ADJUSTMENT, AdjustmentStatus(current), target, "adjustment")
