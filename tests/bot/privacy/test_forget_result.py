"""What a forget reports: counts for people and the audit trail."""

from __future__ import annotations

from bot.privacy.forget import ForgetResult
from bot.privacy.slack_messages import SlackChanges


def test_what_a_forget_reports_names_nobody():
    result = ForgetResult(
        feedback=3,
        loops=2,
        accounts=1,
        slack=SlackChanges(cards=2, notes=5, messages=1),
        loop_ids=(12, 14),
    )
    assert result.changed and result.summary() == "3 feedback, 2 loops, 1 billing account"
    assert result.slack_summary() == "2 cards, 5 thread notes, 1 other message (digests, DMs)"
    assert result.audit_record() == {
        "customers": 1,
        "feedback": 3,
        "loops": 2,
        "accounts": 1,
        "cards_updated": 2,
        "notes_updated": 5,
        "messages_updated": 1,
    }
    assert not ForgetResult().changed and ForgetResult().summary() == "0 feedback, 0 loops"
