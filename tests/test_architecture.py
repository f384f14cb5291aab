"""Rules of the architecture that a reviewer should not have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).parent.parent / "engine"
FORBIDDEN = ("flask", "api", "werkzeug", "flask_smorest", "flask_babel")


def _imports(path: Path) -> list[str]:
    """The modules `path` imports, relative imports resolved (`from ..scheduler import x` in
    engine/runtime/failure.py is engine.scheduler)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = list(path.relative_to(ENGINE.parent).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1]
            if node.module:
                names.append(".".join([*base, node.module]))
            else:  # from . import journal: each name may be a module
                names.extend(".".join([*base, alias.name]) for alias in node.names)
    return names


def test_engine_never_imports_the_web_layer():
    offenders = [
        f"{path.relative_to(ENGINE.parent)} imports {name}"
        for path in ENGINE.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_the_check_itself_sees_imports():
    # A rule that cannot fail proves nothing: make sure the parser finds a forbidden import.
    sample = ENGINE.parent / "api" / "app.py"
    assert "flask" in {name.split(".")[0] for name in _imports(sample)}


# --- the runtime stands below the domain layers that hook into it -----------------------------------

RUNTIME = ENGINE / "runtime"
# They plug into the runtime (RuntimeHooks, the notice writer build_services gives it); the runtime
# hands them what it wants written and never reaches up into them.
ABOVE_RUNTIME = ("scheduler", "procedures", "privacy", "monitoring", "tasks", "accounts", "services")


def _reaches_above_runtime(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "engine" and len(parts) > 1 and parts[1] in ABOVE_RUNTIME


def test_the_runtime_never_imports_the_layers_above_it():
    offenders = [
        f"{path.relative_to(ENGINE.parent)} imports {name}"
        for path in RUNTIME.rglob("*.py")
        for name in _imports(path)
        if _reaches_above_runtime(name)
    ]
    assert offenders == []


def test_the_runtime_check_resolves_relative_imports():
    sample = RUNTIME / "failure.py"
    found = _imports(sample)
    assert "engine.uow" in found and "engine.runtime.journal" in found, found
    scheduler = ENGINE / "scheduler" / "timers.py"
    assert any(_reaches_above_runtime(name) for name in _imports(scheduler))


# --- one writer for task rows and timeline events (engine/runtime/journal.py) -------------------

JOURNAL = ENGINE / "runtime" / "journal.py"
# Builders of a row the journal writes may construct it; only the journal writes it.
ROW_BUILDERS = {ENGINE / "runtime" / "task_rows.py", JOURNAL}
ROW_MODELS = {"Task", "ProcessEvent"}
TASK_COLUMNS = {
    "status", "assignee", "claimed_by", "claimed_at", "completed_by", "completed_at", "cancelled_at",
    "due_at", "context", "deadline_id", "party", "subject", "properties",
}  # fmt: skip


def _row_writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            first = node.args[0] if node.args else None
            first_name = first.id if isinstance(first, ast.Name) else None
            if name in ROW_MODELS and path not in ROW_BUILDERS:
                found.append(f"{name}(…) at line {node.lineno}")
            if (
                name in {"insert", "new_row", "update"}
                and first_name in ROW_MODELS
                and path not in ROW_BUILDERS
            ):
                found.append(f"{name}({first_name}) at line {node.lineno}")
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [
                t
                for target in node.targets
                for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            ]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and "task" in target.value.id.lower()
                and target.attr in TASK_COLUMNS
            ):
                found.append(f"{target.value.id}.{target.attr} = … at line {target.lineno}")
    return found


def test_task_rows_and_events_have_one_writer():
    offenders = [
        f"{path.relative_to(ENGINE.parent)}: {what}"
        for path in ENGINE.rglob("*.py")
        if path != JOURNAL and "migrations" not in path.parts and path.name != "models.py"
        for what in _row_writes(path)
    ]
    assert offenders == []


def test_the_one_writer_check_sees_writes(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "task.status = 'open'\n"
        "task.claimed_by, task.claimed_at = 'a', now\n"
        "session.execute(insert(ProcessEvent), rows)\n"
        "row = Task(id=1)\n"
    )
    assert len(_row_writes(sample)) == 5


# --- one writer for kept conformance outcomes (engine/monitoring/summaries.py) -----------------

SUMMARIES = ENGINE / "monitoring" / "summaries.py"
WRITES = {"insert", "update", "delete", "sqlite_insert", "postgresql_insert", "pg_insert"}
KEPT = {"ConformanceSummary", "ConformanceOutcome"}


def _summary_writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0] if node.args else None
        if name in KEPT or (name in WRITES and isinstance(first, ast.Name) and first.id in KEPT):
            found.append(f"{name}(…) at line {node.lineno}")
    return found


def test_kept_conformance_outcomes_have_one_writer():
    offenders = [
        f"{path.relative_to(ENGINE.parent)}: {what}"
        for path in ENGINE.rglob("*.py")
        if path != SUMMARIES and "migrations" not in path.parts
        for what in _summary_writes(path)
    ]
    assert offenders == []


def test_the_kept_outcomes_check_sees_writes(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "session.execute(delete(ConformanceSummary))\n"
        "session.execute(select(ConformanceSummary))\n"
        "row = ConformanceSummary(instance_id=1)\n"
        "session.execute(insert(ConformanceOutcome), rows)\n"
    )
    assert len(_summary_writes(sample)) == 3
