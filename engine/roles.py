"""The roles people have, and how lane names and candidate groups in a model map to them."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    PROCESS_DESIGNER = "process_designer"
    MELDPUNT = "meldpunt"
    ASSESSOR = "assessor"
    COORDINATOR = "coordinator"
    PARTY_CONTACT = "party_contact"
    MEDICAL_PROFESSIONAL = "medical_professional"
    MANAGER = "manager"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


# Dutch display names; the UI shows these.
DUTCH_NAMES: dict[Role, str] = {
    Role.PROCESS_DESIGNER: "Procesontwerper",
    Role.MELDPUNT: "Meldpunt",
    Role.ASSESSOR: "Beoordelaar",
    Role.COORDINATOR: "Coördinator",
    Role.PARTY_CONTACT: "Contactpersoon partij",
    Role.MEDICAL_PROFESSIONAL: "Medisch professional",
    Role.MANAGER: "Manager",
    Role.PRIVACY_OFFICER: "Privacyfunctionaris (FG)",
    Role.ADMIN: "Beheerder",
}

_ALIASES: dict[str, Role] = {
    "procesontwerper": Role.PROCESS_DESIGNER,
    "ontwerper": Role.PROCESS_DESIGNER,
    "beoordelaar": Role.ASSESSOR,
    "coordinator": Role.COORDINATOR,
    "regisseur": Role.COORDINATOR,
    "partij": Role.PARTY_CONTACT,
    "contactpersoon partij": Role.PARTY_CONTACT,
    "contactpersoon": Role.PARTY_CONTACT,
    "betrokken partij": Role.PARTY_CONTACT,
    "medisch professional": Role.MEDICAL_PROFESSIONAL,
    "medische professional": Role.MEDICAL_PROFESSIONAL,
    "arts": Role.MEDICAL_PROFESSIONAL,
    "privacyfunctionaris": Role.PRIVACY_OFFICER,
    "privacyfunctionaris (fg)": Role.PRIVACY_OFFICER,
    "fg": Role.PRIVACY_OFFICER,
    "functionaris gegevensbescherming": Role.PRIVACY_OFFICER,
    "beheerder": Role.ADMIN,
}


def _normalize(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("_", " ").replace("-", " ")


@functools.lru_cache(maxsize=4096)
def role_from_name(name: str | None) -> Role | None:
    """Map a lane name or candidate group (Dutch or English, any case, with or without accents).

    Remembered per name: every task that opens asks, and a model has only a handful of lanes."""
    if not name:
        return None
    normalized = _normalize(name)
    for role in Role:
        if normalized in {role.value.replace("_", " "), _normalize(DUTCH_NAMES[role])}:
            return role
    return _ALIASES.get(normalized)


ROLE_MAPPING_PREFIX = "roles."


def candidate_groups(value: str | None) -> list[str]:
    """`candidateGroups="a, b"` → ["a", "b"] (every dialect writes a comma-separated list)."""
    return [group.strip() for group in (value or "").split(",") if group.strip()]


def mapped_role(group: str, mapping: Mapping[str, Any]) -> Role | None:
    """A group's role: the municipality's mapping (setting ``roles.<group>``, from the bundle's
    settings.yaml or the tenant's overrides) first, else the group's own name (docs/modelling.md)."""
    target = mapping.get(f"{ROLE_MAPPING_PREFIX}{group}")
    return role_from_name(str(target)) if target else role_from_name(group)


def task_role(groups: str | None, lane: str | None, mapping: Mapping[str, Any]) -> Role | None:
    """The role a user task is for: the first of its candidate groups that maps to a role, else its lane.
    Deploy refuses a task whose groups map to different roles, so "the first" is "the one"."""
    for group in candidate_groups(groups):
        role = mapped_role(group, mapping)
        if role is not None:
            return role
    return mapped_role(lane, mapping) if lane else None
