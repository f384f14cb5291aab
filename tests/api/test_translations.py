"""The Dutch catalog: compiled and complete for the messages the API shows."""

from __future__ import annotations

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from api.errors import FIELD_MESSAGES, TITLES
from api.i18n import TRANSLATIONS

PO = TRANSLATIONS / "nl" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "nl" / "LC_MESSAGES" / "messages.mo"


def _catalog(reader, path):
    with path.open("rb") as handle:
        return {m.id: m.string for m in reader(handle) if m.id}


def test_the_compiled_catalog_matches_its_source():
    assert _catalog(read_mo, MO) == _catalog(read_po, PO), "run `make translations`"


def test_every_title_and_field_message_has_a_dutch_translation():
    translated = _catalog(read_po, PO)
    for message in [*TITLES.values(), *FIELD_MESSAGES.values()]:
        assert translated.get(message._args[0]), message._args[0]
