"""The feedback card: pure rendering from a loop and its feedback to Block Kit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)

from bot.feedback import PSEUDONYM_PREFIX, REMOVED, SCALES
from bot.ids import SNOOZE_CHOICES, CardAction, CardBlock
from bot.loops.outcomes import OUTCOMES
from bot.loops.recovery import Recovery
from bot.loops.sla import breached
from bot.money import format_money
from bot.mrkdwn import day_month, escape, link_channel, mask_email, mention_user, quote, slack_date, truncate
from bot.slack.limits import HEADER_TEXT, SECTION_FIELD, SECTION_TEXT
from models.feedback import Feedback
from models.loop import Loop

FALLBACK_COMMENT = 200
_MARKERS = {
    "detractor": "🔴",
    "negative": "🔴",
    "passive": "🟡",
    "neutral": "🟡",
    "promoter": "🟢",
    "positive": "🟢",
}
STATUS_LABELS = {"new": "New", "acknowledged": "Acknowledged", "in_progress": "In progress", "resolved": "Resolved"}


def _md(text: str) -> MarkdownTextObject:
    # verbatim stops Slack from turning customer text into links or mentions.
    return MarkdownTextObject(text=text, verbatim=True)


def score_label(feedback: Feedback) -> str:
    scale = SCALES[feedback.scale]
    name = "NPS" if scale.name == "nps" else scale.name.upper()
    if feedback.score is None:
        return "No score"
    return f"{name} {feedback.score}/{scale.high}"


def customer_label(feedback: Feedback, *, mask_emails: bool = False) -> str:
    """Who gave the feedback, in plain text, for headers and notifications (its email masked in a team that
    masks them; nobody once the customer's data was erased)."""
    if feedback.forgotten_at is not None:
        return REMOVED
    email = feedback.customer_email
    return (
        feedback.customer_name
        or feedback.account
        or (mask_email(email) if email and mask_emails else email)
        or feedback.customer_id
        or "Unknown customer"
    )


def account_name(feedback: Feedback) -> str | None:
    """The feedback's account as shown: never the stand-in an erased row keeps to stay joined to its account."""
    account = feedback.account
    return None if account is None or account.startswith(PSEUDONYM_PREFIX) else account


@dataclass(frozen=True)
class Elevation:
    """The theme a loop was elevated to, as its card shows it."""

    theme_id: int
    theme_name: str
    owner_channel: str
    status: str
    shipped_at: datetime | None = None
    told_by: str | None = None
    told_at: datetime | None = None

    @property
    def fix_shipped(self) -> bool:
        return self.status in ("shipped", "verified")


@dataclass(frozen=True)
class Billing:
    """What billing says of the loop's account, as its card shows it."""

    status: str
    arr: Decimal | None = None
    currency: str | None = None
    renews_at: datetime | None = None
    cancel_at: datetime | None = None
    churned_at: datetime | None = None
    owner_id: str | None = None
    owner_name: str | None = None

    def arr_text(self, now: datetime) -> str | None:
        if self.arr is None or self.status == "churned":
            return None
        renews = f" · renews {day_month(self.renews_at, now=now)}" if self.renews_at else ""
        return f"ARR {format_money(self.arr, self.currency)} (billing){renews}"

    def alert(self, now: datetime) -> str | None:
        """The line a scheduled cancellation or a churn puts on the card, highlighted; None otherwise."""
        if self.status == "cancellation_scheduled":
            on = f" for {day_month(self.cancel_at, now=now)}" if self.cancel_at else ""
            arr = f" · {format_money(self.arr, self.currency)} ARR at stake" if self.arr else ""
            return f":rotating_light: *Cancellation scheduled{on}* (billing){arr}"
        if self.status == "churned":
            on = f" on {day_month(self.churned_at, now=now)}" if self.churned_at else ""
            return f":x: *Churned{on}* (billing)"
        return None


def render_card(
    loop: Loop,
    feedback: Feedback,
    *,
    attached: int = 0,
    moved_to: str | None = None,
    now: datetime | None = None,
    elevation: Elevation | None = None,
    billing: Billing | None = None,
    collaborators: tuple[str, ...] = (),
    recovery: Recovery | None = None,
    mask_emails: bool = False,
) -> dict:
    """The ``text`` and ``blocks`` arguments of the card's chat.postMessage/chat.update.

    ``attached`` counts later feedback from the same customer that joined this
    loop (shown in the thread); ``moved_to`` renders the card a loop left behind
    when it moved to another team's channel; ``elevation`` is the theme it feeds; ``billing`` what billing
    says of the customer's account; ``recovery`` the customer's next feedback after the loop was resolved;
    ``mask_emails`` shows ``d•••@acme.io`` (the team masks emails). Erased feedback says it was removed.
    """
    today = now or datetime.now(UTC)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_header(feedback, mask_emails), emoji=True)),
        SectionBlock(fields=_fields(feedback, billing, today, mask_emails)),
    ]
    alert = billing.alert(today) if billing is not None else None
    if alert:
        blocks.append(SectionBlock(block_id=CardBlock.BILLING, text=_md(alert)))
    if feedback.unparsed:
        blocks.append(
            ContextBlock(
                elements=[
                    _md(":warning: *Unparsed* — no score could be read from this alert; its text is shown as it came.")
                ]
            )
        )
    if feedback.comment:
        blocks.append(SectionBlock(text=_md(truncate(quote(escape(feedback.comment)), SECTION_TEXT))))
    elif feedback.forgotten_at is not None:
        blocks.append(ContextBlock(elements=[_md(f":wastebasket: _Comment and customer details {REMOVED}._")]))
    else:
        blocks.append(ContextBlock(elements=[_md("_No comment left._")]))
    extras = _extras(feedback)
    if extras:
        blocks.append(ContextBlock(elements=[_md(text) for text in extras]))
    if attached:
        more = f"{attached} more response{'s' if attached != 1 else ''}"
        blocks.append(ContextBlock(elements=[_md(f":speech_balloon: {more} from this customer in the thread")]))
    blocks.append(DividerBlock())
    if moved_to:
        blocks.append(
            ContextBlock(
                block_id=CardBlock.STATUS,
                elements=[_md(f"*Moved* to {link_channel(moved_to)}  ·  Loop #{loop.id} continues there")],
            )
        )
        return {"text": _fallback(loop, feedback, mask_emails), "blocks": [b.to_dict() for b in blocks]}
    if loop.suggestions:
        blocks.append(SectionBlock(text=_md(_suggestions(loop))))
    status = status_line(loop, now=now, collaborators=collaborators)
    blocks.append(ContextBlock(block_id=CardBlock.STATUS, elements=[_md(status)]))
    if recovery is not None:
        blocks.append(ContextBlock(block_id=CardBlock.RECOVERY, elements=[_md(recovery_line(recovery))]))
    if elevation is not None:
        blocks.append(ContextBlock(block_id=CardBlock.THEME, elements=[_md(elevation_line(elevation))]))
    blocks.append(ActionsBlock(block_id=f"{CardBlock.ACTIONS}:{loop.id}", elements=_controls(loop, elevation)))
    return {"text": _fallback(loop, feedback, mask_emails), "blocks": [b.to_dict() for b in blocks]}


