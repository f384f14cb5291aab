"""Keeping the live workflow a command just wrote, so the next command on that instance in this
process skips deserializing it.

Correctness rests on two rules: an entry is valid only for the exact row version it was written as
(another process that advanced the instance bumped the version, so the entry simply misses), and an
entry is *taken* out of the cache before use and put back only after the command committed — a
command that fails midway leaves no half-advanced workflow behind.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from SpiffWorkflow.bpmn import BpmnWorkflow

MAX_CACHED_WORKFLOWS = 1000


@dataclass(frozen=True)
class Cached:
    workflow: BpmnWorkflow
    # Its READY user tasks, as the step that wrote it found them: the next step starts from these
    # without walking the task tree for them again.
    ready: frozenset[uuid.UUID]


class WorkflowCache:
    def __init__(self, maxsize: int = MAX_CACHED_WORKFLOWS) -> None:
        self._items: OrderedDict[uuid.UUID, tuple[int, Cached]] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def take(self, instance_id: uuid.UUID, version: int) -> Cached | None:
        with self._lock:
            entry = self._items.pop(instance_id, None)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, instance_id: uuid.UUID, version: int, cached: Cached) -> None:
        with self._lock:
            self._items[instance_id] = (version, cached)
            self._items.move_to_end(instance_id)
            while len(self._items) > self._maxsize:
                self._items.popitem(last=False)

    def discard(self, instance_id: uuid.UUID) -> None:
        with self._lock:
            self._items.pop(instance_id, None)
