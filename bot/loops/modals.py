"""The Resolve and Move modals: pure rendering, and reading their submitted values."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DateTimePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy.engine import Engine

from bot.errors import BadRequest, LoopNotFound
from bot.ids import ModalField, ModalId
from bot.loops.cards import customer_label
from bot.loops.outcomes import CONTACT_METHODS, OUTCOMES, root_causes
from bot.slack.ids import record_id
from bot.slack.limits import HEADER_TEXT, OPTION_TEXT, OPTION_VALUE, SELECT_OPTIONS
from models.db import new_session
from models.feedback import get_feedback
from models.loop import Loop, get_loop
from models.team import Team, list_teams

NOTE_LIMIT = 2000


def resolve_modal(loop: Loop, customer: str, causes: list[str]) -> dict:
    """Outcome and root cause (required), how the customer was contacted, a note, and whether to elevate."""
    return View(
        type="modal",
        callback_id=ModalId.RESOLVE,
        private_metadata=str(loop.id),
        title=PlainTextObject(text="Close the loop"),
        submit=PlainTextObject(text="Resolve"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(text=PlainTextObject(text=f"Loop #{loop.id} — {customer}"[:HEADER_TEXT])),
            InputBlock(
                block_id=ModalField.OUTCOME,
                label="Outcome",
                element=StaticSelectElement(
                    action_id=ModalField.OUTCOME,
                    placeholder="What happened?",
                    options=[Option(value=k, label=v) for k, v in OUTCOMES.items()],
                ),
            ),
            InputBlock(
                block_id=ModalField.CONTACT,
                label="How did you reach them?",
                optional=True,
                element=StaticSelectElement(
                    action_id=ModalField.CONTACT,
                    placeholder="Call, email…",
                    options=[Option(value=k, label=v) for k, v in CONTACT_METHODS.items()],
                ),
            ),
            InputBlock(
                block_id=ModalField.ROOT_CAUSE,
                label="What caused it?",
                element=StaticSelectElement(
                    action_id=ModalField.ROOT_CAUSE,
                    placeholder="Root cause",
                    options=[Option(value=c[:OPTION_VALUE], label=c[:OPTION_TEXT]) for c in causes[:SELECT_OPTIONS]],
                ),
            ),
            InputBlock(
                block_id=ModalField.NOTE,
                label="Note",
                optional=True,
                element=PlainTextInputElement(action_id=ModalField.NOTE, multiline=True, max_length=NOTE_LIMIT),
            ),
            InputBlock(
                block_id=ModalField.ELEVATE,
                label="Needs a fix elsewhere?",
                optional=True,
                element=CheckboxesElement(
                    action_id=ModalField.ELEVATE,
                    options=[Option(value="elevate", label="Elevate it to the team that can fix the cause")],
                ),
            ),
        ],
    ).to_dict()


def move_modal(loop: Loop, teams: list[Team]) -> dict:
    """Pick the team that should own this loop, and say why."""
    others = [t for t in teams if t.id != loop.team_id][:100]
    return View(
        type="modal",
        callback_id=ModalId.MOVE,
        private_metadata=str(loop.id),
        title=PlainTextObject(text="Move to another team"),
        submit=PlainTextObject(text="Move"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            InputBlock(
                block_id=ModalField.TEAM,
                label="Team",
                element=StaticSelectElement(
                    action_id=ModalField.TEAM,
                    placeholder="Choose a team",
                    options=[Option(value=t.name, label=t.name) for t in others],
                ),
            ),
            InputBlock(
                block_id=ModalField.REASON,
                label="Why?",
                element=PlainTextInputElement(action_id=ModalField.REASON, max_length=500),
            ),
        ],
    ).to_dict()


def snooze_modal(loop: Loop, now: datetime) -> dict:
    """Pick when reminders for this loop should start again."""
    return View(
        type="modal",
        callback_id=ModalId.SNOOZE,
        private_metadata=str(loop.id),
        title=PlainTextObject(text="Snooze reminders"),
        submit=PlainTextObject(text="Snooze"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            InputBlock(
                block_id=ModalField.UNTIL,
                label="Remind again at",
                element=DateTimePickerElement(
                    action_id=ModalField.UNTIL, initial_date_time=int((now + timedelta(days=1)).timestamp())
                ),
            )
        ],
    ).to_dict()


def field_state(view: object, field: str) -> dict:
    """What Slack sent for one field of a submitted modal (empty when the payload is not shaped so)."""
    node: object = view
    for key in ("state", "values", field, field):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def submitted_time(view: dict, field: ModalField) -> int | None:
    """The unix time picked in a datetimepicker field."""
    picked = field_state(view, field).get("selected_date_time")
    return picked if isinstance(picked, int) and not isinstance(picked, bool) else None


def submitted(view: dict, field: ModalField) -> str | None:
    """The value a person entered or selected in a modal field (None when left empty)."""
    value = field_state(view, field)
    if value.get("type") == "checkboxes":
        options = value.get("selected_options")
        ticked = [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []
        return ",".join(v for v in ticked if isinstance(v, str)) or None
    if value.get("type") == "static_select":
        option = value.get("selected_option")
        chosen = option.get("value") if isinstance(option, dict) else None
        return chosen if isinstance(chosen, str) else None
    text = value.get("value")
    return text.strip() or None if isinstance(text, str) else None


def submitted_loop_id(view: dict) -> int:
    """The loop a submitted modal is about (its private metadata); BadRequest when it names none."""
    loop_id = record_id(view.get("private_metadata") if isinstance(view, dict) else None)
    if loop_id is None:
        raise BadRequest("this form does not belong to a loop")
    return loop_id


def modal_for(engine: Engine, *, workspace_id: str, loop_id: int, kind: ModalId, now: datetime) -> dict:
    """The modal of ``kind`` for a loop, read in a read-only session; LoopNotFound when the loop is gone."""
    with new_session(engine, read_only=True) as session:
        loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
        if loop is None:
            raise LoopNotFound(f"Loop #{loop_id} no longer exists.")
        if kind == ModalId.RESOLVE:
            customer = customer_label(get_feedback(session=session, feedback_id=loop.feedback_id))
            return resolve_modal(loop, customer, root_causes(session, workspace_id=workspace_id))
        if kind == ModalId.MOVE:
            return move_modal(loop, list_teams(session=session, workspace_id=workspace_id))
        return snooze_modal(loop, now)
