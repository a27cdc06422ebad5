"""The binding expression language: ``{{ expr }}`` in app pages (spec: docs/expressions.md).

A hand-written tokenizer, Pratt parser and tree-walking evaluator; never ``eval``. Its
browser twin is ``src/inset/runtime/static/expr.js``; both must pass every vector in
``tests/expressions/vectors.json``, so a change here needs the same change there.

Values are JSON values: None, bool, int/float, str, list/tuple and Mapping. Numbers behave
like JavaScript doubles; an integral result within ±2**53 comes back as an ``int``.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, NamedTuple

__all__ = [
    "FUNCTION_NAMES",
    "ExpressionError",
    "Node",
    "evaluate",
    "evaluate_template",
    "parse",
    "parse_template",
    "template_references",
]

MAX_DEPTH = 200
FORBIDDEN_NAMES = frozenset({"__proto__", "constructor", "prototype"})
# The characters JavaScript's String.prototype.trim removes.
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_MAX_SAFE_INTEGER = 2**53


class ExpressionError(ValueError):
    """A syntax or evaluation error; ``offset`` counts code points from the source start."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class _Failure(Exception):
    """An evaluation failure; the node being evaluated turns it into an ExpressionError."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class Node:
    """Base of the syntax tree; ``offset`` is where the node's token starts."""

    offset: int


