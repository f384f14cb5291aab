"""Privacy invariants of a bundle, proven before it deploys (docs/modelling.md, Proofs).

- **Facts have a ground and a purpose.** A user task whose form records facts (`x-fact` fields) has
  a `legalGround` and a `purpose` (or `purposeVariable`): every fact is recorded with both.
- **No special categories to a party that may not have them.** A party's task (role party contact
  or medical professional, or a `partyVariable`) whose form collects special categories must name
  its party (`partyVariable`), and the bundle must say which parties may process them (a party
  catalogue, `parties.yaml`, or the party rules' `withholdCategoriesVariable`): only then does the
  engine trim those fields for a party that may not (engine/privacy/supply.py). What a party is
  *shown* of recorded facts is the need-to-know policy's guard 4, which no rule can lift.
- **No information request before consent.** A party's information request (a party's task whose
  form records facts) is reachable only through the consent-and-scope step: the user task that
  records what the client excludes (`scopeDomains` / `scopeCategories`). Across call activities and
  `continueAs`: a process is covered when every call or continuation into it lies after that step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..bpmn.parser import BPMN_NS, read_extensions
from ..errors import ModelIssue
from ..privacy.policy import PARTY_ROLES
from .bpmn_checks import ProcessInfo, UserTaskInfo
from .workflow_net import build_net

CONSENT_PROPERTIES = ("scopeDomains", "scopeCategories")
PURPOSE_VAR = "purposeVariable"
MISSING_BOTH = "%(element)s records facts (form %(form)s) without a legal ground (legalGround) and a purpose"
MISSING_GROUND = "%(element)s records facts (form %(form)s) without a legal ground (legalGround)"
MISSING_PURPOSE = "%(element)s records facts (form %(form)s) without a purpose (purpose or purposeVariable)"
NO_CONSENT = (
    "%(element)s asks a party for information, but can be reached without passing the consent-and-scope step"
)
NO_CONSENT_THROUGH = NO_CONSENT + " (entered through %(through)s)"
REQUEST_PROPERTIES = ("purposeVariable", "withholdCategoriesVariable", "conditionsVariable")


def form_categories(schema: Any) -> set[str]:
    """The data categories a form records (its `x-fact` fields, nested ones included)."""
    found: set[str] = set()
    if not isinstance(schema, Mapping):
        return found
    fact = schema.get("x-fact")
    if isinstance(fact, Mapping) and fact.get("category"):
        found.add(str(fact["category"]))
    for key in ("properties", "$defs", "definitions"):
        children = schema.get(key)
        if isinstance(children, Mapping):
            for child in children.values():
                found |= form_categories(child)
    for key in ("items", "then", "else", "if"):
        found |= form_categories(schema.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for child in schema.get(key) or []:
            found |= form_categories(child)
    return found


@dataclass
class ProcessFlow:
    info: ProcessInfo
    free: set[str]  # elements reachable from its start without passing the consent step
    calls: list[tuple[str, str]]  # (call activity or continuing end event, process it enters)


def _is_party_task(task: UserTaskInfo) -> bool:
    return task.role in PARTY_ROLES or bool(task.properties.get("partyVariable"))


def _is_request(task: UserTaskInfo) -> bool:
    """A party's task answers an information request when it carries what a request brings: the
    request's purpose, the party rules or the provider's conditions, or lies in the onderzoek phase.
    (A progress report in the aanpak, after the plan the parties agreed to, is not a request.)"""
    props = task.properties
    return props.get("phase") == "onderzoek" or any(props.get(p) for p in REQUEST_PROPERTIES)


def _flow(process: etree._Element, info: ProcessInfo) -> ProcessFlow:
    net = build_net(process)
    consent = {t.element_id for t in info.user_tasks if any(t.properties.get(p) for p in CONSENT_PROPERTIES)}
    free = {info.process_id}
    queue = deque([info.process_id])
    while queue:
        current = queue.popleft()
        if current in consent:
            continue  # past the consent step
        for following in net.edges.get(current, ()):
            if following not in free:
                free.add(following)
                queue.append(following)
    calls = []
    for node in process.iter(f"{{{BPMN_NS}}}callActivity", f"{{{BPMN_NS}}}endEvent"):
        if etree.QName(node).localname == "callActivity":
            target = node.get("calledElement") or ""
        else:
            target = read_extensions(node, {}).get("properties", {}).get("continueAs") or ""
        if target:
            calls.append((node.get("id") or "", target))
    return ProcessFlow(info, free, calls)


def check_privacy(
    roots: Mapping[str, etree._Element],
    processes: Mapping[str, ProcessInfo],
    forms: Mapping[str, Any],
    special: Iterable[str],
    has_party_catalogue: bool,
) -> list[ModelIssue]:
    special = frozenset(special)
    issues: list[ModelIssue] = []
    lines: dict[tuple[str, str], int | None] = {}
    flows: dict[str, ProcessFlow] = {}
    for path, root in roots.items():
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            pid = process.get("id") or ""
            if pid in processes and processes[pid].file == path:
                flows[pid] = _flow(process, processes[pid])
                for node in process.iter():
                    if isinstance(node.tag, str) and node.get("id"):
                        lines[(pid, node.get("id") or "")] = node.sourceline

    def issue(task: UserTaskInfo, template: str, params: dict[str, object], hint: str) -> None:
        file = processes[task.process_id].file
        line = lines.get((task.process_id, task.element_id))
        values = {"element": task.element_id, **params}
        issues.append(ModelIssue.of(file, template, values, task.element_id, line, hint))

    requests: dict[str, list[UserTaskInfo]] = {}
    for info in processes.values():
        for task in info.user_tasks:
            categories = form_categories(forms.get(task.form_key or ""))
            if not categories:
                continue
            props = task.properties
            ground, purpose = props.get("legalGround"), props.get("purpose") or props.get(PURPOSE_VAR)
            if not ground or not purpose:
                template = (
                    MISSING_BOTH
                    if not ground and not purpose
                    else MISSING_GROUND
                    if not ground
                    else MISSING_PURPOSE
                )
                issue(
                    task,
                    template,
                    {"form": task.form_key},
                    "every fact is recorded with its legal ground and purpose: set both on the task",
                )
            if not _is_party_task(task):
                continue
            if _is_request(task):
                requests.setdefault(info.process_id, []).append(task)
            collected = sorted(categories & special)
            if collected and not props.get("partyVariable"):
                issue(
                    task,
                    "%(element)s gives a party a form that collects special categories (%(categories)s) "
                    "without saying which party (partyVariable): the engine cannot keep them from a party "
                    "that may not process them",
                    {"categories": ", ".join(collected)},
                    "set partyVariable to the variable holding the party code",
                )
            elif collected and not has_party_catalogue and not props.get("withholdCategoriesVariable"):
                issue(
                    task,
                    "%(element)s gives a party a form that collects special categories (%(categories)s), "
                    "but nothing says which parties may process them",
                    {"categories": ", ".join(collected)},
                    "add parties.yaml (may_process_special_categories) or set withholdCategoriesVariable",
                )
    _consent_issues(flows, requests, issue)
    return issues


def _consent_issues(
    flows: Mapping[str, ProcessFlow], requests: Mapping[str, list[UserTaskInfo]], issue: Callable[..., None]
) -> None:
    entered_by: dict[str, list[tuple[str, str]]] = {}
    for pid, flow in flows.items():
        for site, target in flow.calls:
            entered_by.setdefault(target, []).append((pid, site))
    # Greatest fixed point: a process is covered when every way into it lies after consent.
    covered = {pid: bool(entered_by.get(pid)) for pid in flows}
    changed = True
    while changed:
        changed = False
        for pid in flows:
            if covered[pid] and any(
                caller in flows and site in flows[caller].free and not covered[caller]
                for caller, site in entered_by.get(pid, [])
            ):
                covered[pid] = False
                changed = True
    for pid, tasks in requests.items():
        if pid not in flows or covered[pid]:
            continue
        for task in tasks:
            if task.element_id not in flows[pid].free:
                continue
            through = [
                site
                for caller, site in entered_by.get(pid, [])
                if caller in flows and not covered[caller] and site in flows[caller].free
            ]
            template = NO_CONSENT_THROUGH if through else NO_CONSENT
            issue(
                task,
                template,
                {"through": ", ".join(sorted(through))},
                "put the task that records the client's consent and scope (scopeDomains, "
                "scopeCategories) on every path before it",
            )
