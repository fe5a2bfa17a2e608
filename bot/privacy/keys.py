"""Which customer to forget: an email, a customer id or an account name, read from what an admin typed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import CommandError

EMAIL, CUSTOMER_ID, ACCOUNT = "email", "customer_id", "account"
KINDS = (EMAIL, CUSTOMER_ID, ACCOUNT)
_LABELS = {EMAIL: "email", CUSTOMER_ID: "customer id", ACCOUNT: "account"}
_PREFIXES = {"email:": EMAIL, "id:": CUSTOMER_ID, "customer-id:": CUSTOMER_ID, "account:": ACCOUNT}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# Slack turns a typed email into a mailto link: <mailto:dana@acme.io|dana@acme.io>.
_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
MAX_KEY = 320
EXAMPLE = "/loops forget dana@acme.io"


@dataclass(frozen=True)
class CustomerKey:
    """What names the customer: ``kind`` (email, customer_id, account) and its value as typed.

    ``guessed``: the kind was read from the value's shape (no ``id:``/``account:`` in front), so a word that
    is not an email may be a customer id or an account name; the service looks for both.
    """

    kind: str
    value: str
    guessed: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of customer key {self.kind!r}")

    @property
    def label(self) -> str:
        return _LABELS[self.kind]


def read_key(text: str, *, example: str = EXAMPLE) -> CustomerKey:
    """The customer a `/loops forget` argument names: ``dana@acme.io``, ``id:cus_123``, ``account:"Acme Inc"``, or a
    bare word (a customer id or an account name); CommandError with an example when it names nobody."""
    value = text.strip()
    kind = None
    for prefix, named in _PREFIXES.items():
        if value.lower().startswith(prefix):
            kind, value = named, value[len(prefix) :].strip()
            break
    mailto = _MAILTO.match(value)
    if mailto:
        value = mailto.group(1)
    if not value:
        raise CommandError("say whose data to forget: an email, a customer id or an account name", example=example)
    if len(value) > MAX_KEY:
        raise CommandError(f"that is {len(value)} characters; a customer key has at most {MAX_KEY}", example=example)
    if kind == EMAIL or (kind is None and "@" in value):
        if not _EMAIL.match(value):
            raise CommandError(f"`{value[:80]}` is not an email address", example=example)
        return CustomerKey(EMAIL, value.lower())
    if kind is not None:
        return CustomerKey(kind, value)
    return CustomerKey(CUSTOMER_ID, value, guessed=True)


def key_from_options(*, email: str | None, customer_id: str | None, account: str | None) -> CustomerKey:
    """The key of `loopkeeper forget --email/--customer-id/--account` (exactly one of them)."""
    given = [(k, v) for k, v in ((EMAIL, email), (CUSTOMER_ID, customer_id), (ACCOUNT, account)) if v is not None]
    if len(given) != 1:
        raise CommandError("give exactly one of --email, --customer-id or --account")
    kind, value = given[0]
    prefix = {EMAIL: "email:", CUSTOMER_ID: "id:", ACCOUNT: "account:"}[kind]
    return read_key(prefix + value, example="loopkeeper forget --email dana@acme.io")
