"""JUEL (Camunda 7, Flowable, Activiti) and FEEL (Camunda 8) expressions translated to the sandbox's Python.

Foreign models write conditions as ``${amount > 1000}`` or ``=remainingAmount > 0``, timers as
``PT${minutes}M`` and assignees as ``${initiator}``. Handing those to the Python sandbox gives a bare
"SyntaxError"; translating them with a real grammar (lark, LALR) gives either the same meaning in Python
or a refusal that names the dialect and the construct. The subset: variables, literals (numbers, text,
true/false/null), comparisons, ``&&``/``and``, ``||``/``or``, ``!``/``not``, ``empty`` (JUEL), ``not(...)``
(FEEL), arithmetic and property access. Method and function calls (``execution.getVariable(...)``,
``date and time(...)``) and the engines' implicit objects (``execution``, ``task``) are refused.
"""

from __future__ import annotations

import keyword
from functools import lru_cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

# Every keyword is its own string terminal, so lark tells `not` from a variable called `nothing`.
JUEL_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr (OROP | ORW) and_expr -> or_
?and_expr: not_expr | and_expr (ANDOP | ANDW) not_expr -> and_
?not_expr: (BANG | NOTW) not_expr -> not_
    | EMPTY not_expr -> empty
    | comparison
?comparison: sum | sum (COMP | EQW | NEW | LTW | GTW | LEW | GEW) sum -> compare
?sum: product | sum (PLUS | MINUS) product -> arith
?product: unary | product (STAR | SLASH | PERCENT | DIV | MOD) unary -> arith
?unary: MINUS unary -> neg | postfix
?postfix: atom
    | postfix "." NAME -> attr
    | postfix "[" or_expr "]" -> index
    | postfix "(" [args] ")" -> call
args: or_expr ("," or_expr)*
?atom: NUMBER -> number
    | STRING -> string
    | TRUE -> true
    | FALSE -> false
    | NULL -> null
    | NAME -> var
    | "(" or_expr ")"
OROP: "||"
ORW: "or"
ANDOP: "&&"
ANDW: "and"
BANG: "!"
NOTW: "not"
EMPTY: "empty"
TRUE: "true"
FALSE: "false"
NULL: "null"
DIV: "div"
MOD: "mod"
COMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
EQW: "eq"
NEW: "ne"
LTW: "lt"
GTW: "gt"
LEW: "le"
GEW: "ge"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
PERCENT: "%"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /\d+(\.\d+)?([eE][+-]?\d+)?/
STRING: /'(\\.|[^'\\])*'/ | /"(\\.|[^"\\])*"/
%ignore /\s+/
"""

FEEL_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr OR and_expr -> or_
?and_expr: comparison | and_expr AND comparison -> and_
?comparison: sum | sum COMP sum -> compare
?sum: product | sum (PLUS | MINUS) product -> arith
?product: unary | product (STAR | SLASH) unary -> arith
?unary: MINUS unary -> neg | postfix
?postfix: atom
    | postfix "." NAME -> attr
    | postfix "[" or_expr "]" -> index
    | postfix "(" [args] ")" -> call
args: or_expr ("," or_expr)*
?atom: NUMBER -> number
    | STRING -> string
    | TRUE -> true
    | FALSE -> false
    | NULL -> null
    | NAME -> var
    | "[" [args] "]" -> list_
    | "(" or_expr ")"
OR: "or"
AND: "and"
TRUE: "true"
FALSE: "false"
NULL: "null"
COMP: "=" | "!=" | "<=" | ">=" | "<" | ">"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /\d+(\.\d+)?/
STRING: /"(\\.|[^"\\])*"/
%ignore /\s+/
"""

_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "=": "=="}
_ARITHMETIC = {"div": "/", "mod": "%"}
# Objects the Java engines put in every expression's scope; Wams has nothing like them.
_IMPLICIT = {
    "execution": "the process execution object",
    "task": "the task object",
    "authenticatedUserId": "the signed-in user's id",
    "variables": "the variables map",
    "processEngine": "the process engine",
    "now": "the engine's now()",
}


