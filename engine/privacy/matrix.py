"""The visibility matrix of a privacy policy: per reader and phase, which data categories it sees,
by source. Derived from the policy by the same `decide` that screens every read, so the table in
docs/privacy.md (`wams privacy matrix`) and the canary test's expectations never drift from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .policy import POLICY_FILE, FactInfo, Policy, Reader, decide, party_info
from .policy_file import DEFAULT_POLICY, load_policy_text

# The phases of the Wams procedure and the status it runs in; the last column is after closure.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("melding", "open", "melding"),
    ("beoordeling", "open", "beoordeling"),
    ("onderzoek", "open", "onderzoek"),
    ("aanpak", "open", "aanpak"),
    ("evaluatie", "open", "evaluatie"),
    ("afgesloten", "closed", "afgesloten"),
)
# The categories facts are recorded in, with the domain a party's answer gives them (forms/).
CATEGORIES: tuple[tuple[str, str | None], ...] = (
    ("identifying", None),
    ("general", None),
    ("financial", None),
    ("work_income", "werk_inkomen"),
    ("housing", "wonen"),
    ("education", "onderwijs"),
    ("health", None),
    ("criminal", None),
)
SOURCES = ("gemeente", "eigen partij", "andere partij")


@dataclass(frozen=True)
class ReaderKind:
    label: str
    role: str
    party: str | None = None


def default_readers(parties: Mapping[str, Any]) -> list[ReaderKind]:
    """The municipality's roles and one party of each kind the catalogue has (in catalogue order)."""
    readers = [
        ReaderKind("meldpunt", "meldpunt"),
        ReaderKind("beoordelaar", "assessor"),
        ReaderKind("coördinator", "coordinator"),
        ReaderKind("manager", "manager"),
        ReaderKind("privacy officer (FG)", "privacy_officer"),
    ]
    kinds: set[tuple[bool, bool, bool]] = set()
    for code in parties:
        info = party_info(parties, code)
        assert info is not None
        kind = (info.medical_confidentiality, info.enforcement_role, info.may_process_special_categories)
        if kind in kinds:
            continue
        kinds.add(kind)
        readers.append(ReaderKind(f"contactpersoon {code}", "party_contact", code))
        if info.medical_confidentiality:
            readers.append(ReaderKind(f"medisch professional {code}", "medical_professional", code))
    return readers


def cell(policy: Policy, parties: Mapping[str, Any], reader: ReaderKind, status: str, phase: str) -> str:
    """What `reader` sees in this phase: the categories per source, e.g. `gemeente: general`."""
    me = party_info(parties, reader.party)
    as_reader = Reader(frozenset({reader.role}), me)
    other = next((c for c in parties if c != reader.party), None) if parties else None
    # Fields some rule names: a category may be visible for those fields only.
    named = sorted({f for rule in policy.rules if rule.fields for f in rule.fields})
    parts = []
    for source in SOURCES:
        source_party = {"gemeente": None, "eigen partij": reader.party, "andere partij": other}[source]
        if source != "gemeente" and source_party is None:
            continue
        source_info = party_info(parties, source_party)
        medical = bool(source_info and source_info.medical_confidentiality)
        seen = []
        for category, domain in CATEGORIES:
            fact = FactInfo(category, domain, f"any_{category}_field", "client", source_party, medical, True)
            if decide(policy, as_reader, status, phase, fact).visible:
                seen.append(category)
            elif only := [
                f for f in named if decide(policy, as_reader, status, phase, replace(fact, field=f)).visible
            ]:
                seen.append(f"{category} ({', '.join(only)})")
        if len(seen) == len(CATEGORIES):
            parts.append(f"{source}: alles")
        elif seen:
            parts.append(f"{source}: {', '.join(seen)}")
    return "<br>".join(parts) or "–"


def markdown(policy: Policy, parties: Mapping[str, Any]) -> str:
    """The matrix as a Markdown table (readers × phases)."""
    header = "| lezer | " + " | ".join(name for name, _, _ in PHASES) + " |"
    rule = "|---|" + "---|" * len(PHASES)
    rows = [
        f"| {reader.label} | "
        + " | ".join(cell(policy, parties, reader, status, phase) for _, status, phase in PHASES)
        + " |"
        for reader in default_readers(parties)
    ]
    return "\n".join([header, rule, *rows])


def markdown_for_bundle(directory: Path) -> str:
    """The matrix of a bundle directory's policy (privacy-policy.yaml, or the default) and parties."""
    policy_file = directory / POLICY_FILE
    policy = load_policy_text(policy_file.read_text()) if policy_file.exists() else DEFAULT_POLICY
    parties_file = directory / "parties.yaml"
    parties: dict[str, Any] = {}
    if parties_file.exists():
        loaded = yaml.safe_load(parties_file.read_text()) or {}
        parties = dict(loaded.get("partijen") or loaded.get("parties") or {})
    return markdown(policy, parties)