def _header(feedback: Feedback, mask_emails: bool = False) -> str:
    marker = _MARKERS.get(feedback.category, "⚪")
    who = customer_label(feedback, mask_emails=mask_emails)
    if feedback.score is None:
        text = f"{marker} Unscored alert — {who}"
    else:
        text = f"{marker} {score_label(feedback)} · {feedback.category.capitalize()} — {who}"
    return text if len(text) <= HEADER_TEXT else text[: HEADER_TEXT - 1] + "…"


def _field(label: str, value: str) -> MarkdownTextObject:
    return _md(truncate(f"*{label}*\n{value}", SECTION_FIELD))


def _fields(
    feedback: Feedback, billing: Billing | None, now: datetime, mask_emails: bool = False
) -> list[MarkdownTextObject]:
    if feedback.forgotten_at is not None:
        customer = f"_{REMOVED}_"
    else:
        customer = escape(feedback.customer_name or feedback.customer_id or "—")
    if feedback.customer_email:
        email = mask_email(feedback.customer_email) if mask_emails else feedback.customer_email
        customer += f"\n{escape(email)}"
    account = escape(account_name(feedback) or "—")
    if feedback.segment:
        account += f" · {escape(feedback.segment)}"
    billed = billing.arr_text(now) if billing is not None else None
    if billed:
        account += f"\n{billed}"
    elif feedback.arr is not None:
        account += f"\nARR {format_money(feedback.arr)}"
    if billing is not None and billing.owner_id:
        # By name, not a mention: every card of the account would ping them.
        owner = escape(billing.owner_name) if billing.owner_name else mention_user(billing.owner_id)
        account += f"\nAccount owner: {owner}"
    fields = [_field("Customer", customer), _field("Account", account)]
    if feedback.touchpoint:
        fields.append(_field("Touchpoint", escape(feedback.touchpoint)))
    if feedback.product:
        fields.append(_field("Product", escape(feedback.product)))
    fields.append(_field("Source", escape(feedback.source)))
    fields.append(_field("Received", slack_date(feedback.submitted_at or feedback.received_at)))
    return fields


