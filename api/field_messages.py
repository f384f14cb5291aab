"""What a person reads for a field error: one sentence per JSON Schema keyword the forms use (and the
codes the engine adds), in the reader's language, never the validator's own English text.

Shared by the API (`api.errors`) and the pages (`api.web.form_errors`). A keyword with a bound
(maxLength, minItems, …) says the bound: the engine passes it as `FieldError.limit`."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext

from engine.errors import FieldError

MESSAGES: dict[str, Any] = {
    "required": lazy_gettext("This field is required."),
    "unknown_field": lazy_gettext("This field is not part of the form."),
    "type": lazy_gettext("This value has the wrong type."),
    "format_bsn": lazy_gettext("Not a valid BSN (burgerservicenummer)."),
    "format_date": lazy_gettext("Not a valid date."),
    "format_date-time": lazy_gettext("Not a valid date and time."),
    "format_email": lazy_gettext("Not a valid e-mail address."),
    "enum": lazy_gettext("Choose one of the options."),
    "oneOf": lazy_gettext("Choose one of the options."),
    "anyOf": lazy_gettext("Choose one of the options."),
    "const": lazy_gettext("This answer does not fit your other answers."),
    "not": lazy_gettext("This answer does not fit your other answers."),
    "excluded_choice": lazy_gettext("This choice does not fit your other answers."),
    "must_be_empty": lazy_gettext("Leave this field empty with the answers you gave."),
    "maxLength": lazy_gettext("This text is too long."),
    "minLength": lazy_gettext("This text is too short."),
    "minimum": lazy_gettext("This number is too small."),
    "maximum": lazy_gettext("This number is too large."),
    "pattern": lazy_gettext("This value does not have the expected form."),
    "maxItems": lazy_gettext("There are too many entries."),
    "minItems": lazy_gettext("Choose or add at least one."),
    "uniqueItems": lazy_gettext("Each choice may appear only once."),
    # Why a fact may not be recorded, or a party not be chosen: each ground its own message.
    "out_of_scope": lazy_gettext("The client excluded this from the onderzoek; it cannot be recorded."),
    "subject_declined": lazy_gettext(
        "%(label)s declined to take part; their data stay out of the procedure."
    ),
    "subject_pending": lazy_gettext(
        "%(label)s has not (yet) consented to take part; record their data after consent."
    ),
    "special_category_refused": lazy_gettext(
        "This party may not process special categories of personal data (such as health or criminal "
        "data), so it cannot supply them either; leave this field empty."
    ),
    "category_withheld": lazy_gettext(
        "The party rules withhold this kind of data from this party; it cannot be recorded."
    ),
    "party_excluded": lazy_gettext(
        "%(party)s works in the domain %(domain)s, which the client excluded from the onderzoek."
    ),
    "unknown_role": lazy_gettext("This is not a role of this system; use a role key such as assessor."),
    "unknown_subject": lazy_gettext("This person is not part of the procedure."),
    "invalid": lazy_gettext("This value is not valid."),
}


def _with_limit(code: str, limit: int | float) -> str | None:
    """The sentence that names the bound, or None when the plain one says it all."""
    if code == "minLength" and limit <= 1:
        return gettext("This field is required.")
    if code == "minItems" and limit <= 1:
        return None
    texts = {
        "maxLength": lambda: gettext("This text is too long: at most %(n)s characters.", n=limit),
        "minLength": lambda: gettext("This text is too short: at least %(n)s characters.", n=limit),
        "minimum": lambda: gettext("This number is too small: at least %(n)s.", n=limit),
        "maximum": lambda: gettext("This number is too large: at most %(n)s.", n=limit),
        "minItems": lambda: gettext("Choose or add at least %(n)s.", n=limit),
        "maxItems": lambda: gettext("Choose or add at most %(n)s.", n=limit),
    }
    text = texts.get(code)
    return text() if text else None


def field_message(error: FieldError, *, fallback: str | None = None) -> str:
    """The sentence for `error`; an unknown code gets `fallback`, or the general "not valid"."""
    if error.limit is not None:
        found = _with_limit(error.code, error.limit)
        if found:
            return found
    message = MESSAGES.get(error.code)
    if message is None and error.code.startswith("format_"):
        message = MESSAGES["invalid"]
    if message is not None and error.params:
        try:  # the values the sentence names (a party, a domain, a person's label)
            return str(message) % error.params
        except (KeyError, ValueError, TypeError):
            return str(message)
    if message is not None:
        return str(message)
    return fallback if fallback is not None else str(MESSAGES["invalid"])
