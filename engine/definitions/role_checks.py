"""Deploy-time checks of who does a user task: its candidate groups map to one role (by name or the
municipality's mapping), at most one candidate user, an assignee that is a name or a variable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from lxml import etree

from ..bpmn.dialects import attribute, zeebe
from ..bpmn.dynamic_groups import group_expression
from ..bpmn.expressions import TranslationError
from ..bpmn.sandbox import check_expression
from ..roles import Role, candidate_groups, mapped_role

_ASSIGNEE = re.compile(r"^\$\{\s*[A-Za-z][A-Za-z0-9_.]*\s*\}$")


def _written(node: etree._Element, name: str) -> str:
    """How the model writes attribute `name`, e.g. ``flowable:candidateGroups``."""
    found = attribute(node, name)
    if found:
        return found[1]
    return "zeebe:assignmentDefinition " + name if zeebe(node, "assignmentDefinition") is not None else name


class _Context(Protocol):
    role_mapping: Mapping[str, Any]


class UserTaskRoleChecks:
    """Mixed into the BPMN file checker, which provides `issue` and `context`."""

    context: _Context

    def issue(self, message: str, node: etree._Element | None = None, hint: str | None = None) -> None:
        raise NotImplementedError

    def check_task_role(
        self, node: etree._Element, extensions: dict[str, Any], lane: str | None
    ) -> Role | None:
        """Every candidate group maps to a role (by name or the municipality's mapping), all to the same
        one: a Wams task is for one role, and a second group would silently get 403."""
        mapping = self.context.role_mapping
        written = _written(node, "candidateGroups")
        if self.computed_groups(node, extensions.get("candidateGroups"), written):
            return None  # the role is known when the task opens (engine/bpmn/dynamic_groups.py)
        groups = candidate_groups(extensions.get("candidateGroups"))
        unmapped = [g for g in groups if mapped_role(g, mapping) is None]
        if unmapped:
            self.issue(
                f"{written} names group(s) {', '.join(map(repr, unmapped))} that map to no known role",
                node,
                "map each group to a role (settings roles.<group>, or PUT /api/v1/role-mapping; "
                "docs/modelling.md, Roles) or use a role name",
            )
        roles = {r for r in (mapped_role(g, mapping) for g in groups) if r is not None}
        if len(roles) > 1:
            self.issue(
                f"{written} names groups of different roles ({', '.join(sorted(r.value for r in roles))}); "
                "a task is for exactly one role",
                node,
                "split the task per role, or map the groups to one role",
            )
        if groups:
            return next(iter(roles)) if len(roles) == 1 and not unmapped else None
        role = mapped_role(lane, mapping) if lane else None
        if role is None:
            self.issue(
                f"the user task has no known role (lane {lane!r})" if lane else "the user task has no role",
                node,
                "put it in a lane named after a role or set candidateGroups (docs/modelling.md, Roles)",
            )
        return role

    def computed_groups(self, node: etree._Element, groups: str | None, written: str) -> bool:
        """True for groups computed from the process data (``${group}``, ``=group``); an expression
        outside the JUEL/FEEL subset, or one the sandbox refuses, is named here."""
        try:
            expression = group_expression(groups)
        except TranslationError as exc:
            self.issue(f"{written} {groups!r}: {exc}", node, "see docs/modelling.md, Other modelers")
            return True
        if expression is None:
            return False
        problem = check_expression(expression)
        if problem:
            hint = "see docs/modelling.md, Expressions"
            self.issue(f"{written} {groups!r} is refused: {problem}", node, hint)
        return True

    def check_assignee(self, node: etree._Element, extensions: dict[str, Any]) -> None:
        users = [u.strip() for u in (extensions.get("candidateUsers") or "").split(",") if u.strip()]
        if len(users) > 1:
            self.issue(
                f"{_written(node, 'candidateUsers')} names {len(users)} users; a task is for one person "
                "(its assignee) or for a role",
                node,
                "use a candidate group mapped to a role, or one assignee",
            )
        assignee = (extensions.get("assignee") or "").strip()
        if ("${" in assignee or "#{" in assignee or assignee.startswith("=")) and not _ASSIGNEE.match(
            assignee
        ):
            self.issue(
                f"{_written(node, 'assignee')} {assignee!r} is not a user name or a variable ${{name}}",
                node,
                "put the user name in a process variable and write ${variable}",
            )
