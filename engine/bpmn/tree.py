"""The live task tree: keeping it flat, and telling a real end from the library's quiet one.

SpiffWorkflow keeps every task it ever ran, as a chain: each round of a loop hangs below the last.
Its tree walks (`get_tasks`, `is_completed`, the end join, a terminate end event) stop at depth 1,000
(`TaskIterator(max_depth=1000)`). A plain back-edge loop adds three tasks a round, so after ~333
rounds the open task lies beyond the walk: no task is READY, `is_completed()` answers True and the
workflow looks finished although the loop condition still holds.

Two defences, both here:

- `prune` runs after every step and removes what nothing can ask for again, so a loop keeps the
  depth and size of its first round (the history stays in the task rows and the event log):
  1. *splice*: a COMPLETED task with one COMPLETED child leaves the chain (the child hangs from its
     parent instead);
  2. *dead branches*: the finished branches of a completed split go (the cancelled boundary events
     of a task that completed, the events an event-based gateway did not take);
  3. *re-root*: everything not below the deepest completed task that all open work descends from
     goes (the splits, joins and branches of earlier rounds of a loop around a parallel block).
  Kept are what the library still reads: an unstructured join's parent and its finished siblings (a
  parallel, inclusive or end join tells the inputs that reached it by them), a multi-instance or
  loop task (its instances report to it), a call activity whose subprocess still runs, the root's
  own children (an ad-hoc subprocess tells its branches by them), and anything not finished. A
  completed call activity goes with its finished subprocess.
- `unexpected_end` reads every task (the flat mapping, not the depth-limited walk): a workflow counts
  as ended only when no task holds a token and an end event completed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..errors import UnexpectedEnd


def prune(workflow: BpmnWorkflow) -> int:
    """Splice the finished rounds out of the task trees of `workflow` and its subprocesses; the
    number of tasks removed."""
    removed = 0
    for wf in [workflow, *workflow.subprocesses.values()]:
        if wf is workflow or wf.parent_task_id in workflow.subprocesses:  # not deleted meanwhile
            removed += _splice_chains(workflow, wf) + _reroot(workflow, wf)
    return removed


def _reroot(top: BpmnWorkflow, wf: Any) -> int:
    """Drop everything that is not below the deepest completed task all open work descends from:
    the finished rounds of a loop around a parallel block or a task with boundary events (the
    splits, cancelled branches and joins of earlier rounds), which `_splice_chains` must keep."""
    tasks: dict[Any, Task] = wf.tasks
    root: Task = wf.task_tree
    if getattr(wf.spec, "conditional_paths", None):
        return 0  # an ad-hoc subprocess tells its branches by the root's children
    common: list[Any] | None = None
    for task in tasks.values():
        if not task._state & TaskState.NOT_FINISHED_MASK:
            continue
        path = _path(tasks, task)
        if common is None:
            common = path
            continue
        depth = 0
        while depth < len(common) and depth < len(path) and common[depth] == path[depth]:
            depth += 1
        del common[depth:]
    if not common:
        return 0
    while common and tasks[common[-1]]._state != TaskState.COMPLETED:
        common.pop()  # the open task itself, or an open parent (a running call activity)
    if len(common) <= 2:
        return 0  # already hanging from the root
    keep_root = tasks[common[-1]]
    keep = {root.id}
    stack = [keep_root.id]
    while stack:
        current = stack.pop()
        keep.add(current)
        stack.extend(tasks[current]._children)
    dropped = [task_id for task_id in tasks if task_id not in keep]
    for task_id in dropped:
        subprocess = top.subprocesses.get(task_id)
        if subprocess is not None and not subprocess.completed:
            return 0  # never drop work that is still running
    for task_id in dropped:
        if task_id in top.subprocesses:
            top.delete_subprocess(tasks[task_id])
    root._children = [keep_root.id]
    keep_root._parent = root.id
    for task_id in dropped:
        if wf.last_task is tasks[task_id]:
            wf.last_task = None
        del tasks[task_id]
    return len(dropped)


def _path(tasks: dict[Any, Task], task: Task) -> list[Any]:
    """The ids from the root down to `task` (iteratively: the tree may be deep)."""
    path = [task.id]
    parent = task._parent
    while parent is not None:
        path.append(parent)
        parent = tasks[parent]._parent
    path.reverse()
    return path


def _splice_chains(top: BpmnWorkflow, wf: Any) -> int:
    tasks: dict[Any, Task] = wf.tasks
    root: Task = wf.task_tree
    removed = 0
    # Creation order: a parent comes before its children, so one pass splices a whole chain.
    for task in list(tasks.values()):
        if task.id not in tasks:
            continue
        if len(task._children) > 1 and task._state == TaskState.COMPLETED:
            removed += _drop_dead_branches(top, tasks, task)
        if not _spliceable(top, tasks, root, task):
            continue
        parent = tasks[task._parent]
        child = tasks[task._children[0]]
        if task.id in top.subprocesses:
            top.delete_subprocess(task)  # finished (see `_spliceable`), with any it called
        parent._children[parent._children.index(task.id)] = child.id
        child._parent = parent.id
        del tasks[task.id]
        if wf.last_task is task:
            wf.last_task = child
        removed += 1
    return removed


def _drop_dead_branches(top: BpmnWorkflow, tasks: dict[Any, Task], task: Task) -> int:
    """Remove the finished branches of a completed split that nothing reads again: the cancelled
    boundary events of a task that completed, the events an event-based gateway did not take. A
    branch holding a join task is kept (a parallel join counts the branches that reached it by
    those), and so is one with a subprocess still known."""
    removed = 0
    for child_id in list(task._children):
        branch = _subtree(tasks, child_id)
        if any(_needed(top, t) for t in branch):
            continue
        if len(task._children) == 1:
            break  # the branch the flow went on with stays
        task._children.remove(child_id)
        for t in branch:
            del tasks[t.id]
        removed += len(branch)
    return removed


def _needed(top: BpmnWorkflow, task: Task) -> bool:
    return bool(task._state & TaskState.NOT_FINISHED_MASK) or _counted(task) or task.id in top.subprocesses


def _counted(task: Task) -> bool:
    """A join task another join task of its spec may still read (with its parent): an unstructured
    join (parallel, inclusive, end) tells the inputs that reached it by them. A boundary-event join
    reads its split only while it waits, so a finished one is read by nothing."""
    return isinstance(task.task_spec, Join) and not isinstance(task.task_spec, BoundaryEventJoin)


def _subtree(tasks: dict[Any, Task], task_id: Any) -> list[Task]:
    found, stack = [], [task_id]
    while stack:
        current = tasks[stack.pop()]
        found.append(current)
        stack.extend(current._children)
    return found


def _spliceable(top: BpmnWorkflow, tasks: dict[Any, Task], root: Task, task: Task) -> bool:
    if task._state != TaskState.COMPLETED or task._parent is None or task._parent == root.id:
        return False
    if len(task._children) != 1:
        return False
    child = tasks.get(task._children[0])
    if child is None or child._state != TaskState.COMPLETED:
        return False
    if _counted(child):
        return False
    if isinstance(task.task_spec, LoopTask):
        return False
    subprocess = top.subprocesses.get(task.id)
    return subprocess is None or bool(subprocess.completed)


def all_tasks(workflow: BpmnWorkflow) -> Iterator[Task]:
    """Every task of the workflow and its subprocesses, without walking the tree."""
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def unexpected_end(workflow: BpmnWorkflow) -> UnexpectedEnd | None:
    """Why a workflow the library calls completed did not end by its model (None: it did).

    Ended by its model means: an end event completed (a plain end reached by every token, a
    terminate end event, a cancel) and no task anywhere still holds a token."""
    holding = [t for t in all_tasks(workflow) if t.has_state(TaskState.DEFINITE_MASK)]
    if holding:
        elements = sorted({_element(t) for t in holding})
        states = ", ".join(f"{_element(t)} ({TaskState.get_name(t.state)})" for t in holding[:5])
        return UnexpectedEnd(
            "the engine library reported the end of the process, but a token is still open at "
            f"{states} and no end event ended it; the last good state is kept",
            element=elements[0],
            elements=",".join(elements),
            cause="unexpected_end",
        )
    if not any(
        isinstance(t.task_spec, EndEvent) and t.state == TaskState.COMPLETED for t in workflow.tasks.values()
    ):
        last = workflow.last_task
        element = _element(last) if last is not None else None
        return UnexpectedEnd(
            "the engine library reported the end of the process, but no end event was reached"
            + (f" (last element: {element})" if element else "")
            + "; the last good state is kept",
            element=element,
            cause="unexpected_end",
        )
    return None


def _element(task: Task) -> str:
    return str(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)


def waiting_message(workflow: BpmnWorkflow, name: str) -> Task | None:
    """The event that would catch message `name` now."""
    for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.READY):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return task
    return None
