"""docs/privacy.md prints the bundled policy's visibility matrix; it must be the policy's own."""

from __future__ import annotations

import re
from pathlib import Path

from engine.privacy.matrix import markdown_for_bundle

REPO = Path(__file__).parent.parent.parent


def test_docs_print_the_matrix_the_policy_file_gives() -> None:
    doc = (REPO / "docs" / "privacy.md").read_text()
    found = re.search(r"<!-- matrix:start -->\n(.*?)\n<!-- matrix:end -->", doc, re.S)
    assert found, "docs/privacy.md lost its generated matrix (wams privacy matrix)"
    assert found.group(1).strip() == markdown_for_bundle(REPO / "workflows").strip(), (
        "the policy changed: regenerate the table with `wams privacy matrix`"
    )


def test_the_matrix_follows_the_policy() -> None:
    table = markdown_for_bundle(REPO / "workflows")
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()[2:]}
    # The coordinator sees everything in every phase, also after closure; the FG sees no case data.
    assert rows["coördinator"].count("gemeente: alles") == 6
    assert set(rows["privacy officer (FG)"].split(" | ")[1:]) == {"–", "– |"}
    # A housing corporation's contact: who the client is, never health data of another party.
    woning = next(line for name, line in rows.items() if "handhaving" in name or "woning" in name)
    assert "general (adres, geboortedatum, naam)" in woning and "andere partij: health" not in woning
    # Parties see nothing after closure.
    assert all(line.rstrip(" |").endswith("–") for name, line in rows.items() if name.startswith("contact"))
