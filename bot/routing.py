"""Routing: ordered rules of matchers over feedback fields. Pure functions only.

Modelled on Alertmanager's routes: evaluated in order, the first match wins
unless that route says ``continue``, in which case its team gets the feedback
and evaluation goes on. If nothing matches, the workspace default channel
gets it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # the stdlib's own parser, for a pattern's structure
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import regex

from bot.errors import LoopkeeperError

log = logging.getLogger(__name__)

FIELDS = (
    "source",
    "score",
    "scale",
    "category",
    "touchpoint",
    "product",
    "segment",
    "account",
    "arr",
    "tag",
    "comment",
    "email_domain",
)
NUMERIC_FIELDS = frozenset({"score", "arr"})
OPERATORS = ("=", "!=", "=~", "<", "<=", ">", ">=", "in")
MAX_REGEX_LENGTH = 200
MAX_MATCHED_TEXT = 4000
# Python's re has no timeout; routing regexes run on the `regex` engine with one,
# so even a pattern that slips past the structural check cannot stall intake.
REGEX_TIMEOUT_SECONDS = 0.05
# A second try's budget, when the first ran out while its thread was waiting rather than working (see _search).
BUSY_MACHINE_ALLOWANCE = 20
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)} - {None}
_OPERATOR_PATTERN = re.compile(r"^\s*([a-z_]+)\s*(=~|!=|<=|>=|=|<|>)\s*(.*?)\s*$", re.DOTALL | re.IGNORECASE)
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
            options = self.value if isinstance(self.value, tuple) else (self.value,)
            return any(_equal(v, option) for v in values for option in options)
        if self.op == "=~":
            return any(_search(self.value, str(v)[:MAX_MATCHED_TEXT], self.text) for v in values)
        numbers = [n for n in (_number(v) for v in values) if n is not None]
        compare = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }[self.op]
        return any(compare(n, self.value) for n in numbers)


def _search(pattern: regex.Pattern, text: str, matcher: str) -> bool:
    """Whether ``pattern`` is found in ``text``, within the time budget. The `regex` engine's timeout counts wall
    time, so on a busy machine a simple pattern can run out of it while its thread waits for a core (3 alerts in
    100,000 were routed as unmatched so in a load test): a timeout after little work of this thread's own is tried
    once more, with room for the machine; only a pattern that really works that long counts as no match."""
    started = time.thread_time()
    try:
        return pattern.search(text, timeout=REGEX_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        if time.thread_time() - started < REGEX_TIMEOUT_SECONDS / 2:
            with contextlib.suppress(TimeoutError):
                return pattern.search(text, timeout=REGEX_TIMEOUT_SECONDS * BUSY_MACHINE_ALLOWANCE) is not None
        log.warning("matcher %r took too long and counts as no match; simplify its regex", matcher)
        return False


def _number(value: object) -> Decimal | None:
    """A finite Decimal, or None (NaN and infinities are not numbers to compare)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


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
    if raw == "":
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


def _compile_bounded(pattern: str, text: str) -> regex.Pattern:
    if len(pattern) > MAX_REGEX_LENGTH:
        raise InvalidMatcher(f"regex in {text!r} is longer than {MAX_REGEX_LENGTH} characters")
    try:
        parsed = sre_parse.parse(pattern)
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except (re.error, regex.error) as exc:
        raise InvalidMatcher(f"regex {pattern!r} does not compile: {exc}") from None
    if _nests_repeats(parsed, inside_repeat=False):
        raise InvalidMatcher(
            f"regex {pattern!r} nests quantifiers (repeats something that itself repeats, like (a+)+), "
            "which can hang matching; "
            "simplify it, e.g. refund|chargeback"
        )
    return compiled


def _nests_repeats(items: Any, *, inside_repeat: bool) -> bool:
    """True if a repeat with more than one iteration contains another such repeat: catastrophic backtracking."""
    for op, arg in items:
        if op in _REPEATS:
            _, high, body = arg
            repeats = high is sre_parse.MAXREPEAT or high > 1
            if repeats and inside_repeat:
                return True
            if _nests_repeats(body, inside_repeat=inside_repeat or repeats):
                return True
        else:
            inner = _subpatterns(op, arg)
            if any(_nests_repeats(part, inside_repeat=inside_repeat) for part in inner):
                return True
    return False


def _subpatterns(op: Any, arg: Any) -> list:
    """The nested patterns of a group, an alternation or a lookaround (none for anything else)."""
    if op is sre_parse.SUBPATTERN:
        return [arg[-1]]
    if op is sre_parse.BRANCH:
        return list(arg[1])
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [arg[1]]
    return []


@dataclass(frozen=True)
class Rule:
    """One route: all matchers must hold; ``continue_matching`` lets later rules match too."""

    team: str
    matchers: tuple[Matcher, ...]
    continue_matching: bool = False

    @classmethod
    def parse(cls, team: str, matchers: list[str] | tuple[str, ...], continue_matching: bool = False) -> Rule:
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
