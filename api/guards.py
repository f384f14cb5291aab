"""Input every API request must satisfy before any view sees it: no NUL characters (PostgreSQL cannot
store them in text, and no legitimate client sends them) in the path, the query or a JSON body."""

from __future__ import annotations

from flask import Flask, request

from engine.errors import InvalidInput

NUL_IN_JSON = b"\\u0000"


def install_input_guards(app: Flask) -> None:
    @app.before_request
    def _refuse_nul() -> None:
        if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
            raise InvalidInput("the request contains a NUL character", field="(url)")
        if request.is_json and NUL_IN_JSON in request.get_data(cache=True):
            raise InvalidInput("the request body contains a NUL character", field="(body)")
