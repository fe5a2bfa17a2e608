"""The card's similar-loops section is only ever added: an index not built yet, or one that fails, leaves the card
as the loops package rendered it (and a failure is logged without the customer's words)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.ids import CardBlock
from bot.insight.similarity import Neighbour
from bot.learning.card_section import with_similar_loops
from bot.learning.similar_loops import SimilarLoops
from models.base import utcnow
from models.db import new_session, transaction
from models.feedback import Feedback
from models.outbox import OutboxItem
from tests.bot.learning.seeding import detractor, resolved
from tests.conftest import TEST_CONFIG

WORKSPACE = "T0LEARNING"
SECRET_WORDS = "my card number is 4242"


def card(session, item, now) -> dict:
    return {"text": "card", "blocks": [{"type": "section"}, {"type": "actions", "elements": []}]}


class FailingIndex(SimilarLoops):
    def neighbours(self, feedback: Feedback, *, k: int, min_score: float, exclude=()) -> list[Neighbour]:
        raise ValueError(f"cannot read {feedback.comment}")


def seed(engine) -> int:
    import_config(engine, workspace_id=WORKSPACE, doc=parse_config(TEST_CONFIG))
    now = utcnow()
    with transaction(engine) as session:
        resolved(
            session,
            workspace_id=WORKSPACE,
            comment=SECRET_WORDS + " and I was charged twice",
            received=now - timedelta(days=3),
            outcome="saved",
            contact="call",
            took=timedelta(hours=2),
        )
        _, loop = detractor(session, workspace_id=WORKSPACE, received=now, comment=SECRET_WORDS + ", charged twice")
        return loop.id


def render(engine, index: SimilarLoops, loop_id: int) -> dict | None:
    item = OutboxItem(workspace_id=WORKSPACE, ordering_key=f"loop:{loop_id}", loop_id=loop_id, kind="card", method="x")
    with new_session(engine, read_only=True) as session:
        return with_similar_loops(card, index)(session, item, utcnow())


def test_the_section_is_added_above_the_buttons_once_the_index_is_built(engine):
    loop_id = seed(engine)
    index = SimilarLoops(engine, workspace_id=WORKSPACE)
    assert render(engine, index, loop_id) == card(None, None, None)  # not built yet: no section, no waiting
    index.refresh()
    blocks = render(engine, index, loop_id)["blocks"]
    assert [b.get("block_id") for b in blocks] == [None, CardBlock.SIMILAR, None]
    assert blocks[1]["text"]["text"].startswith(":mag: *1 similar loop: 1 saved by calling within 4 h*")


def test_a_failing_index_drops_the_section_and_logs_no_customer_text(engine, caplog):
    loop_id = seed(engine)
    index = FailingIndex(engine, workspace_id=WORKSPACE)
    index.refresh()
    with caplog.at_level(logging.WARNING):
        assert render(engine, index, loop_id) == card(None, None, None)
    assert f"similar loops left off loop {loop_id}'s card (ValueError)" in caplog.text
    assert "4242" not in caplog.text


def test_a_customer_whose_next_feedback_was_better_counts_as_saved(engine):
    import_config(engine, workspace_id=WORKSPACE, doc=parse_config(TEST_CONFIG))
    now = utcnow()
    with transaction(engine) as session:
        past = resolved(
            session,
            workspace_id=WORKSPACE,
            comment="The export to csv times out every time",
            received=now - timedelta(days=10),
            outcome="contacted_fixed",
            contact="email",
            took=timedelta(hours=30),
        )
        first = session.get(Feedback, past.feedback_id)
        session.add(
            Feedback(
                workspace_id=WORKSPACE,
                source="delighted",
                external_id="later-promoter",
                score=9,
                scale="nps",
                category="promoter",
                customer_id=first.customer_id,
                received_at=now - timedelta(days=5),
            )
        )
        _, loop = detractor(session, workspace_id=WORKSPACE, received=now, comment="csv export times out")
    index = SimilarLoops(engine, workspace_id=WORKSPACE)
    index.refresh()
    text = render(engine, index, loop.id)["blocks"][1]["text"]["text"]
    assert text.startswith(":mag: *1 similar loop: 1 saved by email within 3 days*")
    assert text.endswith("· closed in 30 h · :chart_with_upwards_trend: recovered")
