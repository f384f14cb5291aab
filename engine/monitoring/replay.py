"""Token-based replay of one procedure's history over a process graph (engine.monitoring.process_graph).

The places of the process's Petri net are its sequence flows; each completed element is a transition
that takes a token from its incoming flows and puts one on the flows it leaves by. Replaying the
history in order tells, per element:
- **out of order**: it was done while the model did not enable it (a token it needed was missing:
  the step before it was skipped or had not been done yet);
- **skipped**: the procedure ended with a token still waiting in front of it, and it was never done;
- **repeated**: it was done more often than its process ran (rework), with whether the model itself
  loops back to it.
Which way an exclusive, inclusive or event-based gateway went is read from what came next in the
history (the first later element, done or merely opened, that one of its outgoing flows leads to);
the gateway split ratios count those choices. A parallel gateway takes every outgoing flow.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .process_graph import Node, ProcessGraph

DONE, OPENED = "done", "opened"
# A marker in a history: the instance continued as a new workflow of the process it names.
CONTINUED = "continued"
CHOOSING = ("exclusiveGateway", "eventBasedGateway", "complexGateway")


@dataclass(frozen=True)
class Occurrence:
    """One element in a procedure's history: completed (`done`) or reached and waiting (`opened`)."""

    element_id: str
    kind: str = DONE


def history_of(events: Iterable[tuple[str, str | None, Any]]) -> list[Occurrence]:
    """(type, element_id, detail) of the process events in order → the occurrences replay reads:
    completed tasks, the automatic path of each step (gateways, events, script tasks), the tasks
    opened (where a gateway's choice is still waiting) and continuations."""
    found: list[Occurrence] = []
    for type_, element_id, detail in events:
        if type_ == "path":
            elements = (detail or {}).get("elements") or []
            found.extend(Occurrence(str(e), DONE) for e in elements)
        elif element_id and type_ == "task_completed":
            found.append(Occurrence(element_id, DONE))
        elif element_id and type_ == "task_opened":
            found.append(Occurrence(element_id, OPENED))
        elif type_ == "continued" and (detail or {}).get("to"):
            found.append(Occurrence(str(detail["to"]), CONTINUED))
    return found


def by_process(
    history: list[Occurrence], graphs: dict[str, ProcessGraph], entry: str
) -> dict[str, list[Occurrence]]:
    """Each occurrence to the process it ran in. Element ids are unique within a file, not across
    them (the procedure and each evaluation period both end at "end_naar_afsluiting"), so the process
    the instance runs at that moment wins; an element only another process has (a called process,
    or the next segment's first steps, written before the `continued` event) goes to that one."""
    current = entry
    found: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in history:
        if occurrence.kind == CONTINUED:
            current = occurrence.element_id
            continue
        graph = graphs.get(current)
        if graph is not None and occurrence.element_id in graph.nodes:
            found[current].append(occurrence)
            continue
        for process_id, other in graphs.items():
            if occurrence.element_id in other.nodes:
                found[process_id].append(occurrence)
                break
    return found


@dataclass
class ReplayResult:
    fired: Counter[str] = field(default_factory=Counter)
    out_of_order: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    repeated: set[str] = field(default_factory=set)
    # gateway id → flow id → times taken
    decisions: dict[str, Counter[str]] = field(default_factory=dict)
    missing: int = 0
    remaining: int = 0

    @property
    def fits(self) -> bool:
        return not (self.out_of_order or self.skipped)


