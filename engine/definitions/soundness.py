"""The soundness proof of each process: option to complete, proper completion, no dead transitions.

Each process is translated to a workflow net (workflow_net.py) and its reachable states are explored
one by one, every choice taken both ways (conditions are not read). From that state space:

- **option to complete**: from every reachable state the process can still end with no token left.
  A state where nothing can move is a deadlock, named by the join that waits and the split that did
  not send it a token ("exclusive split g1 is closed by parallel join g2"); states that keep moving
  but can never end are a loop without a way out, named by the elements in it;
- **proper completion**: no flow ever holds two tokens (lack of synchronisation: parallel branches
  merged by an exclusive gateway run the rest twice and leave a token when the process ends);
- **no dead transitions**: every element is reached in some run ("Task_z can never be reached").

Plus one structural rule: every element but an end event has a way out (an outgoing flow). The
exploration is bounded (`MAX_STATES`); a process beyond it gets a warning that it was too large to
prove, never a hang.
"""

from __future__ import annotations

from collections import deque

from lxml import etree

from ..bpmn.parser import BPMN_NS
from ..errors import ModelIssue
from .flow_checks import LOOP_HINT, LOOP_WITHOUT_EXIT, loops_without_exit, no_way_out
from .loop_checks import cycles
from .state_space import MAX_STATES, Exploration, explore
from .workflow_net import Net, build_net

SPLIT_WORDS = {
    "exclusiveGateway": "exclusive split",
    "eventBasedGateway": "event-based gateway",
    "inclusiveGateway": "inclusive split",
    "complexGateway": "complex gateway",
    "parallelGateway": "parallel split",
}
JOIN_WORDS = {
    "parallelGateway": "parallel join",
    "inclusiveGateway": "inclusive join",
    "complexGateway": "complex gateway",
    "exclusiveGateway": "exclusive merge",
}
CHOICES = {"exclusiveGateway", "eventBasedGateway", "inclusiveGateway", "complexGateway"}


