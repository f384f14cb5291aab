"""What a party may supply and whom the onderzoek may ask: the rules a form and a choice of parties
must follow before anything is recorded or requested.

- A party that may not process special categories (parties.yaml: `may_process_special_categories:
  false`, e.g. a housing corporation) never supplies them either, and the categories its party rules
  withhold (the model's `withholdCategoriesVariable`, e.g. `nooit_delen` from wams_partijregels.dmn)
  are never recorded from it. Its form does not offer those fields at all.
- A party whose domain the client excluded from the onderzoek cannot be chosen for it: the choice is
  refused naming the party and the exclusion, instead of being skipped silently later.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .catalogue import Catalogue
from .policy import party_info

# The task row's context key for the categories the model's party rules withheld when it opened.
WITHHELD = "withheld_categories"


def withheld_categories(
    catalogue: Catalogue, party: str | None, context: Mapping[str, Any]
) -> frozenset[str]:
    """The data categories this party's task may not record: those its party rules withheld when the
    task opened, and the special categories if the party catalogue says it may not process them."""
    withheld = {str(c) for c in (context.get(WITHHELD) or [])}
    # Only a bundle with a party catalogue says which parties may process special categories; one
    # without leaves it to the model's party rules.
    info = party_info(catalogue.parties, party) if catalogue.parties else None
    if info is not None and not info.may_process_special_categories:
        withheld |= set(catalogue.policy.special)
    return frozenset(withheld)


def without_categories(schema: dict[str, Any], withheld: frozenset[str]) -> dict[str, Any]:
    """The form's schema without the fields that record a withheld category (nested ones included),
    so a party is not offered what it may never supply."""
    if not withheld:
        return schema
    trimmed = copy.deepcopy(schema)
    _trim(trimmed, withheld)
    return trimmed


def _trim(schema: dict[str, Any], withheld: frozenset[str]) -> None:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return
    dropped = [
        name
        for name, prop in properties.items()
        if isinstance(prop, dict) and (prop.get("x-fact") or {}).get("category") in withheld
    ]
    for name in dropped:
        del properties[name]
    if dropped:
        if isinstance(schema.get("required"), list):
            schema["required"] = [n for n in schema["required"] if n not in dropped]
        ui = schema.get("x-ui")
        if isinstance(ui, dict) and isinstance(ui.get("order"), list):
            ui["order"] = [n for n in ui["order"] if n not in dropped]
    for prop in properties.values():
        if isinstance(prop, dict):
            _trim(prop, withheld)
            items = prop.get("items")
            if isinstance(items, dict):
                _trim(items, withheld)


@dataclass(frozen=True)
class ExcludedParty:
    party: str
    name: str
    domain: str


def excluded_parties(
    catalogue: Catalogue, exclusions: Mapping[str, Any], chosen: Iterable[Any]
) -> list[ExcludedParty]:
    """The chosen parties whose domain the client excluded from the onderzoek."""
    domains = set(exclusions.get("domains") or [])
    found = []
    for code in chosen:
        entry = catalogue.parties.get(str(code))
        domain = entry.get("domain") if isinstance(entry, Mapping) else None
        if domain and domain in domains:
            found.append(ExcludedParty(str(code), str(entry.get("name") or code), str(domain)))  # type: ignore[union-attr]
    return found
