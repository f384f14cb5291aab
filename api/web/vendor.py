"""Front-end packages from npm, served from `node_modules/` (installed by `make`, never committed).

Only the files listed here are reachable: a package's dist file or stylesheet, never its sources,
package.json or anything else that happens to lie in node_modules."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory

ALLOWED: dict[str, frozenset[str]] = {
    "bpmn-js": frozenset(
        {
            "dist/bpmn-navigated-viewer.production.min.js",
            "dist/bpmn-modeler.production.min.js",
            "dist/assets/diagram-js.css",
            "dist/assets/bpmn-js.css",
            "dist/assets/bpmn-font/css/bpmn-embedded.css",
        }
    ),
    "dmn-js": frozenset(
        {
            "dist/dmn-modeler.production.min.js",
            "dist/assets/diagram-js.css",
            "dist/assets/dmn-js-shared.css",
            "dist/assets/dmn-js-drd.css",
            "dist/assets/dmn-js-decision-table.css",
            "dist/assets/dmn-js-decision-table-controls.css",
            "dist/assets/dmn-js-literal-expression.css",
            "dist/assets/dmn-js-boxed-expression.css",
            "dist/assets/dmn-js-boxed-expression-controls.css",
            "dist/assets/dmn-font/css/dmn-embedded.css",
        }
    ),
    "bpmn-js-bpmnlint": frozenset({"dist/assets/css/bpmn-js-bpmnlint.css"}),
    "chart.js": frozenset({"dist/chart.umd.min.js"}),
    "htmx.org": frozenset({"dist/htmx.min.js"}),
    # Our bundles (see package.json "build"), written into node_modules at install time: bpmnlint and
    # the designer's modelers with their properties panels (api/assets).
    ".wams": frozenset(
        {
            "bpmnlint.js",
            "bpmn-modeler.js",
            "bpmn-modeler.css",
            "dmn-modeler.js",
            "dmn-modeler.css",
        }
    ),
}

# Served only to those who may open the designer (api.web.designer_views): the modelers and linter.
DESIGNER_ONLY: dict[str, frozenset[str] | None] = {
    "bpmn-js": frozenset({"dist/bpmn-modeler.production.min.js"}),
    "dmn-js": None,  # every file
    "bpmn-js-bpmnlint": None,
    ".wams": None,
}

bp = Blueprint("vendor", __name__)


def designer_only(package: str, path: str) -> bool:
    if package not in DESIGNER_ONLY:
        return False
    files = DESIGNER_ONLY[package]
    return files is None or path in files


def node_modules() -> Path:
    return Path(current_app.root_path).parent / "node_modules"


def vendor_available(package: str, path: str) -> bool:
    return path in ALLOWED.get(package, ()) and (node_modules() / package / path).is_file()


@bp.get("/vendor/<string:package>/<path:path>")
def vendor_file(package: str, path: str) -> Response:
    if path not in ALLOWED.get(package, ()):
        abort(404)
    folder = node_modules() / package
    if not (folder / path).is_file():
        abort(404)
    response = send_from_directory(folder, path, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
