"""Soundness defects read from the flow itself, before any state is explored: an element no flow
leaves, and a loop no path leaves. The state space (soundness.py) misses the second where the process
can always end another way, so both are checked here for every executable process."""

from __future__ import annotations

from collections import deque

from ..errors import ModelIssue
from .loop_checks import cycles
from .workflow_net import CONTAINERS, Net

LOOP_WITHOUT_EXIT = (
    "the loop through %(elements)s has no way out: once the process is in it, it can never end"
)
LOOP_HINT = "give the loop an exit (a gateway with a flow out of it)"


def no_way_out(filename: str, net: Net) -> list[ModelIssue]:
    issues = []
    for element, info in sorted(net.nodes.items(), key=lambda i: (i[1].line or 0, i[0])):
        if info.kind == "endEvent" or net.exits.get(element, 0):
            continue
        if info.kind in CONTAINERS and net.event_subprocess.get(element):
            continue
        issues.append(
            ModelIssue.of(
                filename,
                "%(element)s has no way out: no sequence flow leaves it",
                {"element": element},
                element,
                info.line,
                "lead it on, or end the path with an end event",
            )
        )
    return issues


def loops_without_exit(filename: str, net: Net) -> list[ModelIssue]:
    """A loop no path leaves, read from the flow itself: the state space does not show it when the
    process can always end another way (an interrupting boundary event on the subprocess around the
    loop, a message the procedure may receive). A path ends at an end event, at an element without
    outgoing flow (reported on its own) or through a boundary event of an element on it."""
    nodes = net.nodes
    before: dict[str, list[str]] = {}
    for source, targets in net.edges.items():
        for target in targets:
            if source in nodes and target in nodes and nodes[source].container == nodes[target].container:
                before.setdefault(target, []).append(source)
    ending = {n for n, info in nodes.items() if info.kind == "endEvent" or not net.exits.get(n)}
    queue = deque(ending)
    while queue:
        for earlier in before.get(queue.popleft(), ()):
            if earlier not in ending:
                ending.add(earlier)
                queue.append(earlier)
    stuck = {n for n in nodes if n not in ending}
    edges = {
        n: [t for t in net.edges.get(n, ()) if t in stuck and nodes[t].container == nodes[n].container]
        for n in stuck
    }
    issues = []
    for component in cycles(sorted(stuck), edges):
        elements = sorted(component, key=lambda e: (nodes[e].line or 0, e))
        issues.append(
            ModelIssue.of(
                filename,
                LOOP_WITHOUT_EXIT,
                {"elements": ", ".join(elements)},
                elements[0],
                nodes[elements[0]].line,
                LOOP_HINT,
            )
        )
    return issues
