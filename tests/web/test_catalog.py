"""Dutch is the default language: every text of the web UI has a Dutch translation, and the compiled
catalog (.mo) that Flask-Babel reads is the one the .po file describes."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

API = Path(__file__).parent.parent.parent / "api"
CATALOG = API / "translations" / "nl" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _web_messages() -> set[str]:
    found: set[str] = set()
    for folder, method in ((API / "web", "python"), (API / "templates" / "web", "jinja2")):
        for _, _, message, _, _ in extract_from_dir(
            folder,
            method_map=[("**.py", "python")] if method == "python" else [("**.html", "jinja2")],
            keywords=KEYWORDS,
        ):
            found.add(message if isinstance(message, str) else message[0])
    for module in ("error_pages.py",):  # page texts outside the web package
        for _, message, _, _ in extract_from_file("python", API / module, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_web_text_has_a_dutch_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    messages = _web_messages()
    assert len(messages) > 200
    missing = sorted(m for m in messages if m not in catalog or not catalog[m].string)
    assert missing == [], "add these to api/translations/nl/LC_MESSAGES/messages.po:\n" + "\n".join(missing)


def test_compiled_catalog_matches_the_po_file() -> None:
    with (CATALOG / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle, locale="nl") if m.id and m.string and not m.fuzzy}
    with (CATALOG / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run `pybabel compile -d api/translations` (the .mo is out of date)"
