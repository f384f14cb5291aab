"""The need-to-know policy: which reader sees which facts of a procedure, and its evaluation.

Designers edit it as `privacy-policy.yaml` in a bundle (`policy_file`: format, default, validation);
it is versioned with the definition (the file is part of the deployed version and its content hash)
and validated at deploy time. A bundle without one gets the default, the baseline rules.

Evaluation (`decide`) is rules inside guards. The guards hold whatever the file says:

1. erased facts, facts of a household member who declined, facts the client's scope excludes, and
   facts under a granted restriction (beperking, bezwaar) are shown to nobody (`FactInfo.withheld`);
2. a reader acting for a party sees nothing once the procedure is closed or cancelled;
3. what the reader's own party provided is always shown to that party (it has it already); of
   everything else
4. special categories never go to a party that may not process them (e.g. a housing corporation);
5. medical facts (a medical category from a party with medical confidentiality) only as released
   by a medical professional, and only to the policy's medical roles;

then a fact is shown when at least one rule grants it (deny by default). Parties with an enforcement
role get the conditions with every fact they see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..roles import Role
from ..status import ProcedureStatus

POLICY_FILE = "privacy-policy.yaml"
ACTIVE = frozenset({ProcedureStatus.OPEN.value, ProcedureStatus.SUSPENDED.value})
ALL_STATUSES = frozenset(s.value for s in ProcedureStatus)
PARTY_ROLES = frozenset({Role.PARTY_CONTACT.value, Role.MEDICAL_PROFESSIONAL.value})
SOURCES = ("any", "own", "none", "own_or_none", "other")
SUBJECT_KINDS = ("client", "household_member", "reporter")
OWN_DOMAIN = "own"
NO_DOMAIN = "none"


class PolicyError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Rule:
    name: str
    roles: frozenset[str]
    statuses: frozenset[str]
    phases: frozenset[str] | None
    party_codes: frozenset[str] | None
    party_domains: frozenset[str] | None
    party_flags: tuple[tuple[str, bool], ...]
    subjects: frozenset[str] | None
    categories: frozenset[str] | None
    domains: frozenset[str] | None
    source: str
    fields: frozenset[str] | None


@dataclass(frozen=True)
class Condition:
    key: str
    text: str


@dataclass(frozen=True)
class Policy:
    version: int
    purpose: str
    special: frozenset[str]
    medical: frozenset[str]
    medical_roles: frozenset[str]
    enforcement_conditions: str
    rules: tuple[Rule, ...]
    further_conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class PartyInfo:
    code: str
    domain: str | None = None
    medical_confidentiality: bool = False
    enforcement_role: bool = False
    may_process_special_categories: bool = False

    def flag(self, name: str) -> bool:
        return bool(getattr(self, name, False))


PARTY_FLAGS = ("medical_confidentiality", "enforcement_role", "may_process_special_categories")


def party_info(catalogue: Mapping[str, Any], code: str | None) -> PartyInfo | None:
    """The party's flags from the bundle's parties.yaml. A party the catalogue does not know gets the
    careful defaults: no special categories and, where a catalogue exists, the enforcement conditions."""
    if code is None:
        return None
    entry = catalogue.get(code)
    if not isinstance(entry, Mapping):
        return PartyInfo(code, enforcement_role=bool(catalogue))
    return PartyInfo(
        code=code,
        domain=entry.get("domain"),
        medical_confidentiality=entry.get("medical_confidentiality") is True,
        enforcement_role=entry.get("enforcement_role") is True,
        may_process_special_categories=entry.get("may_process_special_categories") is True,
    )


@dataclass(frozen=True)
class Reader:
    roles: frozenset[str]
    party: PartyInfo | None


@dataclass(frozen=True)
class FactInfo:
    """What the policy needs to know of one fact."""

    category: str
    domain: str | None
    field: str
    subject_kind: str
    source_party: str | None
    # The source party is bound by medical confidentiality.
    source_medical: bool = False
    # Released by a medical professional (only asked of medical facts).
    released: bool = True
    # Erased, declined or restricted: why nobody may see it, or None.
    withheld: str | None = None


@dataclass(frozen=True)
class Decision:
    visible: bool
    reason: str
    rule: str | None = None
    # Attach the conditions on further use (the reader's party has an enforcement role).
    with_conditions: bool = False


# --- evaluation -----------------------------------------------------------------------------------


def _party_matches(rule: Rule, party: PartyInfo | None) -> bool:
    if rule.party_codes is None and rule.party_domains is None and not rule.party_flags:
        return True
    if party is None:
        return False
    if rule.party_codes is not None and party.code not in rule.party_codes:
        return False
    if rule.party_domains is not None and party.domain not in rule.party_domains:
        return False
    return all(party.flag(name) == wanted for name, wanted in rule.party_flags)


def _grants(rule: Rule, reader: Reader, fact: FactInfo) -> bool:
    party = reader.party.code if reader.party else None
    if rule.subjects is not None and fact.subject_kind not in rule.subjects:
        return False
    if rule.categories is not None and fact.category not in rule.categories:
        return False
    if rule.fields is not None and fact.field not in rule.fields:
        return False
    if rule.domains is not None:
        wanted = set(rule.domains)
        if OWN_DOMAIN in wanted:
            wanted.discard(OWN_DOMAIN)
            if reader.party and reader.party.domain:
                wanted.add(reader.party.domain)
        if not ((fact.domain is None and NO_DOMAIN in wanted) or (fact.domain in wanted)):
            return False
    own = party is not None and fact.source_party == party
    return {
        "any": True,
        "own": own,
        "none": fact.source_party is None,
        "own_or_none": own or fact.source_party is None,
        "other": fact.source_party is not None and not own,
    }[rule.source]


def decide(policy: Policy, reader: Reader, status: str, phase: str | None, fact: FactInfo) -> Decision:
    """May this reader see this fact of a procedure in this status and phase?"""
    if fact.withheld:
        return Decision(False, fact.withheld)
    party = reader.party
    enforcement = bool(party and party.enforcement_role)
    if party is not None and status not in ACTIVE:
        return Decision(False, "the procedure is closed: parties see nothing")
    own = party is not None and fact.source_party == party.code
    if not own:
        if party is not None and fact.category in policy.special and not party.may_process_special_categories:
            return Decision(False, f"party {party.code} may not process special categories")
        if fact.category in policy.medical and fact.source_medical:
            if not fact.released:
                return Decision(False, "medical data not released by the medical professional")
            if not reader.roles & policy.medical_roles:
                return Decision(False, "medical data are only for the medical roles")
    for rule in policy.rules:
        if not reader.roles & rule.roles or status not in rule.statuses:
            continue
        if rule.phases is not None and phase not in rule.phases:
            continue
        if _party_matches(rule, party) and _grants(rule, reader, fact):
            return Decision(True, "granted", rule.name, with_conditions=enforcement)
    return Decision(False, "no rule grants it")
