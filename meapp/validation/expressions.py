"""A small safe parser for rule expressions: indicator codes, numbers, + - * / (also × ÷), parentheses.

Never `eval`: the text is tokenised, parsed by recursive descent into a tree, and the tree is evaluated
with Decimal arithmetic over a mapping of indicator values. The text is at most MAX_LENGTH characters
and MAX_DEPTH levels of parentheses or signs deep, so that parsing never exhausts Python's stack.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation

from meapp.core.messages import N_  # noqa: F401 (re-exported for the modules of this package)

OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_TOKEN = re.compile(r"\s*(?:(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op>[-+*/×÷()]))")
MAX_LENGTH = 500
MAX_DEPTH = 50




class RuleSyntaxError(ValueError):
    """An expression that cannot be parsed; `position` is the 0-based character offset.

    `reason` is a msgid with `params`, translated where it is shown.
    """

    def __init__(self, reason: str, position: int, **params):
        super().__init__(f"{reason % params} at position {position + 1}")
        self.reason = reason
        self.params = params
        self.position = position


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Name:
    code: str


@dataclass(frozen=True)
class Negate:
    operand: object


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    position: int = field(default=0, compare=False)  # where the right operand starts


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            start = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise RuleSyntaxError(N_("unexpected character “%(token)s”"), start, token=text[start])
        kind = match.lastgroup
        start = match.start(kind)
        value = match.group(kind)
        tokens.append((kind, {"×": "*", "÷": "/"}.get(value, value), start))
        pos = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    def peek(self):
        return self.tokens[self.index]

    def take(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expression(self):
        node = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op, start = self.take()[1], self.peek()[2]
            node = Binary(op, node, self.term(), start)
        return node

    def term(self):
        node = self.factor()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op, start = self.take()[1], self.peek()[2]
            node = Binary(op, node, self.factor(), start)
        return node

    def factor(self):
        kind, value, pos = self.take()
        if kind == "number":
            return Number(Decimal(value))
        if kind == "name":
            return Name(value)
        if kind == "op" and value in ("-", "+", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise RuleSyntaxError(N_("the expression is nested too deeply (more than %(limit)s levels)"), pos,
                                      limit=MAX_DEPTH)
            try:
                return self.nested(value)
            finally:
                self.depth -= 1
        if kind == "end":
            raise RuleSyntaxError(N_("the expression ends too early"), pos)
        raise RuleSyntaxError(N_("unexpected “%(token)s”"), pos, token=value)

    def nested(self, value: str):
        if value == "-":
            return Negate(self.factor())
        if value == "+":
            return self.factor()
        node = self.expression()
        closing = self.take()
        if closing[1] != ")":
            raise RuleSyntaxError(N_("a closing parenthesis is missing"), closing[2])
        return node


def parse_expression(text: str):
    """Parse an expression into a tree, or raise RuleSyntaxError with the position of the problem."""
    if text is None or not str(text).strip():
        raise RuleSyntaxError(N_("the expression is empty"), 0)
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(N_("the expression is longer than %(limit)s characters"), MAX_LENGTH, limit=MAX_LENGTH)
    parser = _Parser(text)
    tree = parser.expression()
    kind, value, pos = parser.peek()
    if kind != "end":
        raise RuleSyntaxError(N_("unexpected “%(token)s”"), pos, token=value)
    _constant_value(tree)
    return tree


def _constant_value(tree) -> Decimal | None:
    """The value of a subtree that names no indicator (None if it names one).

    Raises RuleSyntaxError for a division by a constant zero: such a rule could never be evaluated,
    so it would never fire.
    """
    if isinstance(tree, Number):
        return tree.value
    if isinstance(tree, Name):
        return None
    if isinstance(tree, Negate):
        value = _constant_value(tree.operand)
        return None if value is None else -value
    left, right = _constant_value(tree.left), _constant_value(tree.right)
    if tree.op == "/" and right is not None and right == 0:
        raise RuleSyntaxError(N_("division by zero"), tree.position)
    if left is None or right is None:
        return None
    try:
        return evaluate(Binary(tree.op, Number(left), Number(right)), {})
    except (Undefined, ArithmeticError):
        return None


def names(tree) -> set[str]:
    """The indicator codes an expression refers to."""
    if isinstance(tree, Name):
        return {tree.code}
    if isinstance(tree, Negate):
        return names(tree.operand)
    if isinstance(tree, Binary):
        return names(tree.left) | names(tree.right)
    return set()


class Undefined(Exception):
    """Division by zero or a missing operand: the rule cannot be evaluated."""


def evaluate(tree, values: dict[str, Decimal]) -> Decimal:
    """Value of the tree; raises Undefined for a missing name or a division by zero."""
    if isinstance(tree, Number):
        return tree.value
    if isinstance(tree, Name):
        if tree.code not in values:
            raise Undefined(tree.code)
        return values[tree.code]
    if isinstance(tree, Negate):
        return -evaluate(tree.operand, values)
    left, right = evaluate(tree.left, values), evaluate(tree.right, values)
    if tree.op == "+":
        return left + right
    if tree.op == "-":
        return left - right
    if tree.op == "*":
        return left * right
    try:
        return left / right
    except (DivisionByZero, InvalidOperation) as exc:
        raise Undefined("division by zero") from exc


def compare(left: Decimal, operator: str, right: Decimal) -> bool:
    return {
        "==": left == right, "!=": left != right, "<": left < right,
        "<=": left <= right, ">": left > right, ">=": left >= right,
    }[operator]
