"""Loops the engine cannot keep flat, said at validation (warnings, not errors).

After every step the engine prunes the finished rounds of a loop from the live state
(engine/bpmn/tree.py): plain back edges, boundary events, event-based gateways, multi-instance
tasks, call activities and whole parallel blocks inside a loop all stay as small as their first
round. One shape does not: a loop that *joins* parallel (or inclusive) branches while another
branch of the process, outside the loop, is still open. The library tells which branches reached a
join by the finished join tasks of earlier rounds, so they stay; each round keeps a few tasks, and
after some hundreds of rounds the procedure hits the state limit (or, near the library's walk depth,
is put in error rather than silently completed). A designer should hear that before deploying.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ..bpmn.parser import BPMN_NS
from ..errors import ModelIssue

CONTAINERS = ("process", "subProcess", "transaction")
JOINING = ("parallelGateway", "inclusiveGateway")
FORKING = ("parallelGateway", "inclusiveGateway", "eventBasedGateway")


def check_loops(filename: str, root: etree._Element) -> list[ModelIssue]:
    issues = []
    for tag in CONTAINERS:
        for container in root.iter(f"{{{BPMN_NS}}}{tag}"):
            issues.extend(_check_container(filename, container))
    return issues


def _check_container(filename: str, container: etree._Element) -> list[ModelIssue]:
    kinds: dict[str, str] = {}
    nodes: dict[str, etree._Element] = {}
    edges: dict[str, list[str]] = {}
    incoming: dict[str, int] = {}
    for child in container:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        ident = child.get("id")
        if not ident:
            continue
        if name == "sequenceFlow":
            source, target = child.get("sourceRef"), child.get("targetRef")
            if source and target:
                edges.setdefault(source, []).append(target)
                incoming[target] = incoming.get(target, 0) + 1
        else:
            kinds[ident] = name
            nodes[ident] = child
    issues = []
    for component in cycles(list(kinds), edges):
        joins = sorted(n for n in component if kinds.get(n) in JOINING and incoming.get(n, 0) > 1)
        if not joins:
            continue
        forks = sorted(
            n
            for n in kinds
            if n not in component
            and kinds[n] in FORKING
            and len(edges.get(n, [])) > 1
            and component & _reachable(n, edges)
        )
        if not forks:
            continue
        anchor = nodes[joins[0]]
        issues.append(
            ModelIssue(
                filename,
                f"the loop through {', '.join(sorted(component))} joins parallel branches at "
                f"{', '.join(joins)} inside a branch that {forks[0]} started: while the other branch is "
                "open, each round keeps its finished join tasks in the live state, and after some "
                "hundreds of rounds the procedure is refused (state limit)",
                joins[0],
                anchor.sourceline,
                "move the loop out of the parallel block, or into a call activity (its rounds are pruned "
                "apart from the other branch)",
                severity="warning",
            )
        )
    return issues


def _reachable(start: str, edges: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(edges.get(start, []))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, []))
    return seen


def cycles(nodes: Iterable[str], edges: dict[str, list[str]]) -> list[set[str]]:
    """The strongly connected components that hold a cycle (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges.get(node, [])
            if position < len(successors):
                work.append((node, position + 1))
                successor = successors[position]
                if successor not in index:
                    work.append((successor, 0))
                elif successor in on_stack:
                    low[node] = min(low[node], index[successor])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, []):
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
