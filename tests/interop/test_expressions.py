"""JUEL and FEEL translated with the grammar, evaluated in the sandbox with process data; everything
outside the subset refused naming the dialect and the construct."""

from __future__ import annotations

import json

import pytest

from engine.bpmn.expressions import TranslationError, translate
from engine.bpmn.sandbox import SandboxEnvironment, check_expression
from engine.definitions.analysis import analyze
from engine.definitions.bundle import Bundle
from tests.interop import models

DATA = {
    "approved": True,
    "amount": 1500,
    "remainingAmount": 0,
    "name": "Anna",
    "empty_list": [],
    "items": ["a"],
    "nothing": None,
    "client": {"address": {"city": "Utrecht"}, "age": 17},
    "minutes": 5,
}

# (expression as the model writes it, its value on DATA)
CASES = [
    ("${approved}", True),
    ("${!approved}", False),
    ("${not approved}", False),
    ("#{approved}", True),
    ("${amount > 1000}", True),
    ("${amount gt 1000}", True),
    ("${amount >= 1500 && amount <= 1500}", True),
    ("${amount lt 10 and approved}", False),
    ("${amount < 10 || approved}", True),
    ("${amount < 10 or !approved}", False),
    ("${amount == 1500}", True),
    ("${amount eq 1500 && name ne 'Bert'}", True),
    ('${name == "Anna"}', True),
    ("${empty empty_list}", True),
    ("${empty items}", False),
    ("${empty nothing}", True),
    ("${!empty items}", True),
    ("${nothing == null}", True),
    ("${client.address.city == 'Utrecht'}", True),
    ("${client.age + 1 >= 18}", True),
    ("${amount / 2 == 750 && amount % 2 == 0 && amount div 2 == 750 && amount mod 7 == 2}", True),
    ("${-amount < 0}", True),
    ("${items[0] == 'a'}", True),
    ("${(amount > 1000) == true}", True),
    ("${approved == false}", False),
    ("${amount > 1.5e3}", False),
    ("=remainingAmount > 0", False),
    ("=remainingAmount = 0", True),
    ("=approved = true and amount > 1000", True),
    ("=approved or amount < 0", True),
    ("=not(approved)", False),
    ('=not(approved) or name != "Anna"', False),
    ('=client.address.city = "Utrecht"', True),
    ("=nothing = null", True),
    ("=amount - 500 * 2 = 500", True),
    ('=items = ["a"]', True),
    ("PT${minutes}M", "PT5M"),
    ("P${client.age}D", "P17D"),
]


@pytest.mark.parametrize(("written", "value"), CASES, ids=[c[0] for c in CASES])
def test_translated_expression_means_what_it_says(written, value):
    python = translate(written)
    assert python is not None
    assert check_expression(python) is None, python
    assert SandboxEnvironment().evaluate(python, dict(DATA)) == value


REFUSALS = [
    ("${execution.getVariable('approved')}", "JUEL", "object 'execution'"),
    ("${task.assignee}", "JUEL", "object 'task'"),
    ("${myBean.isOk(amount)}", "JUEL", "method call myBean.isOk"),
    ("${approved ? 'a' : 'b'}", "JUEL", "'?'"),
    ("${amount >}", "JUEL", "construct"),
    ("${approved", "JUEL", "closing"),
    ("${__class__}", "JUEL", "variable name '__class__'"),
    ("=count(items) > 0", "FEEL", "function call count"),
    ('=date and time("2024-01-01T00:00:00")', "FEEL", "function call"),
    ("=items[1]", "FEEL", "filter or index"),
    ("=if approved then 1 else 2", "FEEL", "construct"),
    ("=some x in items satisfies x > 1", "FEEL", "construct"),
    ("=x.y(1)", "FEEL", "function call"),
    ("=not", "FEEL", "'not'"),
]


@pytest.mark.parametrize(("written", "dialect", "construct"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_outside_the_subset_is_refused_naming_dialect_and_construct(written, dialect, construct):
    with pytest.raises(TranslationError) as refused:
        translate(written)
    assert refused.value.dialect == dialect
    assert construct in str(refused.value)


def test_python_expressions_are_left_alone():
    assert translate("amount > 1000 and approved") is None


def _timer_model(prefix: str, timer: str, kind: str = "timeDuration") -> Bundle:
    process = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:{kind}>{timer}</bpmn:{kind}></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    return Bundle({"t.bpmn": models.document(process, prefix=prefix).encode()})


@pytest.mark.parametrize(
    ("prefix", "timer"),
    [("camunda", "PT${minutes}M"), ("camunda", "${delay}"), ("zeebe", "=delay"), ("zeebe", "PT15M")],
)
def test_timer_expressions_deploy(prefix, timer):
    analysis = analyze(_timer_model(prefix, timer))
    assert analysis.ok, [str(i) for i in analysis.issues]


@pytest.mark.parametrize(
    ("timer", "named"),
    [
        ("0 0 9 * * ?", "cron expression"),
        ("0 0/5 * * * MON-FRI", "cron expression"),
        ("R/${execution.id}", "JUEL object"),
    ],
)
def test_cron_cycles_and_untranslatable_timers_are_refused_by_name(timer, named):
    analysis = analyze(_timer_model("camunda", timer, "timeCycle"))
    [issue] = analysis.errors
    assert named in issue.message and issue.element == "wait"


def test_assignee_expressions_beyond_a_variable_are_refused():
    process = models.gateway(
        "camunda",
        "${approved}",
        "${!approved}",
        'camunda:formKey="step" camunda:candidateGroups="assessor" camunda:assignee="${users.pick(1)}"',
    )
    files = {
        "m.bpmn": models.document(process, prefix="camunda").encode(),
        "forms/step.json": json.dumps(models.STEP_FORM).encode(),
    }
    errors = analyze(Bundle(files)).errors
    assert {(i.element, i.message.split(" ")[0]) for i in errors} == {
        ("review", "camunda:assignee"),
        ("rework", "camunda:assignee"),
    }
