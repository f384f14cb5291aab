"""Status enums of the privacy registers with guarded transitions (like `engine.status`)."""

from __future__ import annotations

from enum import StrEnum

from ..status import guard_transition


class RequestKind(StrEnum):
    """The data subject's rights handled here (AVG arts. 15, 16, 18, 21 and 17)."""

    INZAGE = "inzage"
    CORRECTIE = "correctie"
    BEPERKING = "beperking"
    BEZWAAR = "bezwaar"
    WISSING = "wissing"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class IncidentStatus(StrEnum):
    # Registered; the privacy officer has not assessed it yet.
    REPORTED = "reported"
    # Assessed: the risk is known and the decision about reporting to the AP is recorded.
    ASSESSED = "assessed"
    CLOSED = "closed"


class FurtherStatus(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


DECIDED = (RequestStatus.GRANTED, RequestStatus.PARTLY_GRANTED, RequestStatus.REFUSED)
OPEN_REQUEST = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)

_REQUEST: dict[RequestStatus, set[RequestStatus]] = {
    RequestStatus.RECEIVED: {RequestStatus.IN_PROGRESS, *DECIDED, RequestStatus.WITHDRAWN},
    RequestStatus.IN_PROGRESS: {*DECIDED, RequestStatus.WITHDRAWN},
    RequestStatus.GRANTED: set(),
    RequestStatus.PARTLY_GRANTED: set(),
    RequestStatus.REFUSED: set(),
    RequestStatus.WITHDRAWN: set(),
}

_COMPLAINT: dict[ComplaintStatus, set[ComplaintStatus]] = {
    ComplaintStatus.RECEIVED: {ComplaintStatus.IN_PROGRESS, ComplaintStatus.CLOSED},
    ComplaintStatus.IN_PROGRESS: {ComplaintStatus.CLOSED},
    ComplaintStatus.CLOSED: set(),
}

_INCIDENT: dict[IncidentStatus, set[IncidentStatus]] = {
    IncidentStatus.REPORTED: {IncidentStatus.ASSESSED},
    IncidentStatus.ASSESSED: {IncidentStatus.CLOSED},
    IncidentStatus.CLOSED: set(),
}


def request_transition(current: str, target: RequestStatus) -> RequestStatus:
    return guard_transition(_REQUEST, RequestStatus(current), target, "GDPR request")


def complaint_transition(current: str, target: ComplaintStatus) -> ComplaintStatus:
    return guard_transition(_COMPLAINT, ComplaintStatus(current), target, "complaint")


def incident_transition(current: str, target: IncidentStatus) -> IncidentStatus:
    return guard_transition(_INCIDENT, IncidentStatus(current), target, "privacy incident")
