"""Moving a live workflow onto the specs of another version: the library-level half of migrating a
running procedure (engine.runtime.migrate writes the result).

What SpiffWorkflow offers (`bpmn.util.diff.migrate_workflow`) resets every READY and WAITING task,
which restarts waiting timers and loses a multi-instance item's data. Here the tree keeps its task
ids, states, data and timers; only the spec each task points at changes (by element id, or through
the plan's mapping), and the predicted part of the tree below each waiting task is predicted afresh
from the new model, so the next step follows the new version.

A workflow that cannot be moved faithfully is refused with every reason found (`CannotMigrate`):
a waiting element the target does not have and the plan does not map, a task mapped onto an element
of another kind, boundary events that differ around a waiting task, a join or a subprocess whose
element is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .state import CompiledDefinition

LIVE = TaskState.WAITING | TaskState.READY | TaskState.STARTED
HELD = LIVE | TaskState.FINISHED_MASK
PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE
# Suffixes the parser gives the specs it derives from one element (boundary events, multi-instance).
DERIVED = (".BoundaryEventSplit", ".BoundaryEventJoin", " [child]")


@dataclass(frozen=True)
class Blocker:
    """Why a workflow cannot move: a stable `code` (the UI's Dutch text is chosen by it), the
    element concerned and an English explanation."""

    code: str
    element: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "element": self.element, "message": self.message}


class CannotMigrate(Exception):
    def __init__(self, blockers: list[Blocker]) -> None:
        super().__init__("; ".join(b.message for b in blockers))
        self.blockers = blockers


@dataclass
class Moved:
    """What a migration did: the live elements and where they went (source id → target id)."""

    elements: dict[str, str] = field(default_factory=dict)


def target_name(name: str, mapping: Mapping[str, str]) -> str:
    """The target spec name of a source spec name: mapped by element id, derived specs with it."""
    if name in mapping:
        return mapping[name]
    for suffix in DERIVED:
        if name.endswith(suffix) and name[: -len(suffix)] in mapping:
            return mapping[name[: -len(suffix)]] + suffix
    return name


def element_of(task: Task) -> str:
    return str(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)


def migrate(
    workflow: BpmnWorkflow, target: CompiledDefinition, process_id: str, mapping: Mapping[str, str]
) -> Moved:
    """Point `workflow` (restored against its own version) at `target`'s specs, in place. Raises
    `CannotMigrate` with every reason found; the workflow is then unusable (restore it again)."""
    blockers: list[Blocker] = []
    if process_id not in target.specs:
        raise CannotMigrate(
            [Blocker("process_missing", process_id, f"the target version has no process {process_id!r}")]
        )
    moved = Moved()
    plans = [(workflow, target.process_spec(process_id))]
    for sub in workflow.subprocesses.values():
        name = target_name(sub.spec.name, mapping)
        spec = target.subprocess_specs.get(name)
        if spec is None:
            if sub.completed:
                continue
            blockers.append(
                Blocker(
                    "subprocess_missing",
                    sub.spec.name,
                    f"the running subprocess {sub.spec.name!r} is not part of the target version",
                )
            )
            continue
        plans.append((sub, spec))
    retargeted = []
    for wf, spec in plans:
        found = _retarget(wf, spec, mapping, moved)
        blockers.extend(found)
        retargeted.append((wf, spec))
    if blockers:
        raise CannotMigrate(blockers)
    for wf, spec in retargeted:
        wf.spec = spec
        _repredict(wf)
        for task in wf.tasks.values():
            if spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                element = element_of(task)
                blockers.append(
                    Blocker(
                        "element_removed",
                        element,
                        f"the procedure will reach {element!r}, which the target version does not have",
                    )
                )
    if blockers:
        raise CannotMigrate(blockers)
    workflow.subprocess_specs = target.subprocess_specs
    return moved


def _retarget(wf: Any, spec: Any, mapping: Mapping[str, str], moved: Moved) -> list[Blocker]:
    """Find each task's spec in `spec`; splice out finished tasks of removed elements; check the
    waiting ones. Assigns nothing until every task has a place (the caller raises otherwise)."""
    blockers: list[Blocker] = []
    assignment: dict[Any, Any] = {}
    orphans: list[Task] = []
    for task in list(wf.tasks.values()):
        name = target_name(task.task_spec.name, mapping)
        new = spec.task_specs.get(name)
        old_element = element_of(task)
        if new is None:
            if task.has_state(LIVE):
                blockers.append(
                    Blocker(
                        "element_removed",
                        old_element,
                        f"{old_element!r} is waiting, and the target version has no such element "
                        "and the plan maps it nowhere",
                    )
                )
            elif task.has_state(TaskState.FINISHED_MASK):
                orphans.append(task)
            # predicted tasks go when the tree is predicted afresh
            continue
        if type(new) is not type(task.task_spec) and task.has_state(LIVE | TaskState.FINISHED_MASK):
            blockers.append(
                Blocker(
                    "kind_changed",
                    old_element,
                    f"{old_element!r} is a {type(task.task_spec).__name__}, its target {name!r} "
                    f"a {type(new).__name__}",
                )
            )
            continue
        assignment[task.id] = new
        if task.has_state(LIVE) and getattr(new, "bpmn_id", None):
            moved.elements[old_element] = str(new.bpmn_id)
    for task in orphans:
        if isinstance(task.task_spec, Join | LoopTask | BoundaryEventSplit) or task.id in getattr(
            wf, "subprocesses", {}
        ):
            element = element_of(task)
            blockers.append(
                Blocker(
                    "history_needed",
                    element,
                    f"the procedure still depends on {element!r}, which the target version does not have",
                )
            )
    blockers.extend(_boundary_changes(wf, spec, mapping))
    if blockers:
        return blockers
    for task in orphans:
        _splice(wf, task)
    for task_id, new in assignment.items():
        if task_id in wf.tasks:
            wf.tasks[task_id].task_spec = new
    return []


def _boundary_changes(wf: Any, spec: Any, mapping: Mapping[str, str]) -> list[Blocker]:
    """A waiting task keeps the boundary events it was armed with: refuse a target that adds, drops
    or changes them (the live tree cannot gain or lose an armed event without running the model)."""
    blockers = []
    for task in wf.tasks.values():
        if not task.has_state(TaskState.READY | TaskState.WAITING) or not getattr(
            task.task_spec, "bpmn_id", None
        ):
            continue
        new = spec.task_specs.get(target_name(task.task_spec.name, mapping))
        if new is None:
            continue
        parent = task.parent
        armed = parent is not None and isinstance(parent.task_spec, BoundaryEventSplit)
        split = next((s for s in new.inputs if isinstance(s, BoundaryEventSplit)), None)
        if armed and split is not None:
            siblings = sorted(target_name(c.task_spec.name, mapping) for c in parent.children)
            if siblings == sorted(s.name for s in split.outputs):
                continue
        elif not armed and split is None:
            continue
        if armed and parent.task_spec.name.endswith(".BoundaryEventSplit") and task is not parent.children[0]:
            continue  # reported once, for the task the events are attached to
        element = element_of(task)
        blockers.append(
            Blocker(
                "boundary_changed",
                element,
                f"the boundary events around {element!r} differ in the target version; a waiting "
                "task keeps the events it was armed with",
            )
        )
    return blockers


def _splice(wf: Any, task: Task) -> None:
    """Take a finished task of a removed element out of the tree; its children hang from its parent."""
    parent = wf.tasks.get(task._parent) if task._parent is not None else None
    if parent is None:
        return  # the root: never of a removed element
    index = parent._children.index(task.id)
    parent._children[index : index + 1] = list(task._children)
    for child_id in task._children:
        wf.tasks[child_id]._parent = parent.id
    if wf.last_task is task:
        wf.last_task = parent
    del wf.tasks[task.id]


def _repredict(wf: Any) -> None:
    """Drop the predictions below each READY or WAITING task and predict again from the new specs:
    the next step then follows the target version. Data, state and timers of the task stay."""
    for task in list(wf.tasks.values()):
        if task.id not in wf.tasks or not task.has_state(TaskState.READY | TaskState.WAITING):
            continue
        for child in list(task.children):
            if child.has_state(PREDICTED) and not any(d.has_state(HELD) for d in _below(child)):
                wf._remove_task(child.id)
        task.task_spec._predict_hook(task)
        for child in task.children:
            if child.has_state(PREDICTED):
                child.task_spec._predict(child, mask=PREDICTED)
    if wf.last_task is not None and wf.last_task.id not in wf.tasks:
        wf.last_task = None


def _below(task: Task) -> list[Task]:
    found, stack = [], [task]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.children)
    return found
