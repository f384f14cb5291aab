"""A deployed BPMN process as the graph that token replay walks: flow nodes with their incoming and
outgoing sequence flows (the places of the process's Petri net), gateways, boundary events and
loops. A deployed version never changes, so a parsed graph is cached per definition id and process:
the only per-process cache the monitoring keeps (immutable, like the compiled definitions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy import select

from ..bpmn.xml import UnsafeXml, parse_untrusted
from ..definitions.models import DefinitionFile, ProcessDefinition
from ..uow import UnitOfWork

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_PARSE_BYTES = 16 * 1024 * 1024
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
# Flow nodes: everything a token can pass (not lanes, flows, data or diagram plumbing).
FLOW_NODES = {
    *GATEWAYS,
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
CONTAINERS = ("subProcess", "transaction", "adHocSubProcess")


@dataclass
class Node:
    id: str
    kind: str
    name: str | None
    scope: str  # the process or subprocess the node sits in
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    attached_to: str | None = None  # a boundary event's host
    cancels: bool = True  # an interrupting boundary event
    looped: bool = False  # multi-instance or standard loop: several completions are one passage
    terminates: bool = False  # a terminate end event
    on_cycle: bool = False  # the model itself leads back to it (rework it allows)


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str | None
    scope: str


@dataclass
class ProcessGraph:
    process_id: str
    nodes: dict[str, Node]
    flows: dict[str, Flow]
    # Nodes inside a multi-instance subprocess run once per item: not a repetition.
    in_looped_scope: set[str] = field(default_factory=set)

    # The start events of the process itself (not of its subprocesses), set once parsed.
    start_ids: frozenset[str] = frozenset()

    def gateways(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in GATEWAYS and len(n.outgoing) > 1]


def parse_graph(xml: str, process_id: str, path: str = "process.bpmn") -> ProcessGraph | None:
    """The graph of `process_id` in a BPMN file, or None when the file has no such process."""
    try:
        tree = parse_untrusted(xml.encode("utf-8"), path, MAX_PARSE_BYTES)
    except UnsafeXml:
        return None
    process = next(
        (p for p in tree.iter(f"{{{BPMN}}}process") if p.get("id") == process_id),
        None,
    )
    if process is None:
        return None
    graph = ProcessGraph(process_id, {}, {})
    _collect(process, process_id, graph, looped_scope=False)
    # Flows whose ends are not flow nodes of this process (broken references) are left out.
    graph.flows = {
        k: f for k, f in graph.flows.items() if f.source in graph.nodes and f.target in graph.nodes
    }
    for flow in graph.flows.values():
        if flow.source in graph.nodes:
            graph.nodes[flow.source].outgoing.append(flow.id)
        if flow.target in graph.nodes:
            graph.nodes[flow.target].incoming.append(flow.id)
    _mark_cycles(graph)
    graph.start_ids = frozenset(
        n.id for n in graph.nodes.values() if n.kind == "startEvent" and n.scope == process_id
    )
    return graph


def _collect(container: etree._Element, scope: str, graph: ProcessGraph, *, looped_scope: bool) -> None:
    for child in container:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace != BPMN:
            continue
        kind, identifier = qname.localname, child.get("id") or ""
        if kind == "sequenceFlow" and identifier:
            graph.flows[identifier] = Flow(
                identifier,
                child.get("sourceRef") or "",
                child.get("targetRef") or "",
                child.get("name"),
                scope,
            )
            continue
        if kind not in FLOW_NODES or not identifier:
            continue
        looped = any(
            etree.QName(c).localname in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")
            for c in child
            if isinstance(c.tag, str)
        )
        graph.nodes[identifier] = Node(
            id=identifier,
            kind=kind,
            name=(child.get("name") or "").strip() or None,
            scope=scope,
            attached_to=child.get("attachedToRef"),
            cancels=child.get("cancelActivity", "true") != "false",
            looped=looped,
            terminates=any(
                isinstance(c.tag, str) and etree.QName(c).localname == "terminateEventDefinition"
                for c in child
            ),
        )
        if looped_scope:
            graph.in_looped_scope.add(identifier)
        if kind in CONTAINERS:
            _collect(child, identifier, graph, looped_scope=looped_scope or looped)


def _mark_cycles(graph: ProcessGraph) -> None:
    """A node on a cycle of sequence flows may legitimately run more than once per passage."""
    successors = {
        node_id: [graph.flows[f].target for f in node.outgoing if f in graph.flows]
        for node_id, node in graph.nodes.items()
    }
    for node_id, node in graph.nodes.items():
        seen: set[str] = set()
        stack = list(successors[node_id])
        while stack:
            current = stack.pop()
            if current == node_id:
                node.on_cycle = True
                break
            if current in seen or current not in successors:
                continue
            seen.add(current)
            stack.extend(successors[current])


# (definition id, process id) → graph; bounded: a long-running process sees a few hundred versions.
_known: dict[tuple[int, str], ProcessGraph | None] = {}
MAX_CACHED = 512


def graphs_of(uow: UnitOfWork, definition: ProcessDefinition) -> dict[str, ProcessGraph]:
    """Every BPMN process of a deployed version (the entry process and those it calls), parsed once
    per process lifetime: a version's files never change after deployment."""
    processes = (definition.summary or {}).get("processes", {})
    missing = [pid for pid in processes if (definition.id, pid) not in _known]
    if missing:
        if len(_known) + len(missing) > MAX_CACHED:
            _known.clear()
        files = dict(
            uow.session.execute(
                select(DefinitionFile.path, DefinitionFile.content).where(
                    DefinitionFile.definition_id == definition.id
                )
            ).all()
        )
        for pid in missing:
            path = str(processes[pid].get("file") or "")
            xml = files.get(path)
            _known[(definition.id, pid)] = parse_graph(xml, pid, path) if xml else None
    found = {pid: _known.get((definition.id, pid)) for pid in processes}
    return {pid: graph for pid, graph in found.items() if graph is not None}
