"""The sandbox for conditions, scripts, timer expressions and DMN cells.

SpiffWorkflow hands every expression to plain ``eval``/``exec``. This module replaces that with:

- compilation through RestrictedPython (no names or attributes starting with ``_``, so no
  ``__import__`` or ``().__class__.__base__.__subclasses__()``), plus our own refusals: no ``import``,
  no ``open``/``eval``/``exec``/``getattr``… — checked at deploy time and again at run time;
- an allow-list of built-ins;
- a CPU-time budget per evaluation enforced by a trace function (`budget.py`), which stops endless
  loops between lines;
- bounds on what one operation may build (`growth.py`: ``**``, ``*``, ``<<``, ``+``, ``%``, format
  widths, ``join``/``replace``/…, ``sum``, ``round``, ``range``), checked before it runs, so no single
  operation inside C outlasts the budget;
- JSON-only task data: a script that leaves a non-JSON value in the data is refused.

The script engine is not serialized by SpiffWorkflow, so the runtime installs it on every workflow it
creates or restores (`engine.bpmn.state`).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from ..errors import SandboxViolation, ScriptError, ScriptTimeout
from .budget import BudgetExceeded, time_budget, watch_collector
from .growth import checked_binop, checked_format, checked_getattr, checked_round, checked_sum
from .script_helpers import HELPERS

MAX_RANGE = 100_000
# Instances of one multi-instance activity (one per party, household member, …).
MAX_INSTANCES = 1_000

FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "eval",
        "exec",
        "compile",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "help",
        "memoryview",
        "type",
        "object",
        "super",
        "dir",
        "id",
        "classmethod",
        "staticmethod",
        "property",
        "exit",
        "quit",
        "print",
    }
)


class _Transformer(RestrictingNodeTransformer):
    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "imports are not allowed in the sandbox")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "imports are not allowed in the sandbox")
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" is not available in the sandbox')
        return super().visit_Name(node)

    def visit_Try(self, node: ast.Try) -> ast.AST:
        # The time budget stops a script by raising from the trace function, and CPython switches
        # tracing off when a trace function raises: a script that caught that exception would then
        # run unbudgeted. Models have no use for catching errors; they should surface.
        self.error(node, "try/except is not allowed in the sandbox; let errors surface")
        return node

    def visit_TryStar(self, node: ast.AST) -> ast.AST:
        self.error(node, "try/except is not allowed in the sandbox; let errors surface")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed in the sandbox")
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        if isinstance(node.op, ast.Pow | ast.Mult | ast.LShift | ast.Add | ast.Mod):
            call = ast.Call(
                func=ast.Name("_safe_binop_", ast.Load()),
                args=[ast.Constant(type(node.op).__name__), node.left, node.right],
                keywords=[],
            )
            return ast.fix_missing_locations(ast.copy_location(call, node))
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        # `f"{x:>{width}}"`: the value is formatted by a helper that bounds the spec's widths first.
        node = self.node_contents_visit(node)
        if node.format_spec is None:
            return node
        call = ast.Call(
            func=ast.Name("_safe_format_", ast.Load()),
            args=[node.value, ast.Constant(node.conversion), node.format_spec],
            keywords=[],
        )
        formatted = ast.FormattedValue(value=call, conversion=-1, format_spec=None)
        return ast.fix_missing_locations(ast.copy_location(formatted, node))


def _policy_errors(result: Any) -> list[str]:
    return [str(e) for e in result.errors]


@lru_cache(maxsize=4096)
def _compile_expression(expression: str) -> CodeType:
    result = compile_restricted_eval(expression.strip(), "<expression>", policy=_Transformer)
    if result.errors:
        raise SandboxViolation("; ".join(_policy_errors(result)), expression=expression)
    assert result.code is not None  # compile_restricted_* returns code whenever there are no errors
    return result.code


@lru_cache(maxsize=1024)
def _compile_script(script: str) -> CodeType:
    result = compile_restricted_exec(script, "<script>", policy=_Transformer)
    if result.errors:
        raise SandboxViolation("; ".join(_policy_errors(result)), script=script)
    assert result.code is not None  # compile_restricted_* returns code whenever there are no errors
    return result.code


def check_expression(expression: str) -> str | None:
    """Deploy-time check: None if the expression compiles in the sandbox, else why not."""
    try:
        _compile_expression(expression)
    except SandboxViolation as exc:
        return exc.message
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}"
    return _unknown_functions(ast.parse(expression.strip(), mode="eval"))


def check_script(script: str) -> str | None:
    try:
        _compile_script(script)
    except SandboxViolation as exc:
        return exc.message
    except SyntaxError as exc:
        return f"syntax error on line {exc.lineno}: {exc.msg}"
    return _unknown_functions(ast.parse(script))


_JSON_METHODS = frozenset(
    name for kind in (str, list, dict, int, float) for name in dir(kind) if not name.startswith("_")
)


def _unknown_functions(tree: ast.AST) -> str | None:
    """Calls of names that are neither sandbox built-ins nor defined by the script itself: they could
    only fail at run time (task data is JSON, so it holds no functions)."""
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)} | {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    called = {call.func.id for call in calls if isinstance(call.func, ast.Name)}
    unknown = sorted(called - defined - set(SAFE_BUILTINS) - set(HELPERS))
    # Task data is JSON, so a method can only be one of text, numbers, lists or objects: `time.sleep(5)`
    # would otherwise pass here and fail at every start.
    unknown += sorted(
        {
            ast.unparse(call.func)
            for call in calls
            if isinstance(call.func, ast.Attribute) and call.func.attr not in _JSON_METHODS
        }
    )
    if unknown:
        return f"unknown function(s): {', '.join(unknown)} (available: see docs/modelling.md, Expressions)"
    return None


# --- run-time guards ---------------------------------------------------------------------------


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise SandboxViolation(f"range of {len(result):,} items is too large (limit {MAX_RANGE:,})")
    return result


def _inplacevar(op: str, left: Any, right: Any) -> Any:
    operators: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: checked_binop("Add", a, b),
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: checked_binop("Mult", a, b),
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: checked_binop("Mod", a, b),
        "**=": lambda a, b: checked_binop("Pow", a, b),
        "<<=": lambda a, b: checked_binop("LShift", a, b),
        "|=": lambda a, b: a | b,
        "&=": lambda a, b: a & b,
    }
    if op not in operators:
        raise SandboxViolation(f"operator {op} is not allowed")
    return operators[op](left, right)


def _write_guard(obj: Any) -> Any:
    if isinstance(obj, dict | list):
        return obj
    raise SandboxViolation(f"cannot modify a {type(obj).__name__}")


SAFE_BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    "len": len,
    "min": min,
    "max": max,
    "sum": checked_sum,
    "abs": abs,
    "round": checked_round,
    "sorted": sorted,
    "reversed": reversed,
    "any": any,
    "all": all,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "tuple": tuple,
    "set": set,
    "range": _bounded_range,
    "enumerate": enumerate,
    "zip": zip,
    "isinstance": isinstance,
    "ValueError": ValueError,
    "KeyError": KeyError,
    "math_floor": math.floor,
    "math_ceil": math.ceil,
}

_GUARDS: dict[str, Any] = {
    "_getattr_": checked_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _write_guard,
    "_inplacevar_": _inplacevar,
    "_safe_binop_": checked_binop,
    "_safe_format_": checked_format,
}

_RESERVED = frozenset(SAFE_BUILTINS) | frozenset(HELPERS) | frozenset(_GUARDS) | {"__builtins__"}


def _is_json(value: Any, depth: int = 0) -> bool:
    if depth > 64:
        return False
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    return False


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """The environment SpiffWorkflow's script engine delegates every evaluation to."""

    def __init__(self, budget_ms: int = 250) -> None:
        super().__init__({})
        self.budget_seconds = budget_ms / 1000
        watch_collector()

    def _globals(self, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__builtins__": SAFE_BUILTINS, **_GUARDS, **HELPERS}
        if external:
            namespace.update(external)
        namespace.update(context)
        return namespace

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        code = _compile_expression(expression)
        namespace = self._globals(context, external_context)
        try:
            with time_budget(self.budget_seconds):
                return eval(code, namespace)  # noqa: S307 - restricted bytecode, allow-listed builtins
        except BudgetExceeded:
            raise ScriptTimeout(
                f"expression took longer than {self.budget_seconds * 1000:.0f} ms: {expression!r}"
            ) from None

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code = _compile_script(script)
        namespace = self._globals(context, external_context)
        try:
            with time_budget(self.budget_seconds):
                exec(code, namespace)  # noqa: S102 - restricted bytecode, allow-listed builtins
        except BudgetExceeded:
            raise ScriptTimeout(f"script took longer than {self.budget_seconds * 1000:.0f} ms") from None
        result: dict[str, Any] = {}
        for key, value in namespace.items():
            if key in _RESERVED or key.startswith("_") or (external_context and key in external_context):
                continue
            if callable(value):
                continue
            if not _is_json(value):
                raise ScriptError(
                    f"the script left {type(value).__name__} in variable {key!r}; task data must be JSON "
                    "(text, numbers, true/false, null, lists and objects)"
                )
            result[key] = value
        context.clear()
        context.update(result)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise SandboxViolation("service tasks are not supported by this engine")


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine on the sandbox, which also bounds a multi-instance activity's
    loop cardinality: the library creates every instance at once, so `10**7` would hold the step
    (and the instance's lock) for as long as that takes."""

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        value = super().evaluate(task, expression, external_context)
        spec = getattr(task, "task_spec", None)
        is_cardinality = isinstance(spec, MultiInstanceTask) and expression == spec.cardinality
        if is_cardinality and not (type(value) is int and 0 <= value <= MAX_INSTANCES):
            problem = SandboxViolation(
                f"loop cardinality {value!r} is not a number of instances from 0 to {MAX_INSTANCES:,}"
            )
            raise WorkflowTaskException(str(problem), task=task, exception=problem)
        return value


def create_script_engine(budget_ms: int) -> PythonScriptEngine:
    return SandboxScriptEngine(environment=SandboxEnvironment(budget_ms))
