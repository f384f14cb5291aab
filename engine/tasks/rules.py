"""Who may see and do which task. Deny by default: only what is written here is allowed.

- A task is for its role (the lane or candidate group of the model); a task without a role is for nobody
  until someone is assigned to it.
- A party task (`partyVariable`) is only for the contacts (and medical professionals) of that party.
- A task with an owner — the person who claimed it, or the assignee the model named — is only for
  that person: only the claimant completes a claimed task.
- A manager sees every task of the municipality and may hand any of them to someone who may do it;
  a person who may do a task may hand it to a colleague.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from ..access import Actor
from ..errors import Conflict, InvalidInput, NotAuthorized, NotFound
from ..roles import DUTCH_NAMES, Role
from ..runtime.models import Task


class TaskClaimedByOther(NotAuthorized):
    code = "task_claimed_by_other"


class TaskAlreadyClaimed(Conflict):
    code = "task_already_claimed"


class TaskNotCompletable(InvalidInput):
    """A task row that no form completes (e.g. a manager's escalation task): it is resolved elsewhere."""

    code = "task_not_completable"


def owner(task: Task) -> str | None:
    return task.claimed_by or task.assignee


def is_for_role(actor: Actor, task: Task) -> bool:
    """The task's role and party match the actor (ignoring who owns it)."""
    if task.role is None or task.role not in actor.roles:
        return False
    return task.party is None or task.party == actor.party


def is_for_role_clause(actor: Actor) -> ColumnElement[bool]:
    """`is_for_role` as a SQL condition on `Task`."""
    roles = [r.value for r in actor.roles]
    party = (
        Task.party.is_(None) if actor.party is None else or_(Task.party.is_(None), Task.party == actor.party)
    )
    return and_(Task.role.in_(roles), party)


def can_see(actor: Actor, task: Task) -> bool:
    if actor.has(Role.MANAGER):
        return True
    return is_for_role(actor, task) or actor.username in (task.claimed_by, task.assignee, task.completed_by)


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """`can_see` as a SQL condition (the tenant filter is the caller's)."""
    if actor.has(Role.MANAGER):
        return Task.tenant_id == actor.tenant_id
    name = actor.username
    return or_(
        is_for_role_clause(actor), Task.claimed_by == name, Task.assignee == name, Task.completed_by == name
    )


def may_work_on(actor: Actor, task: Task) -> bool:
    who = owner(task)
    if who is not None:
        return who == actor.username and (is_for_role(actor, task) or task.claimed_by == actor.username)
    return is_for_role(actor, task)


def may_release(actor: Actor, task: Task) -> bool:
    """Whoever has the task gives it back to the role's pool; a manager may take it from anyone."""
    return owner(task) == actor.username or actor.has(Role.MANAGER)


# Who may learn that a party's task exists without being able to see it: the municipality's staff.
CASE_STAFF = (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER)


def require_can_see(actor: Actor, task: Task) -> None:
    """Refuse a task the actor may not see. A party's task does not exist for anyone outside that
    party and the municipality's staff (404, as for another municipality's id): the refusal would
    tell another party that this party takes part."""
    if can_see(actor, task):
        return
    if task.party is not None and task.party != actor.party and not actor.has(*CASE_STAFF):
        raise NotFound("task not found")
    raise NotAuthorized(_not_for_you(task), role=task.role)


def require_can_work_on(actor: Actor, task: Task) -> None:
    """Claim and complete: the task is for the actor's role and party, and nobody else owns it."""
    who = owner(task)
    if who is not None and who != actor.username:
        raise TaskClaimedByOther(
            f"the task is {'claimed by' if task.claimed_by else 'assigned to'} {who}", owner=who
        )
    if not may_work_on(actor, task):
        raise NotAuthorized(_not_for_you(task), role=task.role)


def require_can_assign(actor: Actor, task: Task) -> None:
    if actor.has(Role.MANAGER) or may_work_on(actor, task):
        return
    raise NotAuthorized("only a manager or someone who may do the task hands it over", role=task.role)


def _not_for_you(task: Task) -> str:
    if task.role is None:
        return "this task has no role; a manager assigns it"
    role = Role(task.role) if task.role in Role._value2member_map_ else None
    label = DUTCH_NAMES[role] if role else task.role
    suffix = f" of party {task.party}" if task.party else ""
    return f"this task is for the role {label}{suffix}"