_FEEL_NOT = "\0not"


class TranslationError(ValueError):
    """An expression outside the translated subset; the message names the dialect and the construct."""

    def __init__(self, dialect: str, construct: str) -> None:
        super().__init__(f"{dialect} {construct} is not supported")
        self.dialect = dialect
        self.construct = construct


@v_args(inline=True)
class _ToPython(Transformer[Token, str]):
    def __init__(self, dialect: str) -> None:
        super().__init__()
        self.dialect = dialect

    def or_(self, left: str, _op: Token, right: str) -> str:
        return f"({left} or {right})"

    def and_(self, left: str, _op: Token, right: str) -> str:
        return f"({left} and {right})"

    def not_(self, _op: Token, operand: str) -> str:
        return f"(not {operand})"

    def empty(self, _op: Token, operand: str) -> str:
        # JUEL's `empty`: null, "", an empty list or map.
        return f"({operand} in (None, '', [], {{}}))"

    def compare(self, left: str, op: Token, right: str) -> str:
        return f"({left} {_COMPARISONS.get(str(op), str(op))} {right})"

    def arith(self, left: str, op: Token, right: str) -> str:
        return f"({left} {_ARITHMETIC.get(str(op), str(op))} {right})"

    def neg(self, _op: Token, operand: str) -> str:
        return f"(-{operand})"

    def attr(self, obj: str, name: Token) -> str:
        # Process data are JSON objects: `a.b` reads key "b", and like JUEL on a map gives null if absent.
        return f"{obj}.get({str(name)!r})"

    def index(self, obj: str, key: str) -> str:
        if self.dialect == "FEEL":
            raise TranslationError("FEEL", "filter or index [..] (FEEL counts from 1)")
        return f"{obj}[{key}]"

    def call(self, callee: str, args: list[str] | None = None) -> str:
        if callee == _FEEL_NOT and args is not None and len(args) == 1:
            return f"(not {args[0]})"
        callee = "not" if callee == _FEEL_NOT else callee
        kind = "function call" if self.dialect == "FEEL" else "method call"
        shown = callee.replace(".get('", ".").replace("')", "")
        raise TranslationError(self.dialect, f"{kind} {shown}(…)")

    def args(self, *items: str) -> list[str]:
        return list(items)

    def list_(self, items: list[str] | None = None) -> str:
        return f"[{', '.join(items or [])}]"

    def number(self, token: Token) -> str:
        return str(token)

    def string(self, token: Token) -> str:
        body = str(token)[1:-1]
        out: list[str] = []
        escaped = False
        for char in body:
            if escaped:
                out.append({"n": "\n", "t": "\t"}.get(char, char))
                escaped = False
            elif char == "\\":
                escaped = True
            else:
                out.append(char)
        return repr("".join(out))

    def true(self, _token: Token) -> str:
        return "True"

    def false(self, _token: Token) -> str:
        return "False"

    def null(self, _token: Token) -> str:
        return "None"

    def var(self, token: Token) -> str:
        name = str(token)
        if self.dialect == "FEEL" and name == "not":
            return _FEEL_NOT  # FEEL's negation is a function: only valid as the callee of a call
        if name in _IMPLICIT:
            raise TranslationError(self.dialect, f"object {name!r} ({_IMPLICIT[name]})")
        if name.startswith("_") or keyword.iskeyword(name):
            raise TranslationError(self.dialect, f"variable name {name!r}")
        return name


@lru_cache(maxsize=2)
def _parser(dialect: str) -> Lark:
    grammar = JUEL_GRAMMAR if dialect == "JUEL" else FEEL_GRAMMAR
    return Lark(grammar, parser="lalr", maybe_placeholders=True)


