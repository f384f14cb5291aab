"""Bundle validation before deploy: every error names file, element and line, and says what to do."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading

import pytest

from engine.definitions.analysis import analyze
from engine.definitions.bundle import Bundle
from engine.errors import InvalidProcessModel
from tests.factories import FIXTURES, SIMPLE_FORM, bpmn_document

FORM = json.dumps(SIMPLE_FORM).encode()


def _bundle(process_xml: str, *, forms: dict[str, bytes] | None = None, extra_files=None, **kwargs) -> Bundle:
    files = {"model.bpmn": bpmn_document(process_xml, **kwargs).encode(), "forms/f.json": FORM}
    files.update(forms or {})
    files.update(extra_files or {})
    return Bundle(files)


def _issues(bundle: Bundle) -> list[str]:
    return [str(i) for i in analyze(bundle).issues]


def _task(inner: str = "", attrs: str = 'camunda:formKey="f" camunda:candidateGroups="coordinator"') -> str:
    return f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:userTask id="task" name="Taak" {attrs}>{inner}</bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""


def test_a_valid_bundle_has_no_issues_and_one_entry():
    analysis = analyze(_bundle(_task()))
    assert analysis.issues == []
    assert list(analysis.entries) == ["p"]


def test_a_user_task_without_form_or_role_is_named_with_its_line():
    issues = _issues(_bundle(_task(attrs="")))
    assert any("model.bpmn:" in i and "[task]" in i and "has no form" in i for i in issues)
    assert any("[task]" in i and "has no role" in i for i in issues)


def test_a_missing_or_invalid_form_is_reported():
    missing = _issues(_bundle(_task(attrs='camunda:formKey="nope" camunda:candidateGroups="meldpunt"')))
    assert any("form 'nope' does not exist" in i and "forms/nope.json" in i for i in missing)
    broken = {
        "forms/f.json": json.dumps({"type": "object", "properties": {"x": {"type": "nonsense"}}}).encode()
    }
    assert any("not a valid JSON Schema" in i for i in _issues(_bundle(_task(), forms=broken)))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"type": "object", "title": "\\ud800"}', "lone surrogate"),
        (b'{"type": "object", "examples": ' + b"[" * 1000 + b"]" * 1000 + b"}", "nested deeper than 64"),
        (b'{"type": "object", "maximum": NaN}', "NaN is not JSON"),
    ],
    ids=["surrogate", "deep", "nan"],
)
def test_a_form_that_is_not_usable_json_is_an_issue_not_a_crash(content, expected):
    issues = _issues(_bundle(_task(), forms={"forms/f.json": content}))
    assert any("not usable JSON" in i and expected in i for i in issues), issues


def test_a_message_event_form_must_exist_and_only_message_events_take_one():
    def boundary(definition: str) -> str:
        return (
            _task()
            + f"""
    <bpmn:boundaryEvent id="stop" attachedToRef="task" camunda:formKey="nope">{definition}</bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="stop" targetRef="end"/>"""
        )

    message = boundary('<bpmn:messageEventDefinition id="m" messageRef="msg"/>')
    extra = '<bpmn:message id="msg" name="client_withdraws"/>'
    assert any(
        "[stop]" in i and "form 'nope' does not exist" in i for i in _issues(_bundle(message, extra=extra))
    )
    timer = boundary(
        '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>'
    )
    assert any("[stop]" in i and "only a message event takes a form" in i for i in _issues(_bundle(timer)))


def _subprocess(sub_id: str, inner: str) -> str:
    return f"""
    <bpmn:subProcess id="{sub_id}">
      {inner}
      <bpmn:startEvent id="{sub_id}_start"/>
      <bpmn:sequenceFlow id="{sub_id}_f1" sourceRef="{sub_id}_start" targetRef="{sub_id}_work"/>
      <bpmn:scriptTask id="{sub_id}_work">
        <bpmn:incoming>{sub_id}_f1</bpmn:incoming><bpmn:outgoing>{sub_id}_f2</bpmn:outgoing>
        {{association}}
        <bpmn:script>x = 1</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:sequenceFlow id="{sub_id}_f2" sourceRef="{sub_id}_work" targetRef="{sub_id}_end"/>
      <bpmn:endEvent id="{sub_id}_end"/>
    </bpmn:subProcess>"""


def _writes(reference: str) -> str:
    return f'<bpmn:dataOutputAssociation id="out_{reference}"><bpmn:targetRef>{reference}</bpmn:targetRef></bpmn:dataOutputAssociation>'


def _analyze_within(bundle: Bundle, seconds: float = 10) -> list[str]:
    """SpiffWorkflow's parser loops forever on some unresolvable data object references: fail, not hang."""
    found: list[list[str]] = []
    worker = threading.Thread(target=lambda: found.append(_issues(bundle)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert found, "validation did not finish"
    return found[0]


@pytest.mark.parametrize(
    "body",
    [
        # A reference to a data object that exists nowhere, inside a subprocess.
        _subprocess("a", '<bpmn:dataObjectReference id="ref" dataObjectRef="nowhere"/>').replace(
            "{association}", _writes("ref")
        ),
        # A task writing through a reference that lives in a sibling subprocess.
        _subprocess("a", "").replace("{association}", _writes("ref_b"))
        + _subprocess(
            "b", '<bpmn:dataObject id="only_b"/><bpmn:dataObjectReference id="ref_b" dataObjectRef="only_b"/>'
        ).replace("{association}", ""),
    ],
)
def test_data_object_references_spiffworkflow_cannot_resolve_are_refused_not_hung(body):
    process = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a"/>
    {body}
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    issues = _analyze_within(_bundle(process))
    assert any("not a data object of its process or of the one directly around it" in i for i in issues), (
        issues
    )


def test_a_data_object_of_the_enclosing_process_is_accepted():
    body = _subprocess("a", '<bpmn:dataObjectReference id="ref" dataObjectRef="kept"/>').replace(
        "{association}", _writes("ref")
    )
    process = f"""
    <bpmn:dataObject id="kept"/>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a"/>
    {body}
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    assert _analyze_within(_bundle(process)) == []


def test_an_unknown_role_is_refused():
    issues = _issues(_bundle(_task(attrs='camunda:formKey="f" camunda:candidateGroups="wizards"')))
    assert any("no known role" in i and "wizards" in i for i in issues)


def test_gateway_flows_need_a_condition_or_a_default():
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="yes" sourceRef="gw" targetRef="end1"><bpmn:conditionExpression>x == 1</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="end2"/>
    <bpmn:endEvent id="end1"/><bpmn:endEvent id="end2"/>"""
    issues = _issues(_bundle(process))
    assert any("[gw]" in i and "'no' has no condition" in i for i in issues)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("import os", "imports are not allowed"),
        ("x = __import__('os')", "starts with"),
        ("x = open('/etc/passwd').read()", '"open" is not available'),
        ("x = ().__class__.__base__.__subclasses__()", "invalid attribute name"),
        ("x = = 1", "invalid syntax"),
    ],
)
def test_scripts_the_sandbox_refuses_are_refused_at_deploy_time(script, expected):
    process = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:scriptTask id="script"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    issues = _issues(_bundle(process))
    assert any("[script]" in i and expected in i for i in issues), issues


