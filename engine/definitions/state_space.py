"""The reachable states of a workflow net (workflow_net.py), explored one by one, breadth first.

A state is a marking: how many tokens each place holds (0, 1, or 2 meaning "two or more": a second
token on a place is already the defect the proof reports, so such a state is kept but not explored
further). The exploration stops at `max_states` and says so (`complete`); the caller reports a
process that large as too large to prove rather than waiting for it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .workflow_net import Net

MAX_STATES = 20_000


@dataclass
class Exploration:
    states: list[bytes] = field(default_factory=list)
    successors: list[list[tuple[int, int]]] = field(default_factory=list)  # (transition, state)
    unsafe: dict[int, str] = field(default_factory=dict)  # place → element that put a second token on it
    truncated: set[int] = field(default_factory=set)  # states not explored further (a place held 2)
    fired: set[int] = field(default_factory=set)
    complete: bool = True


def _upstream(net: Net) -> dict[int, tuple[int, ...]]:
    """For each inclusive join transition: the places from which a token can still reach one of the
    flows it does not take, through anything but the join itself."""
    found: dict[int, tuple[int, ...]] = {}
    for index, transition in enumerate(net.transitions):
        if not transition.upstream:
            continue
        before: dict[int, set[int]] = {}
        for other in net.transitions:
            if other.node == transition.node:
                continue
            for produced in other.produce:
                before.setdefault(produced, set()).update(other.consume)
        seen = set(transition.upstream)
        queue = deque(transition.upstream)
        while queue:
            for place in before.get(queue.popleft(), ()):
                if place not in seen:
                    seen.add(place)
                    queue.append(place)
        found[index] = tuple(seen)
    return found


def explore(net: Net, max_states: int = MAX_STATES) -> Exploration:
    result = Exploration()
    by_place: dict[int, list[int]] = {}
    for index, transition in enumerate(net.transitions):
        by_place.setdefault(transition.consume[0], []).append(index)
    upstream = _upstream(net)
    initial = bytearray(len(net.places))
    initial[net.source] = 1
    index_of = {bytes(initial): 0}
    result.states.append(bytes(initial))
    result.successors.append([])
    queue = deque([0])
    while queue:
        current = queue.popleft()
        marking = result.states[current]
        if current in result.truncated:
            continue
        for place, count in enumerate(marking):
            if not count:
                continue
            for t_index in by_place.get(place, ()):
                t = net.transitions[t_index]
                if any(not marking[p] for p in t.consume) or any(marking[p] for p in t.empty):
                    continue
                if any(marking[p] for p in upstream.get(t_index, ())):
                    continue
                following = bytearray(marking)
                for p in t.consume:
                    following[p] -= 1
                for p in t.reset:
                    following[p] = 0
                overfull = False
                for p in t.produce:
                    following[p] += 1
                    if following[p] > 1:
                        following[p] = 2
                        overfull = True
                        result.unsafe.setdefault(p, t.node)
                key = bytes(following)
                result.fired.add(t_index)
                target = index_of.get(key)
                if target is None:
                    if len(result.states) >= max_states:
                        result.complete = False
                        return result
                    target = index_of[key] = len(result.states)
                    result.states.append(key)
                    result.successors.append([])
                    if overfull:
                        result.truncated.add(target)
                    queue.append(target)
                result.successors[current].append((t_index, target))
    return result
