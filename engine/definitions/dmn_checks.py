"""Deploy-time checks of DMN decision tables.

SpiffWorkflow evaluates DMN cells as Python, not FEEL, and some FEEL-looking cells never match without
any error (``3,4`` becomes a tuple, ``not(7)`` a boolean). We refuse those forms with a hint, and check
that every cell compiles in the sandbox.
"""

from __future__ import annotations

import ast
import re

from lxml import etree

from ..bpmn.sandbox import check_expression
from ..errors import ModelIssue

SUPPORTED_HIT_POLICIES = {"UNIQUE", "FIRST", "COLLECT"}
_FEEL_RANGE = re.compile(r"^[\[\]\(]\s*[^,\]\[]+\.\.[^,\]\[]+\s*[\]\[\)]$")
_FEEL_FUNCTION = re.compile(r"\b(date and time|date|time|duration|years and months duration)\s*\(")
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _local(tag: str) -> str:
    return etree.QName(tag).localname


def input_entry_problem(text: str) -> str | None:
    """None if the library will evaluate this input cell as the designer means it, else why not."""
    cell = text.strip()
    if cell in {"", "-"}:
        return None
    if _FEEL_RANGE.match(cell):
        return f"FEEL range {cell!r} is not supported; write it as a comparison, e.g. 1 <= ? <= 5"
    if _FEEL_FUNCTION.search(cell):
        return f"FEEL function in {cell!r} is not supported; cells are Python expressions"
    if re.match(r"^not\s*\(", cell):
        return (
            f"{cell!r} never matches (the library reads it as Python `not`); write != value or not in [...]"
        )
    if _QUESTION.search(cell):
        expression = _QUESTION.sub("dmninputexpr", cell)
        problem = check_expression(expression)
        return f"{cell!r}: {problem}" if problem else None
    try:
        tree = ast.parse(cell, mode="eval")
    except SyntaxError:
        tree = None
    if tree is not None:
        if isinstance(tree.body, ast.Tuple):
            return f"{cell!r} is a comma list, which never matches; write in [{cell}] to match any of them"
        problem = check_expression(f"(dmninputexpr) == ({cell})")
        return f"{cell!r}: {problem}" if problem else None
    # An operator form such as `< 18`. The library glues it to the input expression without a space,
    # so `in ["a"]` becomes `xin ["a"]`: mirror that exactly.
    combined = f"dmninputexpr{text if text[:1].isspace() else cell}"
    problem = check_expression(combined) or _input_unused(combined)
    if problem:
        hint = "; write ? in [...] for membership" if cell.startswith(("in ", "not in")) else ""
        return f"{cell!r} is neither a value nor a comparison the engine understands{hint}"
    return None


def _input_unused(expression: str) -> str | None:
    """`in ["a"]` glued to the input reads as `dmninputexprin["a"]`: valid Python that ignores the input."""
    tree = ast.parse(expression, mode="eval")
    used = any(isinstance(n, ast.Name) and n.id == "dmninputexpr" for n in ast.walk(tree))
    return None if used else "the cell does not compare the input"


def check_dmn(tree: etree._ElementTree, filename: str) -> tuple[list[ModelIssue], set[str]]:
    """Issues in one DMN file, and the decision ids it provides."""
    issues: list[ModelIssue] = []
    decisions: set[str] = set()
    for decision in tree.getroot().iter():
        if not isinstance(decision.tag, str) or _local(decision.tag) != "decision":
            continue
        decision_id = decision.get("id") or "?"
        decisions.add(decision_id)
        tables = [
            el for el in decision.iter() if isinstance(el.tag, str) and _local(el.tag) == "decisionTable"
        ]
        if not tables:
            issues.append(
                ModelIssue(filename, "the decision has no decision table", decision_id, decision.sourceline)
            )
            continue
        table = tables[0]
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in SUPPORTED_HIT_POLICIES:
            issues.append(
                ModelIssue(
                    filename,
                    f"hit policy {policy} is not supported",
                    decision_id,
                    table.sourceline,
                    "use UNIQUE, FIRST or COLLECT",
                )
            )
        if table.get("aggregation"):
            issues.append(
                ModelIssue(
                    filename,
                    f"COLLECT aggregation {table.get('aggregation')} is not supported",
                    decision_id,
                    table.sourceline,
                    "remove the aggregation; COLLECT returns the list of matching outputs",
                )
            )
        for el in table.iter():
            if not isinstance(el.tag, str):
                continue
            name = _local(el.tag)
            text_nodes = [c for c in el if isinstance(c.tag, str) and _local(c.tag) == "text"]
            text = (text_nodes[0].text or "") if text_nodes else ""
            element_id = el.get("id") or decision_id
            if name == "inputExpression":
                problem = check_expression(text) if text.strip() else "the input has no expression"
                if problem:
                    issues.append(
                        ModelIssue(filename, f"input expression: {problem}", element_id, el.sourceline)
                    )
            elif name == "inputEntry":
                problem = input_entry_problem(text)
                if problem:
                    issues.append(ModelIssue(filename, problem, element_id, el.sourceline))
            elif name == "outputEntry" and text.strip() and text.strip() != "-":
                problem = check_expression(text)
                if problem:
                    issues.append(
                        ModelIssue(filename, f"output {text.strip()!r}: {problem}", element_id, el.sourceline)
                    )
    return issues, decisions