def _extras(feedback: Feedback) -> list[str]:
    """Context elements: the tags, and a link back to the source (each within Slack's limit)."""
    parts = []
    if feedback.tags:
        parts.append(truncate("Tags: " + ", ".join(f"`{escape(tag)}`" for tag in feedback.tags), SECTION_TEXT))
    if feedback.url:
        # Only http(s) URLs reach here (validated at intake). Escaping < > & and encoding |
        # keeps a URL from closing the link early or writing its own label.
        url = escape(feedback.url.replace("|", "%7C"))
        if len(url) <= SECTION_TEXT - 100:
            parts.append(f"<{url}|View in {escape(feedback.source)}>")
    return parts


def _suggestions(loop: Loop) -> str:
    lines = ["*Suggested next steps*"]
    for number, step in enumerate(loop.suggestions, start=1):
        due = datetime.fromisoformat(step["due_at"])
        lines.append(f"{number}. {escape(step['text'])} — due {slack_date(due)}")
    return truncate("\n".join(lines), SECTION_TEXT)


def status_line(loop: Loop, *, now: datetime | None = None, collaborators: tuple[str, ...] = ()) -> str:
    """Where the loop stands: status, who moved it there and when, owner (and who joined), due time, snooze."""
    parts = [f"*{STATUS_LABELS.get(loop.status, loop.status)}*", f"Loop #{loop.id}"]
    if now is not None and breached(loop, now):
        parts[0] = ":rotating_light: *Overdue* · " + parts[0]
    if loop.status == "resolved" and loop.resolved_by and loop.resolved_at:
        parts.append(f"resolved by {mention_user(loop.resolved_by)} {slack_date(loop.resolved_at)}")
        if loop.outcome:
            parts.append(f"outcome: *{escape(OUTCOMES.get(loop.outcome, loop.outcome))}*")
    elif loop.acknowledged_by and loop.acknowledged_at:
        parts.append(f"acknowledged by {mention_user(loop.acknowledged_by)} {slack_date(loop.acknowledged_at)}")
    if loop.owner_id:
        parts.append(f"owner {mention_user(loop.owner_id)}")
    elif loop.status != "resolved":
        parts.append("no owner yet")
    if collaborators:
        parts.append("with " + ", ".join(mention_user(u) for u in collaborators))
    due = loop.ack_due_at if loop.status == "new" else loop.resolve_due_at
    if due and loop.status != "resolved":
        parts.append(f"{'acknowledge' if loop.status == 'new' else 'resolve'} by {slack_date(due)}")
    if loop.snoozed_until and loop.status != "resolved" and (now is None or loop.snoozed_until > now):
        parts.append(f":zzz: snoozed until {slack_date(loop.snoozed_until)}")
    return "  ·  ".join(parts)


