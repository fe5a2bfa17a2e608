"""The theme forms: Elevate (from a loop's card) and Plan fix, Decline, Merge (from a theme's card)."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy.engine import Engine

from bot.errors import LoopNotFound, NotFound
from bot.ids import ModalField, ModalId
from bot.loops.cards import customer_label
from bot.slack.limits import HEADER_TEXT, OPTION_TEXT, SELECT_OPTIONS
from bot.themes.changes import IMPACT_LABELS, THEME_NAME_LENGTH
from bot.themes.relevance import rank_themes
from models.db import new_session
from models.feedback import get_feedback
from models.loop import get_loop
from models.team import Team, list_teams
from models.theme import OPEN_THEME_STATUSES, Theme, get_theme, list_themes, theme_loop_rows

NOTE_LIMIT = 2000
REASON_LIMIT = 500


def _option(theme: Theme, teams: dict[int, str]) -> Option:
    owner = teams.get(theme.owner_team_id, "?")
    return Option(value=str(theme.id), label=f"#{theme.id} {theme.name} ({owner})"[:OPTION_TEXT])


def _modal(callback: ModalId, title: str, submit: str, metadata: int, blocks: list) -> dict:
    return View(
        type="modal",
        callback_id=callback,
        private_metadata=str(metadata),
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    ).to_dict()


def elevate_modal(engine: Engine, *, workspace_id: str, loop_id: int) -> dict:
    """Theme (open ones, most relevant first) or a new theme's name, the owner team, the impact and a note."""
    with new_session(engine, read_only=True) as session:
        loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
        if loop is None:
            raise LoopNotFound(f"Loop #{loop_id} no longer exists.")
        feedback = get_feedback(session=session, feedback_id=loop.feedback_id)
        themes = list_themes(session=session, workspace_id=workspace_id, statuses=OPEN_THEME_STATUSES)
        rows = theme_loop_rows(session=session, theme_ids=[t.id for t in themes])
        teams = list_teams(session=session, workspace_id=workspace_id)
    ranked = rank_themes(themes, rows, feedback)
    names = {team.id: team.name for team in teams}
    blocks: list = [
        SectionBlock(
            text=PlainTextObject(text=f"Loop #{loop.id} — {customer_label(feedback)}: whose fix is this?"[:HEADER_TEXT])
        )
    ]
    if ranked:
        blocks.append(
            InputBlock(
                block_id=ModalField.THEME,
                label="An open theme",
                optional=True,
                element=StaticSelectElement(
                    action_id=ModalField.THEME,
                    placeholder="Most alike first",
                    options=[_option(t, names) for t in ranked[:SELECT_OPTIONS]],
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=ModalField.NEW_THEME,
            label="…or a new theme",
            optional=True,
            hint=PlainTextObject(text="e.g. Double charges on annual invoices"),
            element=PlainTextInputElement(action_id=ModalField.NEW_THEME, max_length=THEME_NAME_LENGTH),
        ),
        InputBlock(
            block_id=ModalField.OWNER_TEAM,
            label="Team that should fix it (for a new theme)",
            optional=True,
            element=_team_select(teams),
        ),
        InputBlock(
            block_id=ModalField.IMPACT,
            label="Impact on the customer",
            element=StaticSelectElement(
                action_id=ModalField.IMPACT,
                placeholder="How much does it hurt?",
                options=[Option(value=key, label=label) for key, label in IMPACT_LABELS.items()],
            ),
        ),
        InputBlock(
            block_id=ModalField.NOTE,
            label="Note for the owner team",
            optional=True,
            element=PlainTextInputElement(action_id=ModalField.NOTE, multiline=True, max_length=NOTE_LIMIT),
        ),
    ]
    return _modal(ModalId.ELEVATE, "Elevate to a theme", "Elevate", loop.id, blocks)


def _team_select(teams: list[Team]) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=ModalField.OWNER_TEAM,
        placeholder="product, finance, engineering…",
        options=[Option(value=t.name, label=t.name[:OPTION_TEXT]) for t in teams[:SELECT_OPTIONS]],
    )


def theme_modal(engine: Engine, *, workspace_id: str, theme_id: int, kind: ModalId, today: date) -> dict:
    """Plan fix (an optional date), Decline (a reason) or Merge (another open theme) for a theme."""
    with new_session(engine, read_only=True) as session:
        theme = get_theme(session=session, workspace_id=workspace_id, theme_id=theme_id)
        if theme is None:
            raise NotFound(f"Theme #{theme_id} does not exist here.")
        others = [
            t
            for t in list_themes(session=session, workspace_id=workspace_id, statuses=OPEN_THEME_STATUSES)
            if t.id != theme.id
        ]
        names = {team.id: team.name for team in list_teams(session=session, workspace_id=workspace_id)}
    if kind == ModalId.PLAN_FIX:
        return _modal(
            kind,
            "Plan a fix",
            "Plan",
            theme.id,
            [
                InputBlock(
                    block_id=ModalField.FIX_DUE,
                    label="Fix due by",
                    optional=True,
                    element=DatePickerElement(
                        action_id=ModalField.FIX_DUE, initial_date=(theme.fix_due or today).isoformat()
                    ),
                )
            ],
        )
    if kind == ModalId.DECLINE:
        return _modal(
            kind,
            "Decline this theme",
            "Decline",
            theme.id,
            [
                InputBlock(
                    block_id=ModalField.REASON,
                    label="Why will it not be fixed?",
                    hint=PlainTextObject(text="Everyone who elevated it is told."),
                    element=PlainTextInputElement(action_id=ModalField.REASON, multiline=True, max_length=REASON_LIMIT),
                )
            ],
        )
    if not others:
        raise NotFound("There is no other open theme to merge this one into.")
    return _modal(
        kind,
        "Merge into a theme",
        "Merge",
        theme.id,
        [
            InputBlock(
                block_id=ModalField.MERGE_INTO,
                label="The same cause as",
                element=StaticSelectElement(
                    action_id=ModalField.MERGE_INTO,
                    placeholder="Choose a theme",
                    options=[_option(t, names) for t in others[:SELECT_OPTIONS]],
                ),
            )
        ],
    )
