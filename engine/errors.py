"""Domain errors. The API maps each type to one problem+json response (see `api.errors`).

Every error has a stable machine `code`; messages are English here and translated for users at the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """Also raised for objects of another tenant: callers must not learn that they exist."""

    code = "not_found"


class NotAuthorized(DomainError):
    code = "not_authorized"


class NotARehearsal(NotAuthorized):
    """A clock operation on a production municipality: only a rehearsal tenant's clock can move."""

    code = "not_a_rehearsal"


class ClockBackwards(DomainError):
    """Rehearsal time only moves forward."""

    code = "clock_backwards"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class Conflict(DomainError):
    """The state changed under the caller (a concurrent command, a stale version)."""

    code = "conflict"


class TaskAlreadyCompleted(Conflict):
    code = "task_already_completed"


class TaskNotOpen(Conflict):
    code = "task_not_open"


class InvalidTransition(Conflict):
    code = "invalid_transition"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "invalid"
    # The schema's bound for minLength/maxLength/minimum/maximum/minItems/maxItems, so a message can say it.
    limit: int | float | None = None
    # Values the reader's message names (e.g. the party and the excluded domain), by placeholder.
    params: dict[str, str] | None = None

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class InvalidForm(DomainError):
    code = "invalid_form"

    def __init__(self, message: str, errors: list[FieldError]) -> None:
        super().__init__(message)
        self.errors = errors


class InvalidInput(DomainError):
    code = "invalid_input"


class InvalidBody(InvalidInput):
    """A request body that is not well-formed JSON one may safely work with (bad syntax or Unicode,
    nested too deep): refused as a whole before anything reads it."""

    code = "invalid_body"


@dataclass(frozen=True)
class ModelIssue:
    """One problem found in a bundle: where it is and what to do about it."""

    file: str
    message: str
    element: str | None = None
    line: int | None = None
    hint: str | None = None
    severity: str = "error"
    # For the pages (Dutch): the English message and hint as %-templates with their values, which the
    # web layer looks up in its catalogue (api/model_issues.py). `message` and `hint` are the English
    # text, for the CLI, the logs and the API.
    template: str | None = None
    hint_template: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        file: str,
        template: str,
        params: Mapping[str, object],
        element: str | None = None,
        line: int | None = None,
        hint: str | None = None,
        severity: str = "error",
    ) -> ModelIssue:
        """An issue whose message (and hint) the web layer can translate: `template` % `params`."""
        values = {key: str(value) for key, value in params.items()}
        return cls(
            file,
            template % values,
            element,
            line,
            hint % values if hint else None,
            severity,
            template=template,
            hint_template=hint,
            params=tuple(sorted(values.items())),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "element": self.element,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.element:
            where += f" [{self.element}]"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text


class InvalidProcessModel(DomainError):
    code = "invalid_process_model"

    def __init__(self, message: str, issues: list[ModelIssue]) -> None:
        super().__init__(message)
        self.issues = issues


class ScriptError(DomainError):
    """A condition, script, timer expression or DMN cell failed or was refused by the sandbox."""

    code = "script_error"


class SandboxViolation(ScriptError):
    code = "sandbox_violation"


class ScriptTimeout(ScriptError):
    code = "script_timeout"


class ProcessError(DomainError):
    """The process cannot advance (no gateway condition matched, a stalled engine, a broken model)."""

    code = "process_error"


class UnexpectedEnd(ProcessError):
    """The library reported the process completed although the model did not end it (a token is
    still open, or no end event was reached). The command is refused and the instance put in error:
    a wrong "completed" would silently stop the work."""


@dataclass
class ErrorInfo:
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
