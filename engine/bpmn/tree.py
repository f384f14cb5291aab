"""The live task tree: keeping it flat, and telling a real end from the library's quiet one.

SpiffWorkflow keeps every task it ever ran, as a chain: each round of a loop hangs below the last.
Its tree walks (`get_tasks`, `is_completed`, the end join, a terminate end event) stop at depth 1,000
(`TaskIterator(max_depth=1000)`). A plain back-edge loop adds three tasks a round, so after ~333
rounds the open task lies beyond the walk: no task is READY, `is_completed()` answers True and the
workflow looks finished although the loop condition still holds.

Two defences, both here:

- `prune` splices finished tasks out of the chain after every step, so a loop keeps the depth and
  size of its first round (the history stays in the task rows and the event log). Only what nothing
  can ask for again is removed: a COMPLETED task with one COMPLETED child, whose parent becomes the
  child's parent. Tasks whose identity the library still reads are kept: a join's parent (a
  parallel or inclusive gateway, an end join, a boundary-event join tells its inputs by the spec of
  each parent), a split a join looks up by name, a multi-instance or loop task (its instances report
  to their parent), a task with a subprocess still running, and the root's own children (an ad-hoc
  subprocess tells its branches by them). A completed call activity goes with its finished subprocess.
- `unexpected_end` reads every task (the flat mapping, not the depth-limited walk): a workflow counts
  as ended only when no task holds a token and an end event completed.
"""

from __future__ import annotations

from collections.abc import Iterator

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import EventSplit
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
            removed += _splice_chains(workflow, wf)
    return removed


def _splice_chains(top: BpmnWorkflow, wf: object) -> int:
    tasks: dict[object, Task] = wf.tasks  # type: ignore[attr-defined]
    root = wf.task_tree  # type: ignore[attr-defined]
    removed = 0
    # Creation order: a parent comes before its children, so one pass splices a whole chain.
    for task in list(tasks.values()):
        if task.id not in tasks or not _spliceable(top, tasks, root, task):
            continue
        parent = tasks[task._parent]
        child = tasks[task._children[0]]
        if task.id in top.subprocesses:
            top.delete_subprocess(task)  # finished (see `_spliceable`), with any it called
        parent._children[parent._children.index(task.id)] = child.id
        child._parent = parent.id
        del tasks[task.id]
        if wf.last_task is task:  # type: ignore[attr-defined]
            wf.last_task = child  # type: ignore[attr-defined]
        removed += 1
    return removed


def _spliceable(top: BpmnWorkflow, tasks: dict[object, Task], root: Task, task: Task) -> bool:
    if task._state != TaskState.COMPLETED or task._parent is None or task._parent == root.id:
        return False
    if len(task._children) != 1:
        return False
    child = tasks.get(task._children[0])
    if child is None or child._state != TaskState.COMPLETED:
        return False
    if isinstance(child.task_spec, Join) or isinstance(task.task_spec, LoopTask | EventSplit):
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
