"""Taking a customer's words out of messages already written: a table of texts and what is left of them."""

from __future__ import annotations

import pytest

from bot.mrkdwn import escape, mask_email, truncate
from bot.privacy.redaction import REMOVED_MARK, Needles, redact, redact_payload

COMMENT = "Invoice was wrong twice this quarter & nobody answered <any> of my emails."
NEEDLES = Needles.of(exact=["Dana Whitfield", "dana@acme.io", "cus_1"], texts=[COMMENT, "Bad."])
R = REMOVED_MARK


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from Dana Whitfield", f"from {R}"),
        ("from DANA WHITFIELD (Dana@Acme.io)", f"from {R} ({R})"),
        (f"said: {COMMENT}", f"said: {R}"),
        (f"said: “{escape(COMMENT)}”", f"said: “{R}”"),
        (f"said: “{truncate(escape(COMMENT), 40)}” · opened", f"said: “{R}” · opened"),
        ("> " + escape(COMMENT), f"> {R}"),
        ("It was Bad. Really Bad.", f"It was {R} Really {R}"),
        ("Badly done", "Badly done"),  # a short comment only counts whole… as typed
        ("nothing about her", "nothing about her"),
        ("customer cus_1 again", f"customer {R} again"),
    ],
)
def test_redact(text, expected):
    assert redact(text, NEEDLES) == expected


def test_short_names_are_not_needles():
    assert Needles.of(exact=["Al", "", None], texts=[None, "  "]) == Needles()
    assert not Needles.of(exact=["Al"], texts=[])


def test_redact_payload_keeps_addresses_and_structure():
    payload = {
        "channel": "C0DANA",
        "ts": "1.2",
        "text": "Digest: Dana Whitfield",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"> {escape(COMMENT)}"}}],
        "metadata": {"event_payload": {"note": "Dana Whitfield"}},
        "unfurl_links": False,
    }
    redacted = redact_payload(payload, NEEDLES)
    assert redacted["text"] == f"Digest: {R}" and redacted["blocks"][0]["text"]["text"] == f"> {R}"
    assert redacted["channel"] == "C0DANA" and redacted["metadata"] == payload["metadata"]
    assert redacted["unfurl_links"] is False


@pytest.mark.parametrize(
    ("email", "masked"),
    [("dana@acme.io", "d•••@acme.io"), ("D@x.co", "D•••@x.co"), ("no-at-sign", "n•••"), ("", "")],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked
