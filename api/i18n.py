"""Languages: Dutch by default, English one switch away (`?lang=en`, a `lang` cookie, or the browser's
Accept-Language). Code and messages are written in English; the Dutch catalog is
`api/translations/nl/LC_MESSAGES/messages.po` (compiled to `.mo` beside it with `make translations`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

LANGUAGES = ("nl", "en")
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    default: str = request.environ.get("wams.default_locale") or "nl"
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    if request.accept_languages:
        return request.accept_languages.best_match(LANGUAGES, default=default) or default
    return default


def init_babel(app: Flask, default_locale: str) -> Babel:
    default = default_locale if default_locale in LANGUAGES else "nl"
    app.config["BABEL_DEFAULT_LOCALE"] = default
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)

    @app.before_request
    def _remember_default() -> None:
        request.environ["wams.default_locale"] = default

    return Babel(app, locale_selector=select_locale)
