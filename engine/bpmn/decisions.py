"""A business rule task whose decision result lands in one variable (``resultVariable``).

SpiffWorkflow merges a decision's outputs into the task data, each output under its own name. Camunda 8
(``zeebe:calledDecision resultVariable``) and Camunda 7 (``camunda:resultVariable`` with
``camunda:mapDecisionResult``) put the result in the one variable the model names instead, and leave the
other variables alone; a model written for them reads that variable. With ``resultVariable`` in the
task's extensions (`dialects.py`) this spec does the same:

- Zeebe: a single-result table (UNIQUE, FIRST, …) gives the output's value, or an object of the outputs
  when there are several, or null when no rule matched; a COLLECT table gives a list of those.
- Camunda 7 ``mapDecisionResult``: ``singleEntry`` (a value), ``singleResult`` (an object),
  ``collectEntries`` (a list of values), ``resultList`` (a list of objects; the default).

Without ``resultVariable`` it is the library's task, unchanged.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

ZEEBE = "zeebe"
MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList", ZEEBE)


def _plain(value: Any) -> Any:
    """The library's OrderedDicts as plain JSON objects."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def shaped_result(rows: list[dict[str, Any]], outputs: int, collect: bool, mapping: str) -> Any:
    """The decision's matched rows (one object of outputs each) as `mapping` says."""
    rows = [_plain(row) for row in rows]
    if mapping == ZEEBE:
        items = [next(iter(row.values()), None) if outputs == 1 else row for row in rows]
        return items if collect else (items[0] if items else None)
    if mapping == "singleEntry":
        return next(iter(rows[0].values()), None) if rows else None
    if mapping == "singleResult":
        return rows[0] if rows else None
    if mapping == "collectEntries":
        return [next(iter(row.values()), None) for row in rows]
    return rows  # resultList


class ResultVariableBusinessRuleTask(BusinessRuleTask):
    """`BusinessRuleTask` that honours ``resultVariable`` (registered with the serializer in state.py)."""

    def _run_hook(self, my_task: Any) -> bool:
        extensions = getattr(self, "extensions", None) or {}
        variable = extensions.get("resultVariable")
        if not variable:
            return bool(super()._run_hook(my_task))
        try:
            table = self.dmnEngine.decision_table
            rows = [rule.output_as_dict(my_task) for rule in self.dmnEngine.decide(my_task)]
            collect = table.hit_policy == HitPolicy.COLLECT.value
            mapping = extensions.get("mapDecisionResult") or ZEEBE
            my_task.data[variable] = shaped_result(rows, len(table.outputs), collect, mapping)
            SpiffBpmnTask._run_hook(self, my_task)
        except SpiffWorkflowException as we:
            we.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise we
        except Exception as e:
            error = WorkflowTaskException(str(e), task=my_task)
            error.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise error from e
        return True