class _Diagnosis:
    def __init__(self, filename: str, net: Net, found: Exploration) -> None:
        self.filename = filename
        self.net = net
        self.found = found
        self.issues: list[ModelIssue] = []
        self.reverse: dict[str, set[str]] = {}
        for source, targets in net.edges.items():
            for target in targets:
                self.reverse.setdefault(target, set()).add(source)

    def issue(self, element: str, template: str, params: dict[str, object], hint: str) -> None:
        info = self.net.nodes.get(element)
        line = info.line if info else None
        self.issues.append(ModelIssue.of(self.filename, template, params, element, line, hint))

    def kind(self, element: str) -> str:
        info = self.net.nodes.get(element)
        return info.kind if info else "process"

    def run(self) -> list[ModelIssue]:
        found = self.found
        can_end = self.completing()
        stuck = [
            s
            for s, following in enumerate(found.successors)
            if not following and s not in found.truncated and any(found.states[s])
        ]
        reported: set[str] = set()
        for state in stuck:
            self.deadlock(state, reported)
        self.livelocks(can_end)
        self.stalled_joins(reported)

        def line(place: int) -> int:
            info = self.net.nodes.get(self.net.flow_source_of.get(place, ""))
            return info.line or 0 if info else 0

        for place, element in sorted(found.unsafe.items(), key=lambda item: line(item[0])):
            source = self.net.flow_source_of.get(place, element)
            if not any(source in self.descendants(r) for r in reported if r in self.net.nodes):
                self.unsafe(place, element, reported)
        if not found.unsafe:
            self.dead({d for r in self.enclosing(reported) for d in self.descendants(r)})
        return self.issues

    def completing(self) -> set[int]:
        before: dict[int, list[int]] = {}
        for state, following in enumerate(self.found.successors):
            for _t, target in following:
                before.setdefault(target, []).append(state)
        done = {s for s, m in enumerate(self.found.states) if not any(m)} | self.found.truncated
        queue = deque(done)
        while queue:
            for earlier in before.get(queue.popleft(), ()):
                if earlier not in done:
                    done.add(earlier)
                    queue.append(earlier)
        return done

    def ancestors(self, element: str) -> dict[str, int]:
        """Elements that lead to `element`, with their distance."""
        distance = {element: 0}
        queue = deque([element])
        while queue:
            current = queue.popleft()
            for earlier in self.reverse.get(current, ()):
                if earlier not in distance:
                    distance[earlier] = distance[current] + 1
                    queue.append(earlier)
        return distance

    def deadlock(self, state: int, reported: set[str]) -> None:
        marking = self.found.states[state]
        waiting = sorted(
            {
                self.net.target[p]
                for p, count in enumerate(marking)
                if count and p in self.net.target and self.kind(self.net.target[p]) in JOIN_WORDS
            }
        )
        if not waiting:
            holders = sorted({self.net.target.get(p, self.net.places[p]) for p, c in enumerate(marking) if c})
            key = ",".join(holders)
            if key not in reported:
                reported.add(key)
                self.issue(
                    holders[0],
                    "the process can get stuck with tokens at %(elements)s",
                    {"elements": ", ".join(holders)},
                    "make sure every path reaches an end event",
                )
            return
        for join in waiting:
            if join not in reported:
                reported.add(join)
                self.join_waits(join, marking)

    def stalled_joins(self, reported: set[str]) -> None:
        """A join a token reaches but that never fires (the process may still end another way, e.g.
        an interrupting boundary event on a subprocess around it): named like a deadlock."""
        fired = {self.net.transitions[t].node for t in self.found.fired}
        for marking in self.found.states:
            for p, count in enumerate(marking):
                join = self.net.target.get(p)
                if not count or not join or join in fired or join in reported:
                    continue
                if self.kind(join) in {"parallelGateway", "inclusiveGateway", "complexGateway"}:
                    reported.add(join)
                    self.join_waits(join, marking)

    def join_waits(self, join: str, marking: bytes) -> None:
        flows = self.net.incoming.get(join, [])
        have = [p for p in flows if marking[p]]
        missing = [p for p in flows if not marking[p]]
        split = self.split_for(join, have, missing)
        words = JOIN_WORDS.get(self.kind(join), "join")
        boundaries = sorted(n for n in self.net.edges.get(split or "", ()) if self.kind(n) == "boundaryEvent")
        if split is not None and self.kind(split) not in SPLIT_WORDS and boundaries:
            self.issue(
                join,
                "boundary event %(boundary)s on %(split)s leads around %(join_words)s %(join)s: the join "
                "waits forever for the branch %(split)s did not take",
                {"boundary": boundaries[0], "split": split, "join_words": words, "join": join},
                "merge the boundary event's path with an exclusive gateway",
            )
        elif split is not None:
            self.issue(
                join,
                "%(split_words)s %(split)s is closed by %(join_words)s %(join)s: the join waits forever "
                "for the branch %(split)s did not take",
                {
                    "split_words": SPLIT_WORDS.get(self.kind(split), "split"),
                    "split": split,
                    "join_words": words,
                    "join": join,
                },
                "close %(split)s with a gateway of the same kind",
            )
        else:
            names = ", ".join(self.net.places[p].removeprefix("flow:") for p in missing) or "?"
            self.issue(
                join,
                "%(join_words)s %(join)s waits forever: flow %(flows)s never brings it a token",
                {"join_words": words, "join": join, "flows": names},
                "make every incoming branch of the join reachable, or merge with an exclusive gateway",
            )

    def split_for(self, join: str, have: list[int], missing: list[int]) -> str | None:
        before = self.ancestors(join)
        sources_have = {self.net.flow_source_of.get(p) for p in have} - {None}
        sources_missing = {self.net.flow_source_of.get(p) for p in missing} - {None}
        candidates = []
        for element, distance in before.items():
            kind = self.kind(element)
            is_choice = kind in CHOICES or any(
                self.kind(n) == "boundaryEvent" for n in self.net.edges.get(element, ())
            )
            if not is_choice or element == join:
                continue
            reach = self.descendants(element)
            if reach & sources_have and reach & sources_missing:
                candidates.append((distance, element))
        return min(candidates)[1] if candidates else None

    def descendants(self, element: str) -> set[str]:
        seen = {element}
        queue = deque([element])
        while queue:
            for following in self.net.edges.get(queue.popleft(), ()):
                if following not in seen:
                    seen.add(following)
                    queue.append(following)
        return seen

    def livelocks(self, can_end: set[int]) -> None:
        found = self.found
        bad = {s for s in range(len(found.states)) if s not in can_end}
        edges = {str(s): [str(target) for _t, target in found.successors[s] if target in bad] for s in bad}
        for component in cycles(sorted(edges), edges):
            members = {int(s) for s in component}
            if any(target not in members for s in members for _t, target in found.successors[s]):
                continue  # it leads on to a deadlock, reported there
            elements = sorted(
                {
                    found_t
                    for s in members
                    for t, target in found.successors[s]
                    if target in members and (found_t := self.net.transitions[t].node) in self.net.nodes
                },
                key=lambda e: (self.net.nodes[e].line or 0, e),
            )
            if not elements:
                continue
            self.issue(
                elements[0],
                LOOP_WITHOUT_EXIT,
                {"elements": ", ".join(elements)},
                LOOP_HINT,
            )

    def unsafe(self, place: int, element: str, reported: set[str]) -> None:
        target = self.net.target.get(place) or self.net.places[place].split(":", 1)[-1]
        merge = self.net.flow_source_of.get(place) or element
        if merge in reported:
            return
        reported.add(merge)
        before = self.ancestors(merge)
        splits = sorted(
            (d, e)
            for e, d in before.items()
            if e != merge
            and (
                self.kind(e) in {"parallelGateway", "inclusiveGateway"}
                or (self.kind(e) not in CHOICES and len(self.net.edges.get(e, ())) > 1)
            )
        )
        if splits and self.kind(merge) == "exclusiveGateway":
            split = splits[0][1]
            template = (
                "%(split_words)s %(split)s is closed by exclusive merge %(merge)s, which does not wait: "
                "%(target)s runs once per branch and a token is left over (improper completion)"
            )
            params = {"split_words": SPLIT_WORDS.get(self.kind(split), "split"), "split": split}
            hint = "close %(split)s with a parallel (or inclusive) join"
        else:
            params = {}
            template = (
                "%(target)s can hold two tokens at once: it runs more than once for one procedure "
                "and a token is left over (improper completion)"
            )
            hint = "join parallel branches with a parallel gateway before they meet"
        self.issue(merge, template, {**params, "merge": merge, "target": target}, hint)

    def boundaries(self, element: str | None) -> list[str]:
        return sorted(n for n in self.net.edges.get(element or "", ()) if self.kind(n) == "boundaryEvent")

    def enclosing(self, elements: set[str]) -> set[str]:
        """The elements and the subprocesses around them (a stuck subprocess never completes)."""
        found = {e for e in elements if e in self.net.nodes}
        for element in list(found):
            container = self.net.nodes[element].container
            while container is not None and container in self.net.nodes:
                found.add(container)
                container = self.net.nodes[container].container
        return found

    def dead(self, explained: set[str]) -> None:
        """Elements no run reaches (a token waiting at one counts as reaching it); what follows an
        element already reported is left out: it is dead because of that one."""
        fired = {self.net.transitions[t].node for t in self.found.fired} | explained
        for marking in self.found.states:
            fired.update(
                self.net.target[p] for p, count in enumerate(marking) if count and p in self.net.target
            )
        # A subprocess's start event fires with the subprocess's own entry.
        dead = {
            n
            for n, info in self.net.nodes.items()
            if n not in fired
            and not (info.kind == "startEvent" and info.container in fired)
            and n not in self.net.link_catches  # its link throw leads past it
        }

        # First the dead elements nothing dead leads to; what they lead to is dead because of them.
        def order(element: str) -> tuple[bool, int, str]:
            led = any(e in dead for e in self.reverse.get(element, ()))
            return led, self.net.nodes[element].line or 0, element

        covered: set[str] = set()
        for element in sorted(dead, key=order):
            info = self.net.nodes[element]
            if element in covered or (info.container is not None and info.container in dead):
                continue
            covered |= self.descendants(element)
            if not self.net.incoming.get(element) and info.kind not in {"startEvent", "boundaryEvent"}:
                reason = "%(element)s can never be reached: no sequence flow leads to it"
            else:
                reason = "%(element)s can never be reached in any run of the process"
            self.issue(
                element,
                reason,
                {"element": element},
                "connect it to the flow, or remove it",
            )


def check_soundness(filename: str, root: etree._Element, max_states: int = MAX_STATES) -> list[ModelIssue]:
    issues: list[ModelIssue] = []
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if process.get("isExecutable") != "true":
            continue  # a pool drawn for the reader (another organisation's side) never runs here
        net = build_net(process)
        structural = no_way_out(filename, net) + loops_without_exit(filename, net)
        issues.extend(structural)
        found = explore(net, max_states)
        if not found.complete:
            issues.append(
                ModelIssue.of(
                    filename,
                    "process %(process)s is too large to prove sound (more than %(states)s states)",
                    {"process": net.process_id, "states": f"{max_states:,}"},
                    net.process_id,
                    process.sourceline,
                    "split it into call activities",
                    severity="warning",
                )
            )
            continue
        known = {(i.element, i.message) for i in structural}
        found_issues = _Diagnosis(filename, net, found).run()
        issues.extend(i for i in found_issues if (i.element, i.message) not in known)
    return issues
