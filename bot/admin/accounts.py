"""/loops account <name|email|customer id> and /loops account owner <account> <@user|email|none>."""

from __future__ import annotations

from dataclasses import dataclass

from bot.accounts.owners import look_up
from bot.accounts.view import UNSTORED, Candidate, account_text, choices_text, find_accounts
from bot.admin.registry import Invocation, Preparation, Subcommand, need, user_arg
from bot.delivery.slack_directory import SlackPerson
from bot.errors import CommandError
from bot.mrkdwn import escape, mention_user
from models.workspace import get_or_create_workspace

VIEW = '/loops account "Acme Logistics"'
OWNER = '/loops account owner "Acme Logistics" @dana'
NONE_WORDS = ("none", "nobody", "-")


def account(inv: Invocation) -> str:
    need(inv.args, 1, what="the account's name (or part of it), email or customer id", example=VIEW)
    return account_text(inv.session, account=_one(inv, inv.args[0], example=VIEW).account, now=inv.now)


@dataclass(frozen=True)
class OwnerGiven:
    """The owner as the command gave it, resolved with Slack before the transaction (None: clear the owner)."""

    person: SlackPerson | None
    email: str | None = None


def prepare_owner(prep: Preparation) -> OwnerGiven | None:
    """Who the owner is, asked of Slack before the transaction opens: an email is looked up, a mention's name
    read (from the mention, else users.info). None when the words are wrong: the command says so."""
    if len(prep.args) < 2:
        return None
    word = prep.args[1].strip()
    if word.lower() in NONE_WORDS:
        return OwnerGiven(None)
    if "@" in word and not word.startswith("<@"):
        email = word.lower()
        found, unknown = look_up(prep.slack, [email])
        if unknown:
            raise CommandError(
                f"no Slack user has the email {escape(email)}; mention them, or use the email they sign in with",
                example=OWNER,
            )
        return OwnerGiven(found[email], email)
    user_id = user_arg(word, example=OWNER)
    named = word.partition("|")[2].rstrip(">") if word.startswith("<@") else ""
    return OwnerGiven(
        SlackPerson(user_id, named[:80]) if named else prep.slack.person(user_id) or SlackPerson(user_id, user_id)
    )


def account_owner(inv: Invocation) -> str:
    need(inv.args, 2, what="the account and its owner (a mention, an email, or none)", example=OWNER)
    given = inv.prepared
    assert isinstance(given, OwnerGiven)  # prepare_owner answered, or raised
    chosen = _one(inv, inv.args[0], example=OWNER).account
    before = chosen.owner_id or chosen.owner_email
    if chosen.source == UNSTORED:  # named only by feedback until now: stored so it can have an owner
        get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
        chosen.source = "slack"
    person = given.person
    chosen.owner_id = person.id if person else None
    chosen.owner_name = person.name if person else None
    chosen.owner_email = given.email if person else None
    chosen.updated_at = inv.now
    inv.session.add(chosen)
    inv.session.flush()
    label = chosen.name or chosen.email or chosen.customer_id or "the account"
    inv.audit("account.owner", f"account {label}", before, chosen.owner_id)
    if person is None:
        return f":wastebasket: *{escape(label)}* has no account owner now."
    return (
        f":white_check_mark: {mention_user(person.id)} owns *{escape(label)}*: its cards name them, and they hear of "
        "its cancellations and (above a team's `notify-owner-above`) its detractors."
    )


def _one(inv: Invocation, text: str, *, example: str) -> Candidate:
    candidates = find_accounts(inv.session, workspace_id=inv.workspace_id, text=text)
    if not candidates:
        raise CommandError(
            f"no account here is called or has the email or customer id `{escape(text)}`: billing has not named "
            "it and no feedback mentions it",
            example=example,
        )
    if len(candidates) > 1:
        raise CommandError(choices_text(candidates, text), example=example)
    return candidates[0]


SUBCOMMANDS = [
    Subcommand(
        ("account",),
        "/loops account <name|email|customer-id>",
        "One account across teams: billing, owner, score trend, loops, themes (part of a name is enough)",
        VIEW,
        account,
        topic="account",
    ),
    Subcommand(
        ("account", "owner"),
        "/loops account owner <account> <@user|email|none>",
        "Set (or clear) the account's owner, who is named on its cards and told of what matters",
        OWNER,
        account_owner,
        admin=True,
        writes=True,
        prepare=prepare_owner,
    ),
]
