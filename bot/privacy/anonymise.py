"""Erasing the personal data of selected rows, in the caller's transaction, keeping every figure.

What goes: comments, names, emails, customer ids, the link back to the response, the notes people wrote about
the customer (resolution notes, elevation notes), billing's email and name of the customer's accounts and the
words of their cancellations. What stays: scores, dates, teams, statuses, outcomes, root causes, ARR, tags.

Figures need two links to survive without the data: each row to its account (impact joins churn to loops by
it) and each row to the customer's other rows (recovery reads the customer's next feedback). Both are kept by
stand-ins: a random ``forgotten-…`` customer id per former id (or email), shared by the customer's rows and
nothing else, and the account's name (or a random ``forgotten-…`` key when the name goes) on each row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.feedback import PSEUDONYM_PREFIX
from bot.privacy.redaction import Needles, redact
from bot.privacy.selection import Selection
from models.account import Account, accounts_for_feedback, name_key
from models.feedback import Feedback
from models.loop import Loop
from models.privacy import events_of_accounts, loops_of, theme_links_of


def pseudonym() -> str:
    """A stand-in that ties anonymous rows together and says nothing about whom (random, never a hash)."""
    return PSEUDONYM_PREFIX + secrets.token_hex(6)


@dataclass
class Anonymised:
    """What was changed, and what the customer was called (to take out of messages already written)."""

    feedback: list[Feedback] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)  # every account the rows joined (owner alerts redraw)
    accounts_erased: int = 0
    account_events: int = 0
    notes: int = 0  # resolution and elevation notes erased
    needles: Needles = field(default_factory=Needles)


def anonymise(session: Session, *, workspace_id: str, selection: Selection, now: datetime) -> Anonymised:
    """Erase the selection's personal data (see the module); rows already anonymised change no further."""
    rows = list(selection.feedback)
    joined = accounts_for_feedback(session=session, workspace_id=workspace_id, feedback=rows)
    people = {k for f in rows if (k := name_key(f.customer_name))}
    erased_names = set(selection.account_keys) | people
    needles = Needles.of(
        exact=[
            *selection.emails,
            *(i for i in selection.customer_ids if not i.startswith(PSEUDONYM_PREFIX)),
            *(f.customer_name for f in rows),
            *(f.customer_email for f in rows),
            *(a.name for a in selection.accounts if name_key(a.name) in erased_names),
            *(a.email for a in selection.accounts),
        ],
        texts=[f.comment for f in rows],
    )
    done = Anonymised(needles=needles)
    forgotten = {a.id for a in selection.accounts}
    for erased in selection.accounts:
        done.accounts_erased += _erase_account(erased, selection, erased_names)
        if erased.cancellation_reason:
            erased.cancellation_reason = redact(erased.cancellation_reason, needles)
        session.add(erased)
    for event in events_of_accounts(session=session, account_ids=forgotten):
        # The customer's own words about leaving go; a reason stays, less anything that names them.
        details = {
            k: redact(v, needles) if isinstance(v, str) else v for k, v in event.details.items() if k != "comment"
        }
        if details != event.details:
            event.details = details
            session.add(event)
            done.account_events += 1
    stand_ins: dict[str, str] = {}
    for f in rows:
        account = joined.get(f.id)
        identity = f.customer_id or (f.customer_email or "").lower()
        if identity and not identity.startswith(PSEUDONYM_PREFIX):
            f.customer_id = stand_ins.setdefault(identity, pseudonym())
        f.account = _account_field(f, account, erased_names)
        f.comment = f.customer_email = f.customer_name = f.url = None
        f.forgotten_at = f.forgotten_at or now
        session.add(f)
        if account is not None:
            session.add(account)
            if account not in done.accounts:
                done.accounts.append(account)
    done.feedback = rows
    done.loops = loops_of(session=session, feedback=rows)
    for loop in done.loops:
        if loop.resolution_note:
            loop.resolution_note = None
            session.add(loop)
            done.notes += 1
    for link in theme_links_of(session=session, loop_ids=[loop.id for loop in done.loops]):
        if link.note:
            link.note = None
            session.add(link)
            done.notes += 1
    return done


def _erase_account(account: Account, selection: Selection, erased_names: set[str]) -> int:
    """Billing's account of the customer loses their email, id and (if it is theirs) name; 1 if anything went."""
    before = (account.email, account.customer_id, account.name)
    whole = selection.key is not None and selection.key.kind == "account"
    if account.email and (whole or account.email in selection.emails):
        account.email = None
    if account.customer_id and (whole or account.customer_id in selection.customer_ids):
        account.customer_id = None
    if account.name and (whole or name_key(account.name) in erased_names):
        account.name = None
        account.name_key = pseudonym()  # its rows keep joining it by this
    return int(before != (account.email, account.customer_id, account.name))


def _account_field(feedback: Feedback, account: Account | None, erased_names: set[str]) -> str | None:
    """What the row keeps as its account: its account's name (or stand-in key), so it stays joined to it."""
    if account is None:
        return None if name_key(feedback.account) in erased_names else feedback.account
    if not account.name_key:
        account.name_key = pseudonym()
    return account.name if account.name else account.name_key
