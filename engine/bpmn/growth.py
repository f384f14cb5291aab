"""Bounds on what one operation in the sandbox may build, checked before it runs.

The time budget (`budget.py`) is checked by a trace function between lines, so a single operation
that runs inside C — `x ** 256` on a number of 65,000 digits, `"".join(...)` of 10 GB, a format
width of a billion — would run to its end, holding the worker (and the instance's lock) for as long
as that takes. The sandbox's compiler routes every such operation here (`**`, `*`, `<<`, `+`, `%`,
their augmented forms, f-string format specs, the size-taking methods of text and numbers, `sum`,
`round`); each refuses, with a `SandboxViolation`, a result larger than these bounds. Whatever
passes costs at most milliseconds, so the budget holds for any single expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from operator import length_hint
from typing import Any

from RestrictedPython.Guards import safer_getattr

from ..errors import SandboxViolation

# A number of at most this many bits (about 4,900 decimal digits: more than `int()` reads from text)
# multiplies in microseconds.
MAX_INT_BITS = 16_384
# Items of a list or tuple, characters of a text.
MAX_SEQUENCE = 100_000
MAX_EXPONENT = 256
MAX_SHIFT = 256
# `round(n, -d)` computes 10**d.
MAX_ROUND_DIGITS = 4_000

SEQUENCES = (str, bytes, list, tuple)
_NUMBER_IN_SPEC = re.compile(r"\d+")
# A %-field with a width or precision from the values (`*`) or of six digits or more. Searched in C:
# a Python loop over 50,000 fields would spend the budget on the check itself.
_WIDE_PERCENT_FIELD = re.compile(rb"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d{6,}|\d*\.(?:\*|\d{6,}))")


def _refuse(what: str) -> SandboxViolation:
    return SandboxViolation(f"{what} is too large for a model's script (limits: docs/modelling.md)")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def checked_binop(op: str, left: Any, right: Any) -> Any:
    """`left <op> right` for Pow, Mult, LShift, Add and Mod, refused when the result would be too large."""
    if op == "Pow":
        if isinstance(right, int | float) and abs(right) > MAX_EXPONENT and abs(left) > 1:
            raise SandboxViolation(f"exponent {right} is too large")
        if (
            _is_int(left)
            and _is_int(right)
            and right > 0
            and (abs(left).bit_length() - 1) * right > MAX_INT_BITS
        ):
            raise _refuse(f"a number of about {(abs(left).bit_length() - 1) * right:,} bits")
        return left**right
    if op == "LShift":
        if _is_int(right) and right > MAX_SHIFT:
            raise SandboxViolation(f"shift by {right} is too large")
        if _is_int(left) and _is_int(right) and left and left.bit_length() + right > MAX_INT_BITS:
            raise _refuse(f"a number of {left.bit_length() + right:,} bits")
        return left << right
    if op == "Mult":
        if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _refuse(f"a number of about {left.bit_length() + right.bit_length():,} bits")
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, SEQUENCES) and _is_int(times) and len(seq) * times > MAX_SEQUENCE:
                raise _refuse(f"a sequence of {len(seq) * times:,} items")
        return left * right
    if op == "Add":
        if (
            isinstance(left, SEQUENCES)
            and isinstance(right, SEQUENCES)
            and len(left) + len(right) > MAX_SEQUENCE
        ):
            raise _refuse(f"a sequence of {len(left) + len(right):,} items")
        return left + right
    if op == "Mod":
        if isinstance(left, str | bytes):
            _check_percent_format(left, right)
        return left % right
    raise SandboxViolation(f"operator {op} is not checked")


def _check_percent_format(template: str | bytes, values: Any) -> None:
    raw = template.encode("utf-8", "surrogatepass") if isinstance(template, str) else template
    if _WIDE_PERCENT_FIELD.search(raw):
        raise _refuse("a %-format width or precision")
    fields = raw.count(b"%")  # at least as many as the fields
    # Sizes summed in C as well (`length_hint` is 0 for a number). A tuple's values are used once
    # each; a mapping's as often as the template names them.
    if isinstance(values, tuple):
        estimate = sum(map(length_hint, values))
    elif isinstance(values, Mapping):
        estimate = fields * max(map(length_hint, values.values()), default=0)
    else:
        estimate = fields * length_hint(values)
    if estimate + len(template) > MAX_SEQUENCE:
        raise _refuse(f"a text of about {estimate:,} characters")


def check_format_spec(spec: str) -> None:
    for number in _NUMBER_IN_SPEC.findall(spec):
        if len(number) > 6 or int(number) > MAX_SEQUENCE:
            raise _refuse(f"the format width or precision {number}")


def checked_format(value: Any, conversion: int, spec: str) -> str:
    """An f-string's `{value!conversion:spec}`, with the spec's widths bounded."""
    if conversion == ord("s"):
        value = str(value)
    elif conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("a"):
        value = ascii(value)
    check_format_spec(spec)
    return format(value, spec)


def _width(args: tuple[Any, ...], kwargs: Mapping[str, Any], name: str, position: int = 0) -> Any:
    return args[position] if len(args) > position else kwargs.get(name)


def _checked_method(obj: Any, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    if name in {"ljust", "rjust", "center", "zfill"}:
        width = _width(args, kwargs, "width")
        if _is_int(width) and width > MAX_SEQUENCE:
            raise _refuse(f"a text of {width:,} characters")
    elif name == "expandtabs":
        size = _width(args, kwargs, "tabsize")
        tab = "\t" if isinstance(obj, str) else b"\t"
        if _is_int(size) and len(obj) + obj.count(tab) * size > MAX_SEQUENCE:
            raise _refuse("the expanded text")
    elif name == "join":
        items = list(args[0]) if args else []
        total = sum(map(length_hint, items)) + len(obj) * max(len(items) - 1, 0)
        if total > MAX_SEQUENCE:
            raise _refuse(f"a text of {total:,} characters")
        return method(items, *args[1:], **kwargs)
    elif name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        count = obj.count(old) if old else len(obj) + 1
        if len(args) > 2 and _is_int(args[2]) and args[2] >= 0:
            count = min(count, args[2])
        if len(obj) + count * (len(new) - len(old)) > MAX_SEQUENCE:
            raise _refuse("the replaced text")
    elif name == "to_bytes":
        length = _width(args, kwargs, "length")
        if _is_int(length) and length > MAX_SEQUENCE:
            raise _refuse(f"{length:,} bytes")
    return method(*args, **kwargs)


_SIZED_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "join", "replace", "to_bytes"})


def checked_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's `safer_getattr` (which already refuses `str.format`), with the methods above
    wrapped by their checks."""
    value = safer_getattr(obj, name, default)
    if name in _SIZED_METHODS and isinstance(obj, str | bytes | int) and callable(value):
        return partial(_checked_method, obj, name, value)
    return value


def checked_sum(items: Iterable[Any], start: Any = 0) -> Any:
    """`sum`, which adds sequences inside C: their total length is bounded first."""
    if isinstance(start, SEQUENCES):
        values = list(items)
        total = len(start) + sum(map(length_hint, values))
        if total > MAX_SEQUENCE:
            raise _refuse(f"a sequence of {total:,} items")
        return sum(values, start)
    return sum(items, start)


def checked_round(number: Any, ndigits: Any = None) -> Any:
    if _is_int(ndigits) and ndigits < -MAX_ROUND_DIGITS:
        raise _refuse(f"rounding to {ndigits} digits")
    return round(number) if ndigits is None else round(number, ndigits)
