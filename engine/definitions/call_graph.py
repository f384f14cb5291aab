"""The bundle's processes as a graph: call-activity cycles (refused at deploy), the processes an
entry process reaches (its closure: calls and continue-as), and what of the bundle they need."""

from __future__ import annotations

from typing import Any

from .bpmn_checks import ProcessInfo
from .bundle import Bundle


def call_cycles(processes: dict[str, ProcessInfo]) -> list[list[str]]:
    """Cycles in the call-activity graph, one per back edge of an iterative depth-first search: linear
    in the bundle's size and no recursion limit (continuing as new is not a call: it replaces the
    running process, so loops through continueAs are fine)."""
    cycles: list[list[str]] = []
    done: set[str] = set()
    for root in sorted(processes):
        if root in done:
            continue
        path: list[str] = [root]
        pending: list[list[str]] = [sorted(processes[root].calls, reverse=True)]
        while path:
            if not pending[-1]:
                done.add(path.pop())
                pending.pop()
                continue
            called = pending[-1].pop()
            if called in path:
                cycles.append([*path[path.index(called) :], called])
            elif called in processes and called not in done:
                path.append(called)
                pending.append(sorted(processes[called].calls, reverse=True))
    return cycles


def closure(entry: str, processes: dict[str, ProcessInfo]) -> list[str]:
    seen: list[str] = []
    todo = [entry]
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in processes:
            continue
        seen.append(pid)
        todo.extend(sorted(processes[pid].calls | processes[pid].continues_into))
    return seen


def closure_files(
    bundle: Bundle,
    closure: list[str],
    processes: dict[str, ProcessInfo],
    decisions_by_file: dict[str, set[str]],
) -> dict[str, bytes]:
    paths = {processes[pid].file for pid in closure}
    decisions = set().union(*(processes[pid].decisions for pid in closure))
    paths |= {path for path, ids in decisions_by_file.items() if ids & decisions}
    forms = set().union(*(processes[pid].forms for pid in closure))
    paths |= {bundle.form_path(key) for key in forms}
    paths |= set(bundle.paths("yaml"))
    return {path: bundle.files[path] for path in sorted(paths) if path in bundle.files}


def process_summary(entry: str, closure: list[str], processes: dict[str, ProcessInfo]) -> dict[str, Any]:
    return {
        "entry": entry,
        "processes": {
            pid: {
                "name": processes[pid].name,
                "file": processes[pid].file,
                "start_form": processes[pid].start_form,
                "user_tasks": [t.as_dict() for t in processes[pid].user_tasks],
            }
            for pid in closure
        },
    }
