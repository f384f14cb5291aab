"""The policy file: `privacy-policy.yaml` as designers write it, the built-in default, parsing with every
problem named, and the check `wams validate` and every deploy run (docs/privacy.md, "The policy file")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from ..errors import ModelIssue
from ..roles import Role
from .policy import (
    ACTIVE,
    ALL_STATUSES,
    OWN_DOMAIN,
    PARTY_FLAGS,
    PARTY_ROLES,
    POLICY_FILE,
    SOURCES,
    SUBJECT_KINDS,
    Condition,
    Policy,
    PolicyError,
    Rule,
)

DEFAULT_PURPOSE = "Uitvoering van de Wams-procedure: onderzoek en gecoördineerde aanpak"
DEFAULT_CONDITIONS = (
    "Verstrekt voor de gecoördineerde aanpak (Wams). Verder gebruik voor een ander doel alleen als alle "
    "voorwaarden van art. 5.4.3, vierde lid, cumulatief zijn vervuld."
)

DEFAULT_POLICY_DOCUMENT: dict[str, Any] = {
    "version": 1,
    "purpose": DEFAULT_PURPOSE,
    "categories": {"special": ["health", "criminal"], "medical": ["health"]},
    "medical_roles": ["coordinator", "medical_professional"],
    "enforcement_conditions": DEFAULT_CONDITIONS,
    "rules": [
        {
            "name": "gemeente: de procedure uitvoeren",
            "roles": ["meldpunt", "assessor", "coordinator", "manager"],
            "status": "any",
        },
        {
            "name": "partij: wat zij zelf aanleverde",
            "roles": ["party_contact", "medical_professional"],
            "source": "own",
        },
        {
            "name": "partij: identificatie van de cliënt",
            "roles": ["party_contact", "medical_professional"],
            "subjects": ["client"],
            "categories": ["general"],
            "source": "none",
        },
    ],
    "further_processing": {
        "conditions": [
            {"key": "doel_omschreven", "text": "Het andere doel is welbepaald en uitdrukkelijk omschreven."},
            {
                "key": "wettelijke_taak",
                "text": (
                    "De ontvanger heeft voor dat doel een wettelijke taak of grondslag (noem het artikel)."
                ),
            },
            {
                "key": "noodzakelijk",
                "text": "Verdere verwerking is noodzakelijk voor dat doel; minder gegevens volstaan niet.",
            },
            {
                "key": "proportioneel",
                "text": (
                    "Het belang weegt zwaarder dan de inbreuk op de persoonlijke levenssfeer van de "
                    "betrokkene."
                ),
            },
            {
                "key": "geen_ander_middel",
                "text": "Het doel is niet op een minder ingrijpende manier te bereiken.",
            },
        ]
    },
}


# --- parsing --------------------------------------------------------------------------------------

_TOP = {
    "version",
    "purpose",
    "categories",
    "medical_roles",
    "enforcement_conditions",
    "rules",
    "further_processing",
}
_RULE = {
    "name", "roles", "status", "phases", "parties", "subjects", "categories", "domains", "source", "fields",
}  # fmt: skip
ROLE_VALUES = frozenset(r.value for r in Role)


def _strings(value: Any, where: str, problems: list[str], *, allow_any: bool = True) -> frozenset[str] | None:
    """A list of strings; "*" or absent means any (None)."""
    if value is None or (allow_any and value in ("*", "any")):
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{where} must be a list of names")
        return frozenset()
    return frozenset(value)


def _roles(value: Any, where: str, problems: list[str]) -> frozenset[str]:
    roles = _strings(value, where, problems, allow_any=False) or frozenset()
    unknown = sorted(roles - ROLE_VALUES)
    if unknown:
        problems.append(
            f"{where}: unknown role(s) {', '.join(unknown)}; use {', '.join(sorted(ROLE_VALUES))}"
        )
    return roles


def _rule(index: int, raw: Any, problems: list[str]) -> Rule | None:
    where = f"rules[{index}]"
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be a mapping")
        return None
    unknown = sorted(set(raw) - _RULE)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}")
    name = str(raw.get("name") or where)
    where = f"rule {name!r}"
    roles = _roles(raw.get("roles"), f"{where}: roles", problems)
    if not roles:
        problems.append(f"{where} names no roles")
    status_raw = raw.get("status", sorted(ACTIVE))
    statuses = _strings(status_raw, f"{where}: status", problems)
    statuses = ALL_STATUSES if statuses is None else statuses
    if statuses - ALL_STATUSES:
        problems.append(f"{where}: status is one of {', '.join(sorted(ALL_STATUSES))} (or any)")
    parties = raw.get("parties") or {}
    codes = domains = None
    flags: tuple[tuple[str, bool], ...] = ()
    if not isinstance(parties, Mapping) or set(parties) - {"codes", "domains", "flags"}:
        problems.append(f"{where}: parties takes codes, domains and flags")
    else:
        codes = _strings(parties.get("codes"), f"{where}: parties.codes", problems)
        domains = _strings(parties.get("domains"), f"{where}: parties.domains", problems)
        raw_flags = parties.get("flags") or {}
        if not isinstance(raw_flags, Mapping) or any(
            k not in PARTY_FLAGS or not isinstance(v, bool) for k, v in raw_flags.items()
        ):
            problems.append(f"{where}: parties.flags maps {', '.join(PARTY_FLAGS)} to true or false")
        else:
            flags = tuple(sorted((str(k), bool(v)) for k, v in raw_flags.items()))
    subjects = _strings(raw.get("subjects"), f"{where}: subjects", problems)
    if subjects and subjects - set(SUBJECT_KINDS):
        problems.append(f"{where}: subjects are {', '.join(SUBJECT_KINDS)}")
    source = str(raw.get("source", "any"))
    if source not in SOURCES:
        problems.append(f"{where}: source is one of {', '.join(SOURCES)}")
    uses_party = source in {"own", "own_or_none", "other"} or OWN_DOMAIN in (
        _strings(raw.get("domains"), where, []) or ()
    )
    if uses_party and not roles & PARTY_ROLES:
        problems.append(f"{where}: 'own' refers to the reader's party; name a party role")
    return Rule(
        name=name,
        roles=roles,
        statuses=statuses,
        phases=_strings(raw.get("phases"), f"{where}: phases", problems),
        party_codes=codes,
        party_domains=domains,
        party_flags=flags,
        subjects=subjects,
        categories=_strings(raw.get("categories"), f"{where}: categories", problems),
        domains=_strings(raw.get("domains"), f"{where}: domains", problems),
        source=source,
        fields=_strings(raw.get("fields"), f"{where}: fields", problems),
    )


def parse_policy(document: Any) -> Policy:
    """Validate a policy document (parsed YAML); raises `PolicyError` listing every problem."""
    problems: list[str] = []
    if not isinstance(document, Mapping):
        raise PolicyError(["the policy must be a mapping"])
    unknown = sorted(set(document) - _TOP)
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_TOP))}")
    if document.get("version", 1) != 1:
        problems.append("version must be 1")
    categories = document.get("categories") or {}
    if not isinstance(categories, Mapping) or set(categories) - {"special", "medical"}:
        problems.append("categories takes special and medical (lists of category names)")
        categories = {}
    special = _strings(categories.get("special", ["health", "criminal"]), "categories.special", problems)
    medical = _strings(categories.get("medical", ["health"]), "categories.medical", problems)
    if special is None or medical is None:
        problems.append("categories.special and categories.medical must list categories, not '*'")
    special, medical = special or frozenset(), medical or frozenset()
    if medical - special:
        problems.append("every medical category must also be a special category")
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("rules must be a non-empty list")
        raw_rules = []
    rules = [r for i, raw in enumerate(raw_rules) if (r := _rule(i, raw, problems)) is not None]
    further = document.get("further_processing", DEFAULT_POLICY_DOCUMENT["further_processing"])
    conditions: list[Condition] = []
    raw_conditions = further.get("conditions") if isinstance(further, Mapping) else None
    if not isinstance(raw_conditions, list) or not raw_conditions:
        problems.append("further_processing.conditions must list the cumulative conditions (key and text)")
    else:
        for item in raw_conditions:
            if not isinstance(item, Mapping) or not item.get("key") or not item.get("text"):
                problems.append("every further_processing condition needs a key and a text")
                continue
            conditions.append(Condition(str(item["key"]), str(item["text"])))
        keys = [c.key for c in conditions]
        if len(set(keys)) != len(keys):
            problems.append("further_processing condition keys must be unique")
    medical_roles = _roles(
        document.get("medical_roles", ["coordinator", "medical_professional"]), "medical_roles", problems
    )
    purpose = document.get("purpose", DEFAULT_PURPOSE)
    enforcement = document.get("enforcement_conditions", DEFAULT_CONDITIONS)
    for key, value in (("purpose", purpose), ("enforcement_conditions", enforcement)):
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be a text")
    if problems:
        raise PolicyError(problems)
    return Policy(
        version=1,
        purpose=str(purpose).strip(),
        special=special,
        medical=medical,
        medical_roles=medical_roles,
        enforcement_conditions=str(enforcement).strip(),
        rules=tuple(rules),
        further_conditions=tuple(conditions),
    )


DEFAULT_POLICY = parse_policy(DEFAULT_POLICY_DOCUMENT)


# --- deploy-time validation ------------------------------------------------------------------------


def policy_issues(files: Mapping[str, bytes]) -> list[ModelIssue]:
    """Problems of the bundle's privacy-policy.yaml (none when the bundle has none: the default applies)."""
    content = files.get(POLICY_FILE)
    if content is None:
        return []
    try:
        document = yaml.safe_load(content.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [ModelIssue(POLICY_FILE, f"not valid YAML: {exc}")]
    try:
        parse_policy(document)
    except PolicyError as exc:
        return [
            ModelIssue(POLICY_FILE, problem, hint="see docs/privacy.md, 'The policy file'")
            for problem in exc.problems
        ]
    return []


def load_policy_text(text: str) -> Policy:
    return parse_policy(yaml.safe_load(text))
