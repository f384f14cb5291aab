"""Rules of the architecture that a reviewer should not have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).parent.parent / "engine"
FORBIDDEN = ("flask", "api", "werkzeug", "flask_smorest", "flask_babel")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
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
