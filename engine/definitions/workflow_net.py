"""A BPMN process as a workflow net: places and transitions the soundness proof explores.

Each sequence flow is a place (a token on it waits for the element it leads to). An activity with
boundary events and every (sub)process get a place of their own while they run. Transitions are
what the elements do: an exclusive gateway moves one token from one flow to one flow, a parallel
gateway takes one from each incoming flow and puts one on each outgoing flow, an end event takes one
and gives none. Three things a plain Petri net cannot say are transition guards here, because the
proof explores the states itself (state_space.py):

- `empty`: places that must hold no token (a (sub)process completes when nothing runs inside it; a
  non-interrupting boundary event or event subprocess fires once per run of its host);
- `reset`: places emptied (an interrupting boundary event or event subprocess, a terminate end);
- `upstream`: the inclusive join's rule (BPMN 2.0, 13.3.2): it fires once no token elsewhere can
  still reach one of its empty incoming flows.

Conditions are not read: every branch of a choice is possible, so a branch the proof calls dead is
dead whatever the data. A call activity and a multi-instance activity are one step here (the called
process is proven on its own; the instances of a multi-instance run inside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from lxml import etree

from ..bpmn.parser import BPMN_NS

ACTIVITIES = {
    "task",
    "userTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "manualTask",
    "businessRuleTask",
    "callActivity",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "adHocSubProcess",
}
CONTAINERS = {"subProcess", "transaction"}
GATEWAYS = {"exclusiveGateway", "eventBasedGateway", "parallelGateway", "inclusiveGateway", "complexGateway"}
MAX_SUBSET_BRANCHES = 6  # beyond this an inclusive choice is approximated by one branch or all


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


@dataclass(frozen=True)
class Transition:
    node: str
    consume: tuple[int, ...]
    produce: tuple[int, ...] = ()
    empty: tuple[int, ...] = ()
    reset: tuple[int, ...] = ()
    upstream: tuple[int, ...] = ()  # inclusive join: none of these may hold a token


@dataclass
class NodeInfo:
    id: str
    kind: str
    line: int | None
    container: str | None  # the (sub)process element around it (None: the process)


@dataclass
class Net:
    process_id: str
    places: list[str] = field(default_factory=list)
    target: dict[int, str] = field(default_factory=dict)  # flow place → the element it leads to
    transitions: list[Transition] = field(default_factory=list)
    nodes: dict[str, NodeInfo] = field(default_factory=dict)
    incoming: dict[str, list[int]] = field(default_factory=dict)  # element → its incoming flow places
    edges: dict[str, set[str]] = field(default_factory=dict)  # element → elements it can pass to
    flow_source_of: dict[int, str] = field(default_factory=dict)  # flow place → the element it leaves
    exits: dict[str, int] = field(default_factory=dict)  # element → its outgoing flows
    event_subprocess: dict[str, bool] = field(default_factory=dict)
    link_catches: set[str] = field(default_factory=set)  # entered from their link throw, not by a flow
    source: int = 0

    def place(self, name: str) -> int:
        self.places.append(name)
        return len(self.places) - 1

    def add(self, transition: Transition) -> None:
        self.transitions.append(transition)


def _choices(kind: str, outs: list[int], conditional: bool, default: int | None) -> list[tuple[int, ...]]:
    """What an element may put on its outgoing flows. A parallel gateway and an activity without
    conditions: all of them. An exclusive or event-based gateway: one. An inclusive gateway, or an
    activity with conditions on its flows: any non-empty subset of the conditional ones, or else
    the default. No outgoing flow: nothing (the path ends there)."""
    if not outs:
        return [()]
    if kind in {"exclusiveGateway", "eventBasedGateway"}:
        return [(o,) for o in outs]
    inclusive = kind in {"inclusiveGateway", "complexGateway"} or (conditional and kind != "parallelGateway")
    if not inclusive or len(outs) < 2:
        return [tuple(outs)]
    optional = [o for o in outs if o != default]
    if len(optional) > MAX_SUBSET_BRANCHES:
        found = [(o,) for o in optional] + [tuple(optional)]
    else:
        found = [c for n in range(1, len(optional) + 1) for c in combinations(optional, n)]
    return found + ([(default,)] if default is not None else [])


@dataclass
class _Scope:
    """What one (sub)process is being built from."""

    element: etree._Element
    ident: str | None
    run: int
    inner: list[int] = field(default_factory=list)  # places that must be empty for it to complete
    flags: list[int] = field(default_factory=list)  # once-per-run markers, cleared at completion
    starts: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)


class _Builder:
    def __init__(self, process: etree._Element) -> None:
        self.net = Net(process_id=process.get("id") or "?")
        self.flow_place: dict[str, int] = {}

    def build(self, process: etree._Element) -> Net:
        net = self.net
        net.source = net.place("start")
        scope = self.container(process, None, net.place(f"run:{net.process_id}"))
        for start_id, marks in scope.starts:
            net.add(Transition(start_id, (net.source,), (scope.run, *marks)))
        net.add(Transition(net.process_id, (scope.run,), empty=tuple(scope.inner), reset=tuple(scope.flags)))
        return net

    def container(self, element: etree._Element, ident: str | None, run: int) -> _Scope:
        net = self.net
        scope = _Scope(element, ident, run)
        children = [c for c in element if local(c) and c.get("id")]
        nodes = {
            c.get("id") or "": c
            for c in children
            if local(c) in FLOW_NODES
            and c.get("isForCompensation") != "true"  # a compensation handler runs outside the flow
            and not (local(c) == "boundaryEvent" and c.find(_q("compensateEventDefinition")) is not None)
        }
        outs: dict[str, list[int]] = {}
        ins: dict[str, list[int]] = {}
        conditional: set[str] = set()
        for flow in (c for c in children if local(c) == "sequenceFlow"):
            source, target = flow.get("sourceRef") or "", flow.get("targetRef") or ""
            if source not in nodes or target not in nodes:
                continue  # an unresolved reference is reported by foreign_checks
            p = net.place(f"flow:{flow.get('id')}")
            self.flow_place[flow.get("id") or ""] = p
            net.target[p] = target
            net.flow_source_of[p] = source
            net.exits[source] = net.exits.get(source, 0) + 1
            scope.inner.append(p)
            outs.setdefault(source, []).append(p)
            ins.setdefault(target, []).append(p)
            net.edges.setdefault(source, set()).add(target)
            if flow.find(_q("conditionExpression")) is not None:
                conditional.add(source)
        attached: dict[str, list[etree._Element]] = {}
        for ident_b, child in nodes.items():
            if local(child) == "boundaryEvent" and child.find(_q("compensateEventDefinition")) is None:
                attached.setdefault(child.get("attachedToRef") or "", []).append(child)
            net.nodes[ident_b] = NodeInfo(ident_b, local(child), child.sourceline, ident)
            net.incoming[ident_b] = ins.get(ident_b, [])
        is_event_sub = {
            n for n, c in nodes.items() if local(c) in CONTAINERS and c.get("triggeredByEvent") == "true"
        }
        for n in is_event_sub:
            net.event_subprocess[n] = True
        has_start = any(local(c) == "startEvent" for c in nodes.values())
        if not has_start:  # no start event: what has no incoming flow starts (BPMN 2.0, 10.5.2)
            entries = []
            for n, c in nodes.items():
                if not ins.get(n) and local(c) != "boundaryEvent" and n not in is_event_sub:
                    p = net.place(f"entry:{n}")
                    net.target[p] = n
                    ins[n] = net.incoming[n] = [p]
                    scope.inner.append(p)
                    entries.append(p)
            scope.starts.append((ident or net.process_id, tuple(entries)))
        # For what follows a path through the model (privacy proofs): a scope leads to its starts.
        net.edges.setdefault(ident or net.process_id, set()).update(
            n for n, c in nodes.items() if local(c) == "startEvent" or (not ins.get(n) and not has_start)
        )
        net.edges[ident or net.process_id].update(is_event_sub)
        links = {
            (d.get("name") or ""): outs.get(c.get("id") or "", [])
            for c in nodes.values()
            if local(c) == "intermediateCatchEvent"
            for d in c.findall(_q("linkEventDefinition"))
        }
        net.link_catches.update(
            n
            for n, c in nodes.items()
            if local(c) == "intermediateCatchEvent" and c.find(_q("linkEventDefinition")) is not None
        )
        terminates: list[tuple[str, int]] = []
        event_subs: list[tuple[etree._Element, _Scope]] = []
        for n, child in nodes.items():
            kind = local(child)
            default = self.flow_place.get(child.get("default") or "")
            choices = _choices(kind, outs.get(n, []), n in conditional, default)
            link = child.find(_q("linkEventDefinition"))
            if kind == "intermediateThrowEvent" and link is not None:
                choices = [tuple(links.get(link.get("name") or "", []))]
                net.exits[n] = net.exits.get(n, 0) + (1 if choices[0] else 0)
            if kind == "boundaryEvent":
                continue  # with its host
            if kind == "startEvent":
                scope.starts.append((n, tuple(outs.get(n, []))))
            elif kind == "endEvent":
                if child.find(_q("terminateEventDefinition")) is not None:
                    terminates.extend((n, p) for p in ins.get(n, []))
                else:
                    for p in ins.get(n, []):
                        net.add(Transition(n, (p,)))
            elif kind in GATEWAYS:
                self.gateway(n, kind, ins.get(n, []), choices)
            elif n in is_event_sub:
                sub = self.container(child, n, net.place(f"run:{n}"))
                scope.inner.extend([*sub.inner, sub.run])
                scope.flags.extend(sub.flags)
                event_subs.append((child, sub))
            else:
                self.activity(child, n, ins.get(n, []), choices, attached.get(n, []), outs, scope)
        for n, p in terminates:
            net.add(Transition(n, (p,), reset=tuple(q for q in scope.inner if q != p)))
        for child, sub in event_subs:
            self.event_subprocess(child, sub, scope)
        return scope

    def gateway(self, ident: str, kind: str, ins: list[int], choices: list[tuple[int, ...]]) -> None:
        net = self.net
        if kind == "parallelGateway":
            for choice in choices:
                net.add(Transition(ident, tuple(ins), choice))
        elif kind in {"inclusiveGateway", "complexGateway"} and len(ins) > 1:
            subsets = [s for n in range(1, len(ins) + 1) for s in combinations(ins, n)]
            for subset in subsets[: 2**MAX_SUBSET_BRANCHES]:
                waiting = tuple(p for p in ins if p not in subset)
                for choice in choices:
                    net.add(Transition(ident, subset, choice, empty=waiting, upstream=waiting))
        else:
            for p in ins:
                for choice in choices:
                    net.add(Transition(ident, (p,), choice))

    def activity(
        self,
        node: etree._Element,
        ident: str,
        ins: list[int],
        choices: list[tuple[int, ...]],
        attached: list[etree._Element],
        outs: dict[str, list[int]],
        scope: _Scope,
    ) -> None:
        net = self.net
        is_container = local(node) in CONTAINERS
        if not is_container and not attached:
            for p in ins:
                for choice in choices:
                    net.add(Transition(ident, (p,), choice))
            return
        run = net.place(f"run:{ident}")
        sub = self.container(node, ident, run) if is_container else _Scope(node, ident, run)
        scope.inner.extend([*sub.inner, run])
        fired = {
            b.get("id") or "": net.place(f"fired:{b.get('id')}")
            for b in attached
            if b.get("cancelActivity", "true") == "false"
        }
        scope.flags.extend([*sub.flags, *fired.values()])
        clear = (*sub.flags, *fired.values())
        for p in ins:
            for _start, marks in sub.starts or [(ident, ())]:
                net.add(Transition(ident, (p,), (run, *marks)))
        for boundary in attached:
            b_id = boundary.get("id") or ""
            net.edges.setdefault(ident, set()).add(b_id)
            b_outs = tuple(outs.get(b_id, []))
            if b_id in fired:
                net.add(Transition(b_id, (run,), (run, fired[b_id], *b_outs), empty=(fired[b_id],)))
            else:
                net.add(Transition(b_id, (run,), b_outs, reset=(*sub.inner, *clear)))
        for choice in choices:
            net.add(Transition(ident, (run,), choice, empty=tuple(sub.inner), reset=clear))

    def event_subprocess(self, node: etree._Element, sub: _Scope, host: _Scope) -> None:
        """Fires at most once while its host runs; an interrupting one ends everything else there."""
        net = self.net
        fired = net.place(f"fired:{sub.ident}")
        host.flags.append(fired)
        own = {*sub.inner, sub.run}
        for start_id, marks in sub.starts:
            start = node.find(f"{_q('startEvent')}[@id='{start_id}']")
            interrupting = start is None or start.get("isInterrupting", "true") != "false"
            reset = tuple(p for p in host.inner if p not in own) if interrupting else ()
            net.add(
                Transition(
                    start_id, (host.run,), (host.run, fired, sub.run, *marks), empty=(fired,), reset=reset
                )
            )
        if sub.ident:
            net.add(Transition(sub.ident, (sub.run,), empty=tuple(sub.inner), reset=tuple(sub.flags)))


FLOW_NODES = ACTIVITIES | CONTAINERS | GATEWAYS | {"startEvent", "endEvent", "boundaryEvent"}


def build_net(process: etree._Element) -> Net:
    return _Builder(process).build(process)
