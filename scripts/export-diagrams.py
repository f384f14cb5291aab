#!/usr/bin/env python3
"""Export BPMN diagrams as SVG with bpmn-js (the renderer Camunda Modeler and the designer use).

Loads node_modules/bpmn-js/dist/bpmn-viewer.production.min.js into headless Chromium (Playwright),
imports each .bpmn file and writes what `saveSVG()` returns. An import warning (an element bpmn-js
cannot draw or a broken reference) fails the export.

    .venv/bin/python scripts/export-diagrams.py                      # workflows/*.bpmn → docs/wams-process/
    .venv/bin/python scripts/export-diagrams.py path/a.bpmn --out out/

Needs `npm install` (bpmn-js is in package.json) and Chromium (scripts/ensure-system-packages.sh).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
VIEWER = REPO / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.production.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"></head>
<body style="margin:0"><div id="canvas" style="width:2400px;height:1600px"></div></body></html>"""

EXPORT = """async (xml) => {
  const viewer = new BpmnJS({ container: '#canvas' });
  try {
    const { warnings } = await viewer.importXML(xml);
    const { svg } = await viewer.saveSVG();
    return { svg, warnings: warnings.map((w) => w.message) };
  } finally {
    viewer.destroy();
  }
}"""


def export(files: list[Path], out: Path) -> list[str]:
    """Write <out>/<name>.svg for every file; the problems found (empty when all went well)."""
    if not VIEWER.is_file():
        return [f"{VIEWER.relative_to(REPO)} is missing: run `npm install`"]
    problems: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(PAGE)
            page.add_script_tag(path=str(VIEWER))
            for file in files:
                try:
                    result = page.evaluate(EXPORT, file.read_text(encoding="utf-8"))
                except Exception as exc:  # the import failed: report it with the file, go on
                    problems.append(f"{file}: bpmn-js could not import it: {exc}")
                    continue
                if result["warnings"]:
                    problems.extend(f"{file}: {w}" for w in result["warnings"])
                    continue
                target = out / f"{file.stem}.svg"
                target.write_text(result["svg"] + "\n", encoding="utf-8")
                print(f"{file.relative_to(REPO) if file.is_relative_to(REPO) else file} -> {target}")
        finally:
            browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="BPMN files (default: workflows/*.bpmn)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "wams-process", help="output folder")
    args = parser.parse_args(argv)
    files = [f.resolve() for f in args.files] or sorted((REPO / "workflows").glob("*.bpmn"))
    problems = export(files, args.out.resolve())
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