def test_conditions_and_timers_are_checked():
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P3X"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="b"/>
    <bpmn:sequenceFlow id="a" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>__import__("os")</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="b" sourceRef="gw" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    issues = _issues(_bundle(process))
    assert any("[wait]" in i and "'P3X' is not an ISO 8601 duration" in i for i in issues), issues
    assert any("[a]" in i and "condition" in i for i in issues), issues


@pytest.mark.parametrize(("cycle", "refused"), [("R/PT0S", True), ("R/PT30S", True), ("R2/PT10M", False)])
def test_a_repeating_timer_fires_at_most_once_a_minute(cycle, refused):
    # R/PT0S fired on every scheduler tick, forever, growing the live state with each round.
    timer = f"""<bpmn:boundaryEvent id="remind" attachedToRef="task" cancelActivity="false">
      <bpmn:timerEventDefinition id="t"><bpmn:timeCycle>{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="remind" targetRef="reminded"/>
    <bpmn:endEvent id="reminded"/>"""
    issues = _issues(_bundle(_task() + timer))
    assert any("[remind]" in i and "more often than once a minute" in i for i in issues) is refused, issues


def test_bare_camunda_timers_and_config_references_are_accepted_when_settings_exist():
    timer = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="t"><bpmn:timeDuration>{expr}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    assert _issues(_bundle(timer.format(expr="PT30M"))) == []
    configured = _bundle(
        timer.format(expr='config("termijn.x")'), extra_files={"settings.yaml": b"termijn:\n  x: P2D\n"}
    )
    assert _issues(configured) == []
    unconfigured = _issues(_bundle(timer.format(expr='config("termijn.y")')))
    assert any("config('termijn.y') is not in the bundle's settings.yaml" in i for i in unconfigured)


def test_a_call_to_a_missing_process_is_named():
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:callActivity id="call" calledElement="elsewhere"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    assert any("'elsewhere'" in i and "not in the bundle" in i for i in _issues(_bundle(process)))


