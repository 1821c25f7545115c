"""GitHub Actions expressions (`${{ ... }}`), as much of the language as a workflow here uses.

Literals, context look-ups (`a.b`, `a['b']`, names with `-`), `!`, `==`, `!=`, `<`, `<=`, `>`,
`>=`, `&&`, `||`, parentheses, and the functions passed in by the caller (`success()`,
`hashFiles(...)`, ...). Comparisons follow GitHub: strings compare ignoring case, `&&` and `||`
return an operand, falsy is `false`, `0`, `''` and `null`. Anything else is refused loudly: a
runner that guessed would make a test pass that GitHub would fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Functions = Mapping[str, Callable[..., Any]]

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'(?:[^']|'')*')|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


class ExpressionError(ValueError):
    """An expression this runner cannot evaluate faithfully."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


def truthy(value: Any) -> bool:
    return value not in (False, 0, "", None)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is not type(right) and left is not None and right is not None:
        try:
            return float(left) == float(right)
        except (TypeError, ValueError):
            return False
    return bool(left == right)


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any], functions: Functions) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.context = context
        self.functions = functions

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self, value: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.index += 1
        return token

    def parse(self) -> Any:
        value = self._or()
        if self._peek() is not None:
            raise ExpressionError(f"unexpected {self._peek()} in {self.text!r}")
        return value

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == ("op", "||"):
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._comparison()
        while self._peek() == ("op", "&&"):
            self._take()
            right = self._comparison()
            value = right if truthy(value) else value
        return value

    def _comparison(self) -> Any:
        value = self._unary()
        token = self._peek()
        if token is not None and token[1] in ("==", "!=", "<", "<=", ">", ">="):
            self._take()
            right = self._unary()
            operator = token[1]
            if operator == "==":
                return _equal(value, right)
            if operator == "!=":
                return not _equal(value, right)
            try:
                left_number, right_number = float(value), float(right)
            except (TypeError, ValueError) as error:
                raise ExpressionError(f"cannot compare {value!r} and {right!r}") from error
            return {
                "<": left_number < right_number,
                "<=": left_number <= right_number,
                ">": left_number > right_number,
                ">=": left_number >= right_number,
            }[operator]
        return value

    def _unary(self) -> Any:
        if self._peek() == ("op", "!"):
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, value = self._take()
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if (kind, value) == ("op", "("):
            inner = self._or()
            self._take(")")
            return inner
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} in {self.text!r}")
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        if self._peek() == ("op", "("):
            return self._call(value)
        if value not in self.context:
            raise ExpressionError(f"unknown context {value!r} in {self.text!r}")
        current: Any = self.context[value]
        while self._peek() in (("op", "."), ("op", "[")):
            if self._take()[1] == ".":
                key: Any = self._take()[1]
            else:
                key = self._or()
                self._take("]")
            current = current.get(str(key)) if isinstance(current, Mapping) else None
        return current

    def _call(self, name: str) -> Any:
        function = self.functions.get(name)
        if function is None:
            raise ExpressionError(f"function {name}() is not emulated (in {self.text!r})")
        self._take("(")
        arguments: list[Any] = []
        while self._peek() != ("op", ")"):
            arguments.append(self._or())
            if self._peek() == ("op", ","):
                self._take()
        self._take(")")
        return function(*arguments)


def strip(expression: str) -> str:
    """`${{ x }}` -> `x`; an `if:` may be written either way."""
    text = expression.strip()
    match = _EMBEDDED.fullmatch(text)
    return match.group(1).strip() if match else text


def evaluate(expression: str, context: Mapping[str, Any], functions: Functions) -> Any:
    """The value of one expression (with or without `${{ }}`)."""
    return _Parser(strip(expression), context, functions).parse()


def condition(expression: str | None, context: Mapping[str, Any], functions: Functions) -> bool:
    """An `if:`: without a status function it is `success() && (expression)`, as on GitHub."""
    if expression is None:
        return bool(functions["success"]())
    text = strip(expression)
    if not any(re.search(rf"\b{name}\s*\(", text) for name in STATUS_FUNCTIONS):
        text = f"success() && ({text})"
    return truthy(evaluate(text, context, functions))


def interpolate(text: str, context: Mapping[str, Any], functions: Functions) -> str:
    """A string with `${{ }}` parts replaced by their values (`true`/`false` for booleans)."""

    def value(match: re.Match[str]) -> str:
        result = evaluate(match.group(1), context, functions)
        if isinstance(result, bool):
            return str(result).lower()
        return "" if result is None else str(result)

    return _EMBEDDED.sub(value, text)
