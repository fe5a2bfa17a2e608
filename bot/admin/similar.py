"""/loops similar <loop-id>: the resolved loops most like a loop's feedback, with their scores."""

from __future__ import annotations

from bot.admin.registry import Invocation, Preparation, Subcommand, need
from bot.errors import CommandError
from bot.learning.card_section import past_loop_line
from bot.learning.history import MIN_SCORE, NEIGHBOURS, similar_history
from bot.learning.similar_loops import IndexNotReady, SimilarLoops
from bot.slack.ids import record_id
from models.feedback import get_feedback
from models.loop import get_loop

EXAMPLE = "/loops similar 42"


def _index(prep: Preparation) -> SimilarLoops | None:
    return prep.similar_loops


def similar(inv: Invocation) -> str:
    need(inv.args, 1, what="the loop number", example=EXAMPLE)
    number = inv.args[0].lstrip("#")
    loop_id = record_id(number) if number.isascii() and number.isdigit() else None
    if loop_id is None:
        raise CommandError(f"`{inv.args[0]}` is not a loop number", example=EXAMPLE)
    loop = get_loop(session=inv.session, workspace_id=inv.workspace_id, loop_id=loop_id)
    if loop is None:
        raise CommandError(f"there is no loop #{number} here", example="/loops open")
    index = inv.prepared
    if not isinstance(index, SimilarLoops):
        raise CommandError("similar loops are not available in this process", example=EXAMPLE)
    feedback = get_feedback(session=inv.session, feedback_id=loop.feedback_id)
    if not feedback.comment:
        return f"Loop #{loop.id}'s feedback has no comment, so no loop can be like it."
    try:
        history = similar_history(inv.session, index, loop=loop, feedback=feedback, earlier_only=False)
    except IndexNotReady:
        raise CommandError(
            "the similar-loop index is still being built; try again in a minute", example=EXAMPLE
        ) from None
    if history is None:
        return f"No resolved loop is like loop #{loop.id} yet (score {MIN_SCORE} or more)."
    lines = [
        f"*Resolved loops like #{loop.id}* (up to {NEIGHBOURS}, best first; the score is the likeness of what the "
        "customers said, plus a little for the same touchpoint, product, segment and scale):"
    ]
    lines += [
        f"• {past_loop_line(past, with_score=True)}" for past in sorted(history.considered, key=lambda p: -p.score)
    ]
    worked = history.what_worked(channel_id=loop.channel_id)
    if worked:
        lines.append(f":bulb: {worked}")
    return "\n".join(lines)


SUBCOMMANDS = [
    Subcommand(
        ("similar",),
        "/loops similar <loop-id>",
        "The resolved loops most like a loop's feedback, with their scores and how they ended",
        EXAMPLE,
        similar,
        topic="loops",
        prepare=_index,
    ),
]
