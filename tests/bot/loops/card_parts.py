"""In-memory feedback and loops to render, and readers of a rendered card's parts (for the card tests)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.ids import CardBlock
from models.feedback import Feedback
from models.loop import Loop

RECEIVED = datetime(2026, 11, 23, 8, 12, tzinfo=UTC)
# Strings that Slack would turn into a ping or a forged link if they reached mrkdwn unescaped.
INJECTIONS = ("<!channel>", "<@U1>", "<https://x|y>")
HOSTILE = " ".join(INJECTIONS) + " & more"


def make_feedback(**overrides) -> Feedback:
    values = dict(
        id=3,
        workspace_id="T1",
        source="delighted",
        external_id="resp-1",
        score=3,
        scale="nps",
        category="detractor",
        comment="Invoice was wrong twice this quarter.",
        customer_id="cus_1",
        customer_email="dana@acme.io",
        customer_name="Dana Whitfield",
        account="Acme",
        segment="enterprise",
        arr=Decimal("148000"),
        touchpoint="billing",
        product="Fleet Planner",
        tags=["invoice"],
        url="https://app.delighted.com/r/1",
        submitted_at=RECEIVED,
        received_at=RECEIVED,
    )
    values.update(overrides)
    return Feedback(**values)


def make_loop(**overrides) -> Loop:
    values = dict(
        id=7,
        workspace_id="T1",
        feedback_id=3,
        team_id=1,
        channel_id="C0BILLING",
        status="new",
        suggestions=[],
        created_at=RECEIVED,
        updated_at=RECEIVED,
    )
    values.update(overrides)
    return Loop(**values)


def suggestion(text: str, days: int = 1) -> dict:
    return {
        "text": text,
        "playbook": "detractor",
        "within": f"{days}d",
        "due_at": (RECEIVED + timedelta(days=days)).isoformat(),
    }


ACKED = dict(acknowledged_by="U0ACK", acknowledged_at=RECEIVED + timedelta(hours=1))
OWNED = dict(ACKED, status="in_progress", owner_id="U0OWNER")
RESOLVED = dict(
    OWNED, status="resolved", resolved_by="U0DONE", resolved_at=RECEIVED + timedelta(days=1), outcome="refunded"
)
LOOPS = {
    "new": dict(status="new"),
    "acknowledged": dict(ACKED, status="acknowledged"),
    "in_progress": OWNED,
    "resolved": RESOLVED,
}


def text_objects(node):
    """Every Block Kit text object (plain_text or mrkdwn) anywhere in ``node``."""
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def mrkdwn_texts(card: dict) -> list[str]:
    return [obj["text"] for obj in text_objects(card["blocks"]) if obj["type"] == "mrkdwn"]


def header_text(card: dict) -> str:
    (header,) = [b for b in card["blocks"] if b["type"] == "header"]
    return header["text"]["text"]


def field_texts(card: dict) -> list[str]:
    (section,) = [b for b in card["blocks"] if b["type"] == "section" and "fields" in b]
    return [f["text"] for f in section["fields"]]


def comment_text(card: dict) -> str:
    (section,) = [
        b for b in card["blocks"] if b["type"] == "section" and b.get("text", {}).get("text", "").startswith(">")
    ]
    return section["text"]["text"]


def status_text(card: dict) -> str:
    (block,) = [b for b in card["blocks"] if b.get("block_id") == CardBlock.STATUS]
    return block["elements"][0]["text"]


def action_ids(card: dict) -> list[str]:
    actions = [b for b in card["blocks"] if b["type"] == "actions"]
    return [e["action_id"] for block in actions for e in block["elements"]]


def assert_entities_whole(text: str) -> None:
    """Every '&' starts a complete Slack entity: truncation never leaves '&am' behind."""
    for match in re.finditer("&", text):
        assert re.match(r"&(amp|lt|gt);", text[match.start() :]), (
            f"broken entity at {match.start()}: {text[match.start() : match.start() + 8]!r}"
        )