def _describe(exc: UnexpectedInput, text: str) -> str:
    column = getattr(exc, "column", None)
    if isinstance(exc, UnexpectedToken):
        shown = str(exc.token) or "the end"
    elif isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        shown = text[position] if 0 <= position < len(text) else "?"
    else:
        shown = "the end"
    where = f" at column {column}" if isinstance(column, int) and column > 0 else ""
    return f"construct {shown!r}{where} in {text.strip()!r}"


@lru_cache(maxsize=4096)
def translate_expression(dialect: str, text: str) -> str:
    """One JUEL (inside ``${…}``) or FEEL (after ``=``) expression as a sandbox Python expression."""
    try:
        tree = _parser(dialect).parse(text)
        result = _ToPython(dialect).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, TranslationError):
            raise exc.orig_exc from None
        raise
    except UnexpectedInput as exc:
        raise TranslationError(dialect, _describe(exc, text)) from None
    except LarkError as exc:  # pragma: no cover - any other grammar failure is a refusal as well
        raise TranslationError(dialect, f"expression {text.strip()!r} ({exc})") from None
    if _FEEL_NOT in str(result):
        raise TranslationError(dialect, "'not' used other than as not(…)")
    return str(result)


def _juel_parts(text: str) -> list[tuple[bool, str]]:
    """Split a JUEL template into (is_expression, text) parts: ``PT${m}M`` → literal, ``m``, literal.
    Braces inside quoted strings do not close an expression."""
    parts: list[tuple[bool, str]] = []
    position = 0
    while True:
        starts = [i for i in (text.find("${", position), text.find("#{", position)) if i >= 0]
        if not starts:
            break
        start = min(starts)
        if start > position:
            parts.append((False, text[position:start]))
        i = start + 2
        quote: str | None = None
        while i < len(text):
            char = text[i]
            if quote:
                if char == "\\":
                    i += 1
                elif char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char == "}":
                break
            i += 1
        if i >= len(text):
            raise TranslationError("JUEL", f"expression {text[start:]!r} without its closing '}}'")
        parts.append((True, text[start + 2 : i]))
        position = i + 1
    if position < len(text):
        parts.append((False, text[position:]))
    return parts


def dialect_of(text: str) -> str | None:
    """ "JUEL", "FEEL" or None (the engine's own Python) for an expression as a model writes it."""
    stripped = text.strip()
    if stripped.startswith("="):
        return "FEEL"
    if "${" in stripped or "#{" in stripped:
        return "JUEL"
    return None


def translate(text: str) -> str | None:
    """The Python for a foreign expression or template; None when `text` is not JUEL or FEEL.

    A JUEL template mixing text and expressions (a timer ``PT${minutes}M``) becomes a concatenation.
    Raises `TranslationError` for anything outside the subset."""
    dialect = dialect_of(text)
    if dialect == "FEEL":
        return translate_expression("FEEL", text.strip()[1:])
    if dialect != "JUEL":
        return None
    parts = _juel_parts(text.strip())
    if len(parts) == 1 and parts[0][0]:
        return translate_expression("JUEL", parts[0][1])
    pieces = [
        f"str({translate_expression('JUEL', part)})" if is_expression else repr(part)
        for is_expression, part in parts
    ]
    return " + ".join(pieces)


def translate_variable_reference(text: str) -> str | None:
    """A collection or similar reference: ``${items}``, ``=items`` or ``items`` → the data path ``items``;
    None when it is something else (a call, an operator)."""
    stripped = text.strip()
    dialect = dialect_of(stripped)
    inner = stripped
    if dialect == "FEEL":
        inner = stripped[1:].strip()
    elif dialect == "JUEL":
        parts = _juel_parts(stripped)
        if len(parts) != 1 or not parts[0][0]:
            return None
        inner = parts[0][1].strip()
    names = inner.split(".")
    if all(n.isidentifier() and not n.startswith("_") and not keyword.iskeyword(n) for n in names):
        return inner
    return None