def replay(graph: ProcessGraph, history: Sequence[Occurrence], *, finished: bool) -> ReplayResult:
    """Replay the occurrences of this graph's elements (others are ignored: they belong to other
    processes of the procedure). `finished`: the procedure ended, so tokens left over mean skipped steps."""
    nodes = graph.nodes
    trace = [o for o in history if o.element_id in nodes]
    result = ReplayResult()
    fired: dict[str, int] = {}
    tokens: dict[str, int] = {}  # plain dicts: Counter.update is the slow part of a replay
    for index, occurrence in enumerate(trace):
        if occurrence.kind != DONE:
            continue
        node = nodes[occurrence.element_id]
        again = node.id in fired
        fired[node.id] = fired.get(node.id, 0) + 1
        if _consume(graph, node, tokens):
            result.missing += 1
            if not again:  # done again without the model leading back to it: a repetition, below
                result.out_of_order.add(node.id)
        chosen = _produce(graph, node, trace, index)
        if len(node.outgoing) > 1 and node.kind.endswith("Gateway"):
            counts = result.decisions.setdefault(node.id, Counter())
            for flow_id in chosen:
                counts[flow_id] += 1
        for flow_id in chosen:
            tokens[flow_id] = tokens.get(flow_id, 0) + 1
        if node.terminates:
            tokens.clear()
    result.fired = Counter(fired)
    if finished:
        for flow_id, count in tokens.items():
            if count <= 0:
                continue
            result.remaining += count
            target = graph.flows[flow_id].target
            if target not in fired and target in nodes:
                result.skipped.add(target)
    runs = max(1, sum(fired.get(s, 0) for s in graph.start_ids))
    for node_id, count in result.fired.items():
        node = graph.nodes[node_id]
        if (
            count > runs
            and not node.looped
            and node_id not in graph.in_looped_scope
            and node.kind != "boundaryEvent"
        ):
            result.repeated.add(node_id)
    return result


def _take(tokens: dict[str, int], flow_id: str) -> bool:
    if tokens.get(flow_id, 0) > 0:
        tokens[flow_id] -= 1
        return True
    return False


def _consume(graph: ProcessGraph, node: Node, tokens: dict[str, int]) -> bool:
    """Take the tokens the element needs; True when one was missing (the model did not enable it)."""
    if node.attached_to:
        # A boundary event is enabled by its host being active; an interrupting one ends the host.
        host = graph.nodes.get(node.attached_to)
        if host is not None and node.cancels:
            for flow_id in host.incoming:
                if _take(tokens, flow_id):
                    break
            for flow in graph.flows.values():
                if flow.scope == host.id:
                    tokens.pop(flow.id, None)
        return False
    if not node.incoming:
        return False  # start events (of the process or a subprocess) need no token
    if node.kind == "parallelGateway":
        missing = [f for f in node.incoming if not _take(tokens, f)]
        return bool(missing)
    if node.kind == "inclusiveGateway" and len(node.incoming) > 1:
        taken = [f for f in node.incoming if _take(tokens, f)]
        return not taken
    return not any(_take(tokens, f) for f in node.incoming)


def _produce(graph: ProcessGraph, node: Node, trace: Sequence[Occurrence], index: int) -> list[str]:
    outgoing = node.outgoing
    if len(outgoing) <= 1 or node.kind == "parallelGateway":
        return outgoing
    if node.kind in CHOOSING:
        first = _next_targets(graph, node, outgoing, trace, index, first_only=True)
        return first
    if node.kind == "inclusiveGateway":
        return _next_targets(graph, node, outgoing, trace, index, first_only=False)
    return outgoing  # an activity with several outgoing flows forks (implicit parallel split)


def _next_targets(
    graph: ProcessGraph,
    node: Node,
    outgoing: list[str],
    trace: Sequence[Occurrence],
    index: int,
    *,
    first_only: bool,
) -> list[str]:
    """The outgoing flows whose targets come next in the history, before the gateway comes again."""
    by_target: dict[str, list[str]] = {}
    for flow_id in outgoing:
        by_target.setdefault(graph.flows[flow_id].target, []).append(flow_id)
    chosen: list[str] = []
    for later in trace[index + 1 :]:
        if later.element_id == node.id:
            break
        flows = by_target.pop(later.element_id, None)
        if flows:
            chosen.append(flows[0])
            if first_only:
                break
    return chosen
