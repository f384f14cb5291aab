"""Due dates and timers of a BPMN file, mixed into its checker (bpmn_checks.py): a due date is a
duration, a date-time or `config:<key>` of settings.yaml; a timer's expression passes the sandbox and,
when it is a literal, is a valid ISO 8601 duration, cycle or date."""

from __future__ import annotations

import ast
from typing import Protocol

from lxml import etree

from ..bpmn.isotime import is_duration, parse_datetime, validate_timer_value
from ..bpmn.normalize import REFUSED
from ..bpmn.sandbox import check_expression


class _Context(Protocol):
    settings_keys: set[str]


class TimeChecks:
    """Mixed into the BPMN file checker, which provides `issue`, `check_config_keys` and `context`."""

    context: _Context

    def issue(self, message: str, node: etree._Element | None = None, hint: str | None = None) -> None:
        raise NotImplementedError

    def check_config_keys(self, text: str, node: etree._Element) -> None:
        raise NotImplementedError

    def check_due(self, due: str, node: etree._Element, name: str = "dueDate") -> None:
        if due.startswith("config:"):
            key = due[len("config:") :]
            if key not in self.context.settings_keys:
                self.issue(f"{name} refers to setting {key!r}, which settings.yaml lacks", node)
            return
        if is_duration(due):
            return
        try:
            parse_datetime(due)
        except ValueError:
            self.issue(
                f"{name} {due!r} is not a duration, a date-time or config:<key>",
                node,
                "write e.g. P14D or config:due.beoordeling",
            )

    def check_timer(self, node: etree._Element, tag: str) -> None:
        owner = node.getparent().getparent() if node.getparent() is not None else None
        anchor = owner if owner is not None else node
        text = (node.text or "").strip()
        if anchor.get(REFUSED) is not None:
            return
        if not text:
            self.issue("the timer has no expression", anchor)
            return
        problem = check_expression(text)
        if problem:
            self.issue(f"timer expression {text!r} is refused: {problem}", anchor)
            return
        self.check_config_keys(text, anchor)
        try:
            literal = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return  # computed at run time; the sandbox checked it compiles
        kind = {"timeDuration": "duration", "timeCycle": "cycle", "timeDate": "date"}[tag]
        if not isinstance(literal, str):
            self.issue(f"timer value {text!r} is not text", anchor)
            return
        problem = validate_timer_value(literal, kind)
        if problem:
            self.issue(problem, anchor, "write e.g. PT30M, P6M, R/P1M or an ISO date-time")