def recovery_line(recovery: Recovery) -> str:
    """What the customer said next: ``Recovered: NPS 3 → 9`` and when."""
    marker = ":chart_with_upwards_trend:" if recovery.recovered else ":chart_with_downwards_trend:"
    when = slack_date(recovery.after.submitted_at or recovery.after.received_at, fmt="{date_short_pretty}")
    return f"{marker} *{recovery.text}* — their next feedback, {when}"


def elevation_line(elevation: Elevation) -> str:
    """Where the loop's cause went: the theme, its owner, and whether the fix shipped and the customer was told."""
    theme = f"theme #{elevation.theme_id} — *{escape(elevation.theme_name)}*"
    if not elevation.fix_shipped:
        status = elevation.status.replace("_", " ")
        return f":arrow_up: Elevated to {theme}, owned by {link_channel(elevation.owner_channel)} ({status})"
    shipped = f" {slack_date(elevation.shipped_at)}" if elevation.shipped_at else ""
    if elevation.told_by and elevation.told_at:
        told = f"customer told by {mention_user(elevation.told_by)} {slack_date(elevation.told_at)}"
    else:
        told = "*tell the customer*"
    return f":white_check_mark: The fix for {theme} shipped{shipped} — {told}"


def _controls(loop: Loop, elevation: Elevation | None = None) -> list[InteractiveElement]:
    """The buttons and menus that make sense in the loop's state."""
    value = str(loop.id)
    told = []
    if elevation is not None and elevation.fix_shipped and not elevation.told_at:
        told = [ButtonElement(text="Customer told", action_id=CardAction.CUSTOMER_TOLD, value=value, style="primary")]
    elevate = ButtonElement(text="Elevate…", action_id=CardAction.ELEVATE, value=value)
    if loop.status == "resolved":
        return [*told, ButtonElement(text="Reopen", action_id=CardAction.REOPEN, value=value), elevate]
    controls: list[InteractiveElement] = [*told]
    if loop.status == "new":
        controls.append(
            ButtonElement(text="Acknowledge", action_id=CardAction.ACKNOWLEDGE, value=value, style="primary")
        )
    if loop.status in ("new", "acknowledged"):
        controls.append(ButtonElement(text="Take ownership", action_id=CardAction.TAKE_OWNERSHIP, value=value))
    controls.append(
        UserSelectElement(placeholder="Assign…" if not loop.owner_id else "Reassign…", action_id=CardAction.ASSIGN)
    )
    controls.append(
        StaticSelectElement(
            placeholder="Snooze…",
            action_id=CardAction.SNOOZE,
            options=[Option(value=key, label=label) for key, label in SNOOZE_CHOICES.items()],
        )
    )
    controls.append(
        ButtonElement(
            text="Resolve…",
            action_id=CardAction.RESOLVE,
            value=value,
            style="primary" if loop.status == "in_progress" else None,
        )
    )
    controls.append(ButtonElement(text="Move to team…", action_id=CardAction.MOVE, value=value))
    controls.append(elevate)
    return controls


def feedback_summary(feedback: Feedback, *, mask_emails: bool = False) -> str:
    """One mrkdwn line about a feedback item, e.g. for a thread reply."""
    who = escape(customer_label(feedback, mask_emails=mask_emails))
    text = f"*{score_label(feedback)}* ({feedback.category}) from {who}"
    if feedback.comment:
        text += "\n" + quote(truncate(escape(feedback.comment), SECTION_TEXT - len(text) - 50))
    return text


def _fallback(loop: Loop, feedback: Feedback, mask_emails: bool = False) -> str:
    who = escape(customer_label(feedback, mask_emails=mask_emails))
    text = f"{score_label(feedback)} ({feedback.category}) from {who}"
    if feedback.comment:
        text += ": " + truncate(escape(feedback.comment.replace("\n", " ")), FALLBACK_COMMENT)
    return text