@dataclass(frozen=True, slots=True)
class Constant(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Member(Node):
    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    target: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class ArrayLiteral(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ObjectLiteral(Node):
    entries: tuple[tuple[str, Node], ...]


# ---------------------------------------------------------------------------- tokenizer


class _Token(NamedTuple):
    kind: str  # "number" | "string" | "name" | "punct" | "end"
    value: Any
    offset: int


_SPACE = re.compile(r"[ \t\n\r]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NUMBER_START = re.compile(r"\.?[0-9]")
_NUMBER_TAIL = re.compile(r"[A-Za-z0-9_.]")
_PUNCTUATORS = (
    ("==", "!=", "<=", ">=", "&&", "||", "??"),
    tuple("<>+-*/%!?:.,()[]{}"),
)
_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "/": "/",
}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_HEX_BRACED = re.compile(r"\{([0-9A-Fa-f]{1,6})\}")


class _Lexer:
    """Reads one token at a time, so a template's text after ``}}`` is never tokenized."""

    def __init__(self, src: str, pos: int) -> None:
        self.src = src
        self.pos = pos

    def next(self) -> _Token:
        src = self.src
        pos = _SPACE.match(src, self.pos).end()  # type: ignore[union-attr]
        if pos >= len(src):
            self.pos = pos
            return _Token("end", None, pos)
        if _NUMBER_START.match(src, pos):
            return self._number(pos)
        char = src[pos]
        if char in "'\"":
            return self._string(pos)
        name = _NAME.match(src, pos)
        if name:
            self.pos = name.end()
            return _Token("name", name.group(), pos)
        for candidates in _PUNCTUATORS:
            for punct in candidates:
                if src.startswith(punct, pos):
                    self.pos = pos + len(punct)
                    return _Token("punct", punct, pos)
        raise ExpressionError(f"unexpected character {_quote(char)}", pos)

    def _number(self, start: int) -> _Token:
        match = _NUMBER.match(self.src, start)
        if not match or _NUMBER_TAIL.match(self.src, match.end()):
            raise ExpressionError("invalid number", start)
        self.pos = match.end()
        value = float(match.group())
        if not math.isfinite(value):
            raise ExpressionError("number is out of range", start)
        return _Token("number", _normal_number(value), start)

    def _string(self, start: int) -> _Token:
        src, quote = self.src, self.src[start]
        pos, chunks = start + 1, []
        while True:
            end = _find_any(src, (quote, "\\"), pos)
            if end < 0:
                raise ExpressionError("unterminated string", start)
            chunks.append(src[pos:end])
            if src[end] == quote:
                self.pos = end + 1
                return _Token("string", "".join(chunks), start)
            char, pos = self._escape(end)
            chunks.append(char)

    def _escape(self, backslash: int) -> tuple[str, int]:
        """The character an escape sequence stands for, and the position after it."""
        src, pos = self.src, backslash + 1
        letter = src[pos : pos + 1]
        if letter in _ESCAPES:
            return _ESCAPES[letter], pos + 1
        if letter != "u":
            raise ExpressionError("invalid escape sequence", backslash)
        braced = _HEX_BRACED.match(src, pos + 1)
        if braced:
            code = int(braced.group(1), 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise ExpressionError("invalid escape sequence", backslash)
            return chr(code), braced.end()
        high = _HEX4.match(src, pos + 1)
        if not high:
            raise ExpressionError("invalid escape sequence", backslash)
        code = int(high.group(), 16)
        if not 0xD800 <= code <= 0xDFFF:
            return chr(code), high.end()
        low = _HEX4.match(src, high.end() + 2) if src.startswith("\\u", high.end()) else None
        low_code = int(low.group(), 16) if low else 0
        if code > 0xDBFF or not low or not 0xDC00 <= low_code <= 0xDFFF:
            raise ExpressionError("unpaired surrogate in escape sequence", backslash)
        return chr(0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)), low.end()


def _quote(text: str) -> str:
    """Quote text for a message the way the JS evaluator does (JSON.stringify)."""
    return json.dumps(text, ensure_ascii=False)


def _find_any(text: str, needles: tuple[str, ...], start: int) -> int:
    found = [i for i in (text.find(n, start) for n in needles) if i >= 0]
    return min(found) if found else -1


# ---------------------------------------------------------------------------- parser

_UNARY_POWER = 9  # postfix . [ always bind tighter
_BINARY_POWER = {
    "??": 2,
    "||": 3,
    "&&": 4,
    "==": 5,
    "!=": 5,
    "<": 6,
    "<=": 6,
    ">": 6,
    ">=": 6,
    "+": 7,
    "-": 7,
    "*": 8,
    "/": 8,
    "%": 8,
}
_TERNARY_POWER = 1


class _Parser:
    """Pratt parser over a lazy token stream, starting at ``pos`` in ``src``."""

    def __init__(self, src: str, pos: int = 0) -> None:
        self.lexer = _Lexer(src, pos)
        self.token = self.lexer.next()
        self.depth = 0

    def advance(self) -> _Token:
        token = self.token
        self.token = self.lexer.next()
        return token

    def at(self, punct: str) -> bool:
        return self.token.kind == "punct" and self.token.value == punct

    def expect(self, punct: str) -> _Token:
        if not self.at(punct):
            raise ExpressionError(
                f"expected '{punct}', found {_describe(self.token)}", self.token.offset
            )
        return self.advance()

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression is nested too deeply", self.token.offset)

    def expression(self, min_power: int = 0) -> Node:
        outer_depth = self.depth
        self.deeper()
        node = self.prefix()
        while True:
            token = self.token
            if token.kind != "punct":
                break
            if token.value in ".[(":
                node = self.postfix(node)
            elif token.value == "?" and _TERNARY_POWER > min_power:
                self.advance()
                then = self.expression()
                self.expect(":")
                node = Conditional(token.offset, node, then, self.expression(_TERNARY_POWER - 1))
            elif _BINARY_POWER.get(token.value, -1) > min_power:
                self.advance()
                right = self.expression(_BINARY_POWER[token.value])
                node = Binary(token.offset, token.value, node, right)
            else:
                break
            self.deeper()
        self.depth = outer_depth
        return node

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind in ("number", "string"):
            return Constant(token.offset, token.value)
        if token.kind == "name":
            return self.name(token)
        if token.kind == "punct":
            if token.value in ("!", "-", "+"):
                return Unary(token.offset, token.value, self.expression(_UNARY_POWER))
            if token.value == "(":
                node = self.expression()
                self.expect(")")
                return node
            if token.value == "[":
                return ArrayLiteral(token.offset, tuple(self.items("]")))
            if token.value == "{":
                return ObjectLiteral(token.offset, tuple(self.entries()))
        raise ExpressionError(f"expected an expression, found {_describe(token)}", token.offset)

    def name(self, token: _Token) -> Node:
        name: str = token.value
        if name in _KEYWORDS:
            return Constant(token.offset, _KEYWORDS[name])
        if self.at("("):
            self.advance()
            return _checked_call(token, tuple(self.items(")")))
        return Name(token.offset, _allowed_name(token))

    def postfix(self, target: Node) -> Node:
        token = self.advance()
        if token.value == ".":
            if self.token.kind != "name":
                raise ExpressionError(
                    f"expected a property name after '.', found {_describe(self.token)}",
                    self.token.offset,
                )
            return Member(token.offset, target, _allowed_name(self.advance()))
        if token.value == "[":
            index = self.expression()
            self.expect("]")
            return Index(token.offset, target, index)
        raise ExpressionError("only built-in functions can be called, e.g. length(x)", token.offset)

    def items(self, closing: str) -> Iterator[Node]:
        """Comma-separated expressions up to ``closing``; a trailing comma is allowed."""
        while not self.at(closing):
            yield self.expression()
            if not self.at(closing):
                self.expect(",")
        self.advance()

    def entries(self) -> Iterator[tuple[str, Node]]:
        while not self.at("}"):
            key = self.advance()
            if key.kind == "name" or key.kind == "string":
                name = _allowed_name(key)
            elif key.kind == "number":
                name = _number_to_string(key.value)
            else:
                raise ExpressionError(
                    f"expected a property name, found {_describe(key)}", key.offset
                )
            self.expect(":")
            yield name, self.expression()
            if not self.at("}"):
                self.expect(",")
        self.advance()


_KEYWORDS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind in ("number", "string"):
        return token.kind
    return f"'{token.value}'"


def _allowed_name(token: _Token) -> str:
    if token.value in FORBIDDEN_NAMES:
        raise ExpressionError(f"'{token.value}' is not allowed", token.offset)
    return str(token.value)


def _checked_call(token: _Token, args: tuple[Node, ...]) -> Call:
    builtin = _FUNCTIONS.get(token.value)
    if builtin is None:
        raise ExpressionError(f"unknown function '{token.value}'", token.offset)
    if not builtin.min_args <= len(args) <= builtin.max_args:
        raise ExpressionError(
            f"{token.value}() takes {builtin.arity()}, got {len(args)}", token.offset
        )
    return Call(token.offset, token.value, args)


@functools.lru_cache(maxsize=2048)
def parse(src: str) -> Node:
    """Parse one expression (without ``{{ }}``); raises ExpressionError."""
    parser = _Parser(src)
    node = parser.expression()
    if parser.token.kind != "end":
        raise ExpressionError(f"unexpected {_describe(parser.token)}", parser.token.offset)
    return node


@functools.lru_cache(maxsize=2048)
def parse_template(template: str) -> tuple[str | Node, ...]:
    """Split a template into text and expression segments; raises ExpressionError."""
    segments: list[str | Node] = []
    pos = 0
    while (start := template.find("{{", pos)) >= 0:
        if start > pos:
            segments.append(template[pos:start])
        parser = _Parser(template, start + 2)
        segments.append(parser.expression())
        closing = parser.token
        if closing.kind == "end":
            raise ExpressionError("'{{' is not closed with '}}'", start)
        if not (parser.at("}") and template.startswith("}", closing.offset + 1)):
            raise ExpressionError(f"expected '}}}}', found {_describe(closing)}", closing.offset)
        pos = closing.offset + 2
    if pos < len(template):
        segments.append(template[pos:])
    return tuple(segments)


# ---------------------------------------------------------------------------- values


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_array(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if _is_array(value):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "unsupported value"


def _float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond the double range
        return math.copysign(math.inf, value)


def _normal_number(value: float) -> int | float:
    """JS has one number type: integral values within ±2**53 become ints."""
    if value.is_integer() and abs(value) <= _MAX_SAFE_INTEGER:
        return int(value)
    return value


def _number_result(value: float) -> int | float:
    if not math.isfinite(value):
        raise _Failure("number is out of range")
    return _normal_number(value)


def _number_to_string(value: int | float) -> str:
    """JavaScript's ``String(number)``: shortest round-trip digits, exponent from 1e21."""
    number = _float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    # The value is 0.DIGITS * 10**point.
    point = len(whole) - (len(all_digits) - len(digits)) + int(exponent or 0)
    digits = digits.rstrip("0")
    count = len(digits)
    sign = "-" if number < 0 else ""
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    power = point - 1
    exponent_text = ("+" if power >= 0 else "-") + str(abs(power))
    if count == 1:
        return sign + digits + "e" + exponent_text
    return sign + digits[0] + "." + digits[1:] + "e" + exponent_text


_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def _object_keys(value: Mapping[Any, Any]) -> list[str]:
    """Keys in JavaScript's order: array-index keys ascending, then the rest as inserted."""
    keys = list(value)
    if not all(isinstance(key, str) for key in keys):
        raise _Failure("object keys must be strings")
    indexes = [k for k in keys if _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1]
    if not indexes:
        return keys
    index_set = set(indexes)
    return sorted(indexes, key=int) + [k for k in keys if k not in index_set]


def _to_string(value: Any) -> str:
    """String conversion for ``+``, templates, join and string(): null is ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _to_json(value)


def _to_json(value: Any, depth: int = 0) -> str:
    if depth > MAX_DEPTH:
        raise _Failure("value is nested too deeply")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _number_to_string(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if _is_array(value):
        return "[" + ",".join(_to_json(item, depth + 1) for item in value) + "]"
    if isinstance(value, Mapping):
        return (
            "{"
            + ",".join(
                json.dumps(key, ensure_ascii=False) + ":" + _to_json(value[key], depth + 1)
                for key in _object_keys(value)
            )
            + "}"
        )
    raise _Failure(f"unsupported value of type {type(value).__name__}")


def _truthy(value: Any) -> bool:
    """JavaScript truthiness: null, false, 0 and "" are false; [] and {} are true."""
    if value is None or isinstance(value, bool | int | float | str):
        return bool(value)
    return True


def _equals(left: Any, right: Any, depth: int = 0) -> bool:
    """Strict, deep equality: no coercion; 1 == 1.0; arrays and objects by content."""
    if depth > MAX_DEPTH:
        raise _Failure("value is nested too deeply")
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return _float(left) == _float(right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if _is_array(left) and _is_array(right):
        return len(left) == len(right) and all(
            _equals(a, b, depth + 1) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return set(_object_keys(left)) == set(_object_keys(right)) and all(
            _equals(left[key], right[key], depth + 1) for key in left
        )
    return False


def _integer(value: Any, what: str) -> int:
    if not _is_number(value) or not _float(value).is_integer():
        raise _Failure(f"{what} must be an integer, got {_describe_value(value)}")
    return int(value)


def _describe_value(value: Any) -> str:
    return _number_to_string(value) if _is_number(value) else _type_name(value)


def _get(container: Any, key: Any) -> Any:
    """``container[key]`` / ``container.key``: own data only, null-safe."""
    if isinstance(key, str) and key in FORBIDDEN_NAMES:
        raise _Failure(f"'{key}' is not allowed")
    if container is None or key is None:
        return None
    if isinstance(container, Mapping):
        if _is_number(key):
            key = _number_to_string(key)
        elif not isinstance(key, str):
            raise _Failure(f"cannot index an object with a {_type_name(key)}")
        return container.get(key)
    if isinstance(container, str) or _is_array(container):
        if key == "length":
            return len(container)
        if _is_number(key):
            index = _integer(key, "index")
            return container[index] if 0 <= index < len(container) else None
        if isinstance(key, str):
            return None
        raise _Failure(f"cannot index {_type_name(container)} with a {_type_name(key)}")
    return None


# ---------------------------------------------------------------------------- evaluation

_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": math.fmod,  # JS % keeps the dividend's sign, like fmod
}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+" and (isinstance(left, str) or isinstance(right, str)):
        return _to_string(left) + _to_string(right)
    if not all(value is None or _is_number(value) for value in (left, right)):
        raise _Failure(f"cannot apply '{op}' to {_type_name(left)} and {_type_name(right)}")
    if left is None or right is None:
        return None
    divisor = _float(right)
    if op in "/%" and divisor == 0:
        raise _Failure("division by zero")
    try:
        return _number_result(_ARITHMETIC[op](_float(left), divisor))
    except ValueError:  # fmod of an infinite scope value
        raise _Failure("number is out of range") from None


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    if _is_number(left) and _is_number(right):
        return _COMPARISONS[op](_float(left), _float(right))
    if isinstance(left, str) and isinstance(right, str):
        return _COMPARISONS[op](left, right)
    raise _Failure(f"cannot compare {_type_name(left)} with {_type_name(right)}")


def _unary(op: str, value: Any) -> Any:
    if op == "!":
        return not _truthy(value)
    if value is None:
        return None
    if not _is_number(value):
        raise _Failure(f"cannot apply '{op}' to {_type_name(value)}")
    return _number_result(-_float(value) if op == "-" else _float(value))


def _binary(node: Binary, scope: Mapping[str, Any]) -> Any:
    left = _evaluate(node.left, scope)
    op = node.op
    if op == "&&":
        return _evaluate(node.right, scope) if _truthy(left) else left
    if op == "||":
        return left if _truthy(left) else _evaluate(node.right, scope)
    if op == "??":
        return left if left is not None else _evaluate(node.right, scope)
    right = _evaluate(node.right, scope)
    if op == "==":
        return _equals(left, right)
    if op == "!=":
        return not _equals(left, right)
    if op in _COMPARISONS:
        return _compare(op, left, right)
    return _arithmetic(op, left, right)


def _evaluate(node: Node, scope: Mapping[str, Any]) -> Any:
    try:
        match node:
            case Constant(value=value):
                return value
            case Name(name=name):
                return scope.get(name)
            case Member(target=target, name=name):
                return _get(_evaluate(target, scope), name)
            case Index(target=target, index=index):
                return _get(_evaluate(target, scope), _evaluate(index, scope))
            case Call(name=name, args=args):
                values = [_evaluate(arg, scope) for arg in args]
                try:
                    return _FUNCTIONS[name].function(*values)
                except _Failure as failure:
                    raise _Failure(f"{name}(): {failure.message}") from None
            case Unary(op=op, operand=operand):
                return _unary(op, _evaluate(operand, scope))
            case Binary():
                return _binary(node, scope)
            case Conditional(test=test, then=then, otherwise=otherwise):
                return _evaluate(then if _truthy(_evaluate(test, scope)) else otherwise, scope)
            case ArrayLiteral(items=items):
                return [_evaluate(item, scope) for item in items]
            case ObjectLiteral(entries=entries):
                return {key: _evaluate(value, scope) for key, value in entries}
    except _Failure as failure:
        raise ExpressionError(failure.message, node.offset) from None
    raise TypeError(f"not an expression node: {node!r}")


def evaluate(expression: str | Node, scope: Mapping[str, Any]) -> Any:
    """Evaluate an expression (source or parsed) against ``scope``; raises ExpressionError."""
    node = parse(expression) if isinstance(expression, str) else expression
    try:
        return _evaluate(node, scope)
    except RecursionError:
        raise ExpressionError("value is nested too deeply", node.offset) from None


def _is_blank(segment: str | Node) -> bool:
    return isinstance(segment, str) and not segment.strip(_JS_WHITESPACE)


def evaluate_template(template: str | Sequence[str | Node], scope: Mapping[str, Any]) -> Any:
    """A template's value: the raw value of a lone ``{{ expr }}``, else the joined text."""
    segments = parse_template(template) if isinstance(template, str) else template
    nodes = [segment for segment in segments if isinstance(segment, Node)]
    if len(nodes) == 1 and all(_is_blank(s) for s in segments if s is not nodes[0]):
        return evaluate(nodes[0], scope)
    parts = []
    for segment in segments:
        if isinstance(segment, str):
            parts.append(segment)
        else:
            value = evaluate(segment, scope)
            try:
                parts.append(_to_string(value))
            except _Failure as failure:
                raise ExpressionError(failure.message, segment.offset) from None
    return "".join(parts)


def template_references(template: str) -> list[str]:
    """Dotted root paths a template reads, in order, e.g. ``["queries.orders.data"]``."""
    found: dict[str, None] = {}
    for segment in parse_template(template):
        if isinstance(segment, Node):
            _collect_references(segment, found)
    return list(found)


def _static_path(node: Node) -> list[str] | None:
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Member):
        path = _static_path(node.target)
        return None if path is None else [*path, node.name]
    return None


def _collect_references(node: Node, found: dict[str, None]) -> None:
    path = _static_path(node)
    if path is not None:
        if len(path) > 1 and path[-1] == "length":  # a property of the value, not data
            path.pop()
        found.setdefault(".".join(path))
        return
    match node:
        case Member(target=target):
            _collect_references(target, found)
        case Index(target=target, index=index):
            _collect_references(target, found)
            _collect_references(index, found)
        case Call(args=children) | ArrayLiteral(items=children):
            for child in children:
                _collect_references(child, found)
        case ObjectLiteral(entries=entries):
            for _, child in entries:
                _collect_references(child, found)
        case Unary(operand=operand):
            _collect_references(operand, found)
        case Binary(left=left, right=right):
            _collect_references(left, found)
            _collect_references(right, found)
        case Conditional(test=test, then=then, otherwise=otherwise):
            for child in (test, then, otherwise):
                _collect_references(child, found)


# ---------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class _Builtin:
    function: Callable[..., Any]
    min_args: int
    max_args: int

    def arity(self) -> str:
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.max_args > 99:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


_FUNCTIONS: dict[str, _Builtin] = {}


def _builtin(
    *names: str, min_args: int = 1, max_args: int | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a whitelisted function under ``names`` with its argument count."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            _FUNCTIONS[name] = _Builtin(function, min_args, max_args or min_args)
        return function

    return register


def _expect(value: Any, kind: str) -> Any:
    if _type_name(value) != kind:
        raise _Failure(f"expected a {kind}, got {_describe_value(value)}")
    return value


def _decimals(value: Any, default: int) -> int:
    if value is None:
        return default
    decimals = _integer(value, "decimals")
    if not 0 <= decimals <= 20:
        raise _Failure(f"decimals must be from 0 to 20, got {_describe_value(value)}")
    return decimals


@_builtin("length")
def _length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str) or _is_array(value) or isinstance(value, Mapping):
        return len(value)
    raise _Failure(f"expected a string, array or object, got {_type_name(value)}")


def _string_function(transform: Callable[[str], str]) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        return None if value is None else transform(_expect(value, "string"))

    return apply


_builtin("lower")(_string_function(str.lower))
_builtin("upper")(_string_function(str.upper))
_builtin("trim")(_string_function(lambda text: text.strip(_JS_WHITESPACE)))


@_builtin("contains", "includes", min_args=2)
def _contains(haystack: Any, needle: Any) -> bool:
    if haystack is None:
        return False
    if isinstance(haystack, str):
        return _expect(needle, "string") in haystack
    if _is_array(haystack):
        return any(_equals(item, needle) for item in haystack)
    raise _Failure(f"expected a string or array, got {_type_name(haystack)}")


@_builtin("starts_with", min_args=2)
def _starts_with(text: Any, prefix: Any) -> bool:
    return text is not None and _expect(text, "string").startswith(_expect(prefix, "string"))


@_builtin("ends_with", min_args=2)
def _ends_with(text: Any, suffix: Any) -> bool:
    return text is not None and _expect(text, "string").endswith(_expect(suffix, "string"))


@_builtin("join", max_args=2)
def _join(items: Any, separator: Any = None) -> str:
    if items is None:
        return ""
    items = _expect(items, "array")
    glue = "," if separator is None else _expect(separator, "string")
    return glue.join(_to_string(item) for item in items)


@_builtin("split", min_args=2)
def _split(text: Any, separator: Any) -> list[str]:
    if text is None:
        return []
    text, separator = _expect(text, "string"), _expect(separator, "string")
    return list(text) if separator == "" else text.split(separator)


@_builtin("replace", min_args=3)
def _replace(text: Any, search: Any, replacement: Any) -> Any:
    if text is None:
        return None
    text = _expect(text, "string")
    if _expect(search, "string") == "":
        raise _Failure("the text to replace must not be empty")
    return text.replace(search, _expect(replacement, "string"))


@_builtin("pluck", min_args=2)
def _pluck(items: Any, key: Any) -> list[Any]:
    if items is None:
        return []
    items = _expect(items, "array")
    if not (isinstance(key, str) or _is_number(key)):
        raise _Failure(f"expected a string or number key, got {_type_name(key)}")
    return [_get(item, key) for item in items]


def _numbers(items: Any) -> list[float]:
    """The numbers in an array, nulls skipped."""
    numbers = []
    for item in _expect(items, "array"):
        if item is not None:
            numbers.append(_float(_expect(item, "number")))
    return numbers


def _total(numbers: list[float]) -> float:
    """Left-to-right double addition, as JavaScript does it (no compensated summation)."""
    return functools.reduce(operator.add, numbers, 0.0)


@_builtin("sum")
def _sum(items: Any) -> int | float:
    return _number_result(_total([] if items is None else _numbers(items)))


@_builtin("avg")
def _avg(items: Any) -> Any:
    numbers = [] if items is None else _numbers(items)
    return _number_result(_total(numbers) / len(numbers)) if numbers else None


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    """min/max over one array argument or over the arguments; nulls skipped."""

    def apply(*args: Any) -> Any:
        if len(args) == 1 and (args[0] is None or _is_array(args[0])):
            args = tuple(args[0] or ())
        values = [value for value in args if value is not None]
        if not values:
            return None
        kinds = {_type_name(value) for value in values}
        if kinds == {"number"}:
            return pick(values, key=_float)
        if kinds == {"string"}:
            return pick(values)
        raise _Failure("expected only numbers or only strings, got " + ", ".join(sorted(kinds)))

    return apply


_builtin("min", max_args=1000)(_extreme(min))
_builtin("max", max_args=1000)(_extreme(max))


def _to_fixed(number: float, decimals: int) -> str:
    """JavaScript's toFixed (exact binary value, ties away from zero); zero has no sign."""
    if abs(number) >= 1e21:
        return _number_to_string(number)
    rounded = Decimal(number).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=Context(prec=100)
    )
    text = f"{abs(rounded):f}"
    return "-" + text if rounded < 0 else text


def _number_function(transform: Callable[[float], float]) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        if value is None:
            return None
        return _number_result(float(transform(_float(_expect(value, "number")))))

    return apply


_builtin("floor")(_number_function(math.floor))
_builtin("ceil")(_number_function(math.ceil))
_builtin("abs")(_number_function(abs))


@_builtin("round", max_args=2)
def _round(value: Any, decimals: Any = None) -> Any:
    if value is None:
        return None
    return _number_result(
        float(_to_fixed(_float(_expect(value, "number")), _decimals(decimals, 0)))
    )


_NUMERIC_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@_builtin("number")
def _to_number(value: Any) -> Any:
    if value is None or _is_number(value):
        return value
    if isinstance(value, bool):
        return int(value)
    text = _expect(value, "string").strip(_JS_WHITESPACE)
    if not _NUMERIC_TEXT.fullmatch(text):
        return None
    number = float(text)
    return _normal_number(number) if math.isfinite(number) else None


_builtin("string")(_to_string)
_builtin("boolean")(_truthy)


@_builtin("keys")
def _keys(value: Any) -> list[str]:
    return [] if value is None else _object_keys(_expect(value, "object"))


@_builtin("values")
def _values(value: Any) -> list[Any]:
    return [] if value is None else [value[key] for key in _keys(value)]


def _sequence(value: Any) -> Sequence[Any]:
    if isinstance(value, str) or _is_array(value):
        return value  # type: ignore[no-any-return]
    raise _Failure(f"expected a string or array, got {_type_name(value)}")


@_builtin("first")
def _first(value: Any) -> Any:
    items = [] if value is None else _sequence(value)
    return items[0] if items else None


@_builtin("last")
def _last(value: Any) -> Any:
    items = [] if value is None else _sequence(value)
    return items[-1] if items else None


@_builtin("slice", min_args=2, max_args=3)
def _slice(value: Any, start: Any, end: Any = None) -> Any:
    if value is None:
        return None
    items, first = _sequence(value), _integer(start, "start")
    part = items[first : None if end is None else _integer(end, "end")]
    return part if isinstance(part, str) else list(part)


_THOUSANDS = re.compile(r"\B(?=(?:[0-9]{3})+(?![0-9]))")


def _format_number(number: float, decimals: int | None) -> str:
    text = _to_fixed(number, 3 if decimals is None else decimals)
    if "e" in text:
        return text
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, dot, fraction = text.partition(".")
    return _THOUSANDS.sub(",", whole) + dot + fraction


@_builtin("format_number", max_args=2)
def _format_number_function(value: Any, decimals: Any = None) -> Any:
    if value is None:
        return None
    number = _float(_expect(value, "number"))
    return _format_number(number, None if decimals is None else _decimals(decimals, 0))


@_builtin("format_percent", max_args=2)
def _format_percent(value: Any, decimals: Any = None) -> Any:
    if value is None:
        return None
    percent = _number_result(_float(_expect(value, "number")) * 100)
    return _format_number(percent, _decimals(decimals, 0)) + "%"


_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩"}
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW"})
_CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")


@_builtin("format_currency", max_args=2)
def _format_currency(value: Any, currency: Any = None) -> Any:
    if value is None:
        return None
    number = _float(_expect(value, "number"))
    code = "USD" if currency is None else _expect(currency, "string").upper()
    if not _CURRENCY_CODE.fullmatch(code):
        raise _Failure(f"expected a 3-letter currency code, got {_quote(currency)}")
    text = _format_number(number, 0 if code in _ZERO_DECIMAL_CURRENCIES else 2)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    return sign + _CURRENCY_SYMBOLS.get(code, code + " ") + digits


_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
_EPOCH = datetime(1970, 1, 1)  # naive, meaning UTC
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_DATE_TOKENS = re.compile(r"\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|dddd|ddd|DD|D|HH|H|hh|h|mm|ss|SSS|A")


def _to_datetime(value: Any) -> datetime:
    """A naive UTC datetime from epoch milliseconds or an ISO 8601 string."""
    try:
        if _is_number(value):
            return _EPOCH + timedelta(milliseconds=math.floor(_float(value)))
        match = _ISO_DATE.fullmatch(_expect(value, "string"))
        if not match:
            raise _Failure(f"expected an ISO date such as 2024-03-05, got {_quote(value)}")
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
        millisecond = int((match.group(7) or "")[:3].ljust(3, "0"))
        moment = datetime(year, month, day, hour, minute, second, millisecond * 1000)
        zone = match.group(8)
        if zone and zone != "Z":
            zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
            if zone_hours > 23 or zone_minutes > 59:
                raise ValueError(zone)
            sign = 1 if zone[0] == "+" else -1
            moment -= timedelta(minutes=sign * (zone_hours * 60 + zone_minutes))
        return moment
    except ValueError:
        raise _Failure(f"invalid date {_quote(value)}") from None
    except OverflowError:
        raise _Failure("date is out of range") from None


@_builtin("format_date", max_args=2)
def _format_date(value: Any, pattern: Any = None) -> Any:
    if value is None:
        return None
    moment = _to_datetime(value)
    hour12 = moment.hour % 12 or 12
    fields = {
        "YYYY": f"{moment.year:04d}",
        "YY": f"{moment.year % 100:02d}",
        "MMMM": _MONTHS[moment.month - 1],
        "MMM": _MONTHS[moment.month - 1][:3],
        "MM": f"{moment.month:02d}",
        "M": str(moment.month),
        "dddd": _WEEKDAYS[moment.weekday()],
        "ddd": _WEEKDAYS[moment.weekday()][:3],
        "DD": f"{moment.day:02d}",
        "D": str(moment.day),
        "HH": f"{moment.hour:02d}",
        "H": str(moment.hour),
        "hh": f"{hour12:02d}",
        "h": str(hour12),
        "mm": f"{moment.minute:02d}",
        "ss": f"{moment.second:02d}",
        "SSS": f"{moment.microsecond // 1000:03d}",
        "A": "AM" if moment.hour < 12 else "PM",
    }
    text = "YYYY-MM-DD" if pattern is None else _expect(pattern, "string")
    return _DATE_TOKENS.sub(
        lambda m: m.group(1) if m.group(1) is not None else fields[m.group()], text
    )


FUNCTION_NAMES: frozenset[str] = frozenset(_FUNCTIONS)
