"""Routing: ordered rules of matchers over feedback fields. Pure functions only.

Modelled on Alertmanager's routes: evaluated in order, the first match wins
unless that route says ``continue``, in which case its team gets the feedback
and evaluation goes on. If nothing matches, the workspace default channel
gets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.errors import LoopkeeperError

FIELDS = (
    "source", "score", "scale", "category", "touchpoint", "product",
    "segment", "account", "arr", "tag", "comment", "email_domain",
)
NUMERIC_FIELDS = frozenset({"score", "arr"})
OPERATORS = ("=", "!=", "=~", "<", "<=", ">", ">=", "in")
MAX_REGEX_LENGTH = 200
MAX_MATCHED_TEXT = 4000
# A quantified group that itself ends in a quantifier, e.g. (a+)+ or (\w*)*: the
# shape behind catastrophic backtracking. Refused when a route is written.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}]\)\s*(?:[+*]|\{\d*,?\d*\})")
_OPERATOR_PATTERN = re.compile(r"^\s*([a-z_]+)\s*(=~|!=|<=|>=|=|<|>)\s*(.*?)\s*$", re.DOTALL)
_IN_PATTERN = re.compile(r"^\s*([a-z_]+)\s+in\s+(.+?)\s*$", re.DOTALL | re.IGNORECASE)


class InvalidMatcher(LoopkeeperError):
    """A matcher expression cannot be used; the message says why and shows an example."""


@dataclass(frozen=True)
class Matcher:
    field: str
    op: str
    value: object  # str, Decimal, compiled regex, or tuple of str for "in"
    text: str

    def __str__(self) -> str:
        return self.text

    def matches(self, fields: dict[str, object]) -> bool:
        """Whether the feedback's ``fields`` satisfy this matcher."""
        actual = fields.get(self.field)
        values = actual if isinstance(actual, (list, tuple)) else ([] if actual is None else [actual])
        if self.op == "!=":
            return not any(_equal(v, self.value) for v in values)
        if self.op == "=":
            return any(_equal(v, self.value) for v in values)
        if self.op == "in":
            return any(_equal(v, option) for v in values for option in self.value)
        if self.op == "=~":
            return any(self.value.search(str(v)[:MAX_MATCHED_TEXT]) for v in values)
        numbers = [n for n in (_number(v) for v in values) if n is not None]
        compare = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
                   ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[self.op]
        return any(compare(n, self.value) for n in numbers)


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _equal(actual: object, expected: object) -> bool:
    if isinstance(expected, Decimal):
        number = _number(actual)
        return number is not None and number == expected
    return str(actual).strip().lower() == str(expected).strip().lower()


def parse_matcher(text: str) -> Matcher:
    """Parse ``field<op>value`` (or ``field in a,b,c``) into a Matcher."""
    example = "score<=6, touchpoint=billing, comment=~refund, segment in smb,mid"
    in_match = _IN_PATTERN.match(text)
    if in_match:
        field, raw = in_match.group(1).lower(), in_match.group(2)
        op = "in"
    else:
        op_match = _OPERATOR_PATTERN.match(text)
        if not op_match:
            raise InvalidMatcher(f"cannot read matcher {text!r}; write field, operator, value, e.g. {example}")
        field, op, raw = op_match.group(1).lower(), op_match.group(2), op_match.group(3)
    if field == "domain":
        field = "email_domain"
    if field not in FIELDS:
        raise InvalidMatcher(f"unknown field {field!r} in {text!r}; known fields: {', '.join(FIELDS)}")
    raw = raw.strip().strip('"').strip("'")
    if raw == "" and op != "=":
        raise InvalidMatcher(f"matcher {text!r} has no value; e.g. {example}")
    canonical = f"{field} in {raw}" if op == "in" else f"{field}{op}{raw}"

    if op in ("<", "<=", ">", ">="):
        if field not in NUMERIC_FIELDS:
            raise InvalidMatcher(f"{op} compares numbers; {field!r} is not numeric (numeric: score, arr)")
        number = _number(raw)
        if number is None:
            raise InvalidMatcher(f"{raw!r} in {text!r} is not a number")
        return Matcher(field, op, number, canonical)
    if op == "=~":
        return Matcher(field, op, _compile_bounded(raw, text), canonical)
    if op == "in":
        options = tuple(o.strip() for o in raw.split(",") if o.strip())
        if not options:
            raise InvalidMatcher(f"{text!r} lists no values; e.g. segment in smb,mid")
        return Matcher(field, op, options, canonical)
    if field in NUMERIC_FIELDS:
        number = _number(raw)
        if number is None:
            raise InvalidMatcher(f"{field} is numeric; {raw!r} in {text!r} is not a number")
        return Matcher(field, op, number, canonical)
    return Matcher(field, op, raw, canonical)


def _compile_bounded(pattern: str, text: str) -> re.Pattern:
    if len(pattern) > MAX_REGEX_LENGTH:
        raise InvalidMatcher(f"regex in {text!r} is longer than {MAX_REGEX_LENGTH} characters")
    if _NESTED_QUANTIFIER.search(pattern):
        raise InvalidMatcher(
            f"regex {pattern!r} nests quantifiers (like (a+)+), which can hang matching; simplify it"
        )
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise InvalidMatcher(f"regex {pattern!r} does not compile: {exc}") from None


@dataclass(frozen=True)
class Rule:
    """One route: all matchers must hold; ``continue_matching`` lets later rules match too."""

    team: str
    matchers: tuple[Matcher, ...]
    continue_matching: bool = False

    @classmethod
    def parse(cls, team: str, matchers: list[str] | tuple[str, ...], continue_matching: bool = False) -> "Rule":
        return cls(team, tuple(parse_matcher(m) for m in matchers), continue_matching)

    def matches(self, fields: dict[str, object]) -> bool:
        return all(m.matches(fields) for m in self.matchers)


def route(rules: list[Rule] | tuple[Rule, ...], fields: dict[str, object]) -> list[Rule]:
    """The rules whose teams get this feedback, in order; empty means the default channel."""
    chosen: list[Rule] = []
    for rule in rules:
        if rule.matches(fields):
            chosen.append(rule)
            if not rule.continue_matching:
                break
    return chosen
