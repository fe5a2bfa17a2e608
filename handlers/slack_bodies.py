"""Is a (signed) body shaped as Slack sends it? Checked before Bolt parses it, so garbage answers 400, never 500.

Slack sends three shapes to one URL: Events API callbacks as a JSON object, slash commands as a form,
and interactivity as a form whose ``payload`` field is a JSON object. Each kind declares the fields our
listeners (and Bolt) read, with their types; a body without them is not one Slack sent.
https://api.slack.com/apis/events-api, https://api.slack.com/interactivity/slash-commands,
https://api.slack.com/reference/interaction-payloads
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

# Per kind: (dotted path, type) of every field that must be there.
_PAYLOAD_NEEDS: dict[str, tuple[tuple[str, type], ...]] = {
    "block_actions": (("team.id", str), ("user.id", str), ("actions", list), ("trigger_id", str)),
    "view_submission": (
        ("team.id", str),
        ("user.id", str),
        ("view.type", str),
        ("view.callback_id", str),
        ("view.state.values", dict),
    ),
    "view_closed": (("team.id", str), ("user.id", str), ("view.type", str), ("view.callback_id", str)),
    "block_suggestion": (("team.id", str), ("user.id", str), ("action_id", str)),
}
_EVENT_NEEDS: tuple[tuple[str, type], ...] = (("team_id", str), ("event_id", str), ("event.type", str))
_COMMAND_NEEDS = ("command", "team_id", "user_id", "channel_id")
_MAX_DEPTH = 64


def body_problem(text: str) -> str | None:
    """What makes ``text`` not a Slack request body (None when it is one we can hand to Bolt)."""
    if text.lstrip().startswith(("{", "[")):
        return _event_problem(text)
    try:
        form = parse_qs(text, keep_blank_values=True, strict_parsing=True, max_num_fields=200)
    except ValueError:
        return "the body is neither JSON nor a form Slack would send"
    if "ssl_check" in form:
        return None
    if "command" in form:
        missing = [name for name in _COMMAND_NEEDS if len(form.get(name, [])) != 1]
        if missing or not form["command"][0].startswith("/"):
            return f"a slash command needs {', '.join(missing) or 'a command'}"
        return None
    if list(form) != ["payload"] or len(form["payload"]) != 1:
        return "a form from Slack carries a command or one payload"
    return _interaction_problem(form["payload"][0])


def _event_problem(text: str) -> str | None:
    data = _json_object(text)
    if data is None:
        return "the body is not a JSON object"
    if not isinstance(data.get("type"), str):
        return "an Events API body needs a type"
    if data["type"] == "event_callback":
        return _missing(data, _EVENT_NEEDS, what="an event_callback")
    return None


def _interaction_problem(text: str) -> str | None:
    data = _json_object(text)
    if data is None:
        return "the payload field is not a JSON object"
    kind = data.get("type")
    if not isinstance(kind, str):
        return "an interaction payload needs a type"
    problem = _missing(data, _PAYLOAD_NEEDS.get(kind, ()), what=f"a {kind} payload")
    if (
        problem is None
        and kind == "block_actions"
        and not (
            data["actions"]
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in data["actions"])
        )
    ):
        return "a block_actions payload needs actions, each with an action_id"
    return problem


def _missing(data: dict, needs: tuple[tuple[str, type], ...], *, what: str) -> str | None:
    for path, kind in needs:
        node: Any = data
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, kind):
            return f"{what} needs {path}"
    return None


def _json_object(text: str) -> dict[str, Any] | None:
    if _nesting(text) > _MAX_DEPTH:  # json would recurse that deep before it gives up
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _nesting(text: str) -> int:
    """An upper bound of how deep the brackets of ``text`` nest (strings included: it only bounds)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest
