"""Candidate groups computed from the process data: ``candidateGroups="${group}"`` (Camunda 7, Flowable,
Activiti; also templates such as ``team-${wijk}``) and Zeebe's ``candidateGroups="=group"``.

The expression is translated with the JUEL/FEEL grammar (`expressions.py`) at deploy, where anything
outside the subset is refused by name, and evaluated in the sandbox when the task opens. Its value (a
text, comma-separated, or a list of texts) goes through the municipality's role mapping like a static
group; a group that maps to no role stops the step with an error naming the element and the group,
never a task that no role sees (engine.runtime.task_rows)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ..errors import ProcessError
from ..roles import Role, mapped_role
from .expressions import dialect_of, translate

ERROR_CAUSE = "unmapped_candidate_group"


@functools.lru_cache(maxsize=1024)
def group_expression(value: str | None) -> str | None:
    """The sandbox Python for a computed ``candidateGroups``; None when the groups are written as names.
    Raises `TranslationError` outside the JUEL/FEEL subset."""
    if not value or dialect_of(value) is None:
        return None
    return translate(value)


def groups_of(value: Any) -> list[str] | None:
    """The group names an evaluated expression gave, or None when it is not text or a list of texts."""
    if isinstance(value, str):
        return [group.strip() for group in value.split(",") if group.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    return None


def role_for_groups(
    written: str, value: Any, element: str, mapping: Mapping[str, Any], lane_role: Role | None
) -> Role:
    """The one role the computed groups map to (the lane's when they are empty), else a ProcessError."""
    groups = groups_of(value)
    where = f"user task {element!r}: candidateGroups {written!r} gave {value!r}"
    if groups is None:
        raise ProcessError(
            f"{where}, not a group name or a list of group names", element=element, cause=ERROR_CAUSE
        )
    if not groups:
        if lane_role is not None:
            return lane_role
        raise ProcessError(
            f"{where}: no group, and the task lies in no role's lane", element=element, cause=ERROR_CAUSE
        )
    unmapped = [g for g in groups if mapped_role(g, mapping) is None]
    if unmapped:
        raise ProcessError(
            f"{where}: group(s) {', '.join(map(repr, unmapped))} map to no role of this municipality; "
            "map them (PUT /api/v1/role-mapping, docs/modelling.md, Roles) and try again",
            element=element,
            cause=ERROR_CAUSE,
            groups=", ".join(unmapped),
        )
    roles = {mapped_role(g, mapping) for g in groups}
    if len(roles) > 1:
        names = ", ".join(sorted(r.value for r in roles if r is not None))
        raise ProcessError(
            f"{where}: the groups map to different roles ({names}); a task is for exactly one role",
            element=element,
            cause=ERROR_CAUSE,
        )
    [role] = roles
    assert role is not None
    return role