def _caller(process_id: str, *called: str) -> bytes:
    """A process that calls `called` one after the other (none: it just ends)."""
    steps = ["start", *[f"call_{c}" for c in called], "end"]
    body = ['<bpmn:startEvent id="start"/>']
    body += [f'<bpmn:callActivity id="call_{c}" calledElement="{c}"/>' for c in called]
    body += [
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(itertools.pairwise(steps))
    ]
    body.append('<bpmn:endEvent id="end"/>')
    return bpmn_document("\n".join(body), process_id=process_id).encode()


def test_call_cycles_are_refused_before_a_start_would_nest_forever():
    # Starting a process that calls itself never returned: every call nests one level deeper.
    itself = _issues(Bundle({"p.bpmn": _caller("p", "p")}))
    assert any("call activities form a cycle (p → p)" in i for i in itself), itself
    pair = _issues(Bundle({"a.bpmn": _caller("a", "b"), "b.bpmn": _caller("b", "a")}))
    assert [i for i in pair if "form a cycle" in i] == [i for i in pair if "cycle (a → b → a)" in i] and len(
        [i for i in pair if "form a cycle" in i]
    ) == 1, pair
    # Shared callees are not a cycle.
    diamond = {"a.bpmn": _caller("a", "b", "c"), "b.bpmn": _caller("b", "c"), "c.bpmn": _caller("c")}
    assert _issues(Bundle(diamond)) == []


def test_xsd_errors_come_with_line_numbers():
    broken = Bundle(
        {
            "model.bpmn": b'<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">\n<bpmn:process id="p" isExecutable="maybe"/>\n</bpmn:definitions>'
        }
    )
    [issue] = analyze(broken).issues
    assert issue.file == "model.bpmn" and issue.line == 3 and "isExecutable" in issue.message


def test_duplicate_ids_are_refused():
    issues = _issues(_bundle(_task() + '\n<bpmn:endEvent id="end"/>'))
    assert any("model.bpmn" in i and "end" in i for i in issues)


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><d>&lol2;</d>',
        b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://example.com/evil.dtd"><d/>',
    ],
)
def test_hostile_xml_is_refused_before_parsing(payload):
    [issue] = analyze(Bundle({"evil.bpmn": payload})).issues
    assert issue.file == "evil.bpmn" and "DOCTYPE" in issue.message


def test_oversized_and_malformed_files_are_refused():
    huge = analyze(Bundle({"big.bpmn": b"<a>" + b" " * 3_000_000 + b"</a>"}), max_xml_bytes=2_000_000)
    assert "limit" in huge.issues[0].message
    [issue] = analyze(Bundle({"bad.bpmn": b"<a><b></a>"})).issues
    assert "not well-formed" in issue.message and issue.line == 1


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ('"a","b"', "comma list"),
        ("3,4", "comma list"),
        ("not(7)", "never matches"),
        ("[1..5]", "FEEL range"),
        ('date and time("2020-01-01T00:00:00")', "FEEL function"),
        ('in ["a", "b"]', "write ? in [...]"),
    ],
)
def test_dmn_cells_the_library_would_silently_skip_are_refused(cell, fragment):
    dmn = (FIXTURES / "dmn" / "advice.dmn").read_text().replace("CELL", cell.replace('"', "&quot;"))
    bundle = Bundle({"model.bpmn": bpmn_document(_BRT).encode(), "rules.dmn": dmn.encode()})
    issues = _issues(bundle)
    assert any("rules.dmn" in i and fragment in i for i in issues), issues


@pytest.mark.parametrize("cell", ['"ja"', "< 18", "1 < ? < 5", '? in ["a", "b"]', "-", ">= 2"])
def test_dmn_cells_that_work_are_accepted(cell):
    dmn = (
        (FIXTURES / "dmn" / "advice.dmn")
        .read_text()
        .replace("CELL", cell.replace('"', "&quot;").replace("<", "&lt;"))
    )
    bundle = Bundle({"model.bpmn": bpmn_document(_BRT).encode(), "rules.dmn": dmn.encode()})
    assert _issues(bundle) == []


_BRT = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule"/>
    <bpmn:businessRuleTask id="rule" camunda:decisionRef="advice"/>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""


def test_a_zip_with_path_traversal_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/cron.d/x.bpmn", "<x/>")
    with pytest.raises(InvalidProcessModel) as refused:
        Bundle.from_zip(buffer.getvalue(), 10_000_000, 1_000_000)
    assert "unsafe path" in refused.value.issues[0].message


def test_wams_validate_names_the_element_and_exits_non_zero(tmp_path):
    (tmp_path / "model.bpmn").write_text(bpmn_document(_task(attrs='camunda:candidateGroups="coordinator"')))
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"WAMS_INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert "model.bpmn:" in result.stderr and "[task]" in result.stderr and "has no form" in result.stderr
