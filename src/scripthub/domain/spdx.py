"""The syntax of SPDX license expressions (SPDX 2.3, annex D), checked without the license
list: `MIT`, `GPL-3.0-or-later`, `Apache-2.0 OR MIT`, `(MIT AND BSD-2-Clause) WITH
Classpath-exception-2.0`, `LicenseRef-mine`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_EXPRESSION_LENGTH = 200
_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9.+:-]+)")
_LICENSE_ID = re.compile(
    r"^(?:(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9.-]+\+?)$"
)
_EXCEPTION_ID = re.compile(r"^[A-Za-z0-9.-]+$")
_OPERATORS = frozenset({"AND", "OR", "WITH"})


def is_spdx_expression(text: str) -> bool:
    """Whether `text` is a well-formed SPDX license expression."""
    if not text or len(text) > MAX_EXPRESSION_LENGTH or text != text.strip():
        return False
    tokens = _tokens(text)
    if tokens is None:
        return False
    parser = _Parser(tokens)
    return parser.expression() and parser.at_end()


def _tokens(text: str) -> list[str] | None:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        tokens.append(match.group(1))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over `or := and ("OR" and)*`, `and := with ("AND" with)*`,
    `with := primary ("WITH" exception)?`, `primary := license | "(" or ")"`."""

    def __init__(self, tokens: list[str]) -> None:
        self._tokens = tokens
        self._next = 0

    def at_end(self) -> bool:
        return self._next == len(self._tokens)

    def expression(self) -> bool:
        return self._joined("OR", self._conjunction)

    def _conjunction(self) -> bool:
        return self._joined("AND", self._with)

    def _joined(self, operator: str, operand: Callable[[], bool]) -> bool:
        if not operand():
            return False
        while self._take(operator):
            if not operand():
                return False
        return True

    def _with(self) -> bool:
        if not self._primary():
            return False
        if self._take("WITH"):
            token = self._pop()
            return (
                token is not None and token not in _OPERATORS and bool(_EXCEPTION_ID.match(token))
            )
        return True

    def _primary(self) -> bool:
        if self._take("("):
            return self.expression() and self._take(")")
        token = self._pop()
        return token is not None and token not in _OPERATORS and bool(_LICENSE_ID.match(token))

    def _take(self, expected: str) -> bool:
        if self._next < len(self._tokens) and self._tokens[self._next] == expected:
            self._next += 1
            return True
        return False

    def _pop(self) -> str | None:
        if self._next >= len(self._tokens):
            return None
        token = self._tokens[self._next]
        self._next += 1
        return token
