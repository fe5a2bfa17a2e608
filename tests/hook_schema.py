"""The README's JSON Schema of hook events (``loopkeeper.event/v1``), checked with the jsonschema library, so every
event the tests receive is checked against what receivers are told."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_schema() -> dict[str, Any]:
    """The JSON block after ``<!-- hook-event-schema -->`` in the README."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- hook-event-schema -->\s*```json\n(.*?)\n```", text, re.S)
    assert match, "the README has no hook event schema block"
    return json.loads(match.group(1))


def readme_example() -> dict[str, Any]:
    """The example event the README shows first in its Events section."""
    text = README.read_text(encoding="utf-8").split("### Events (schema `loopkeeper.event/v1`)", 1)[1]
    match = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert match
    return json.loads(match.group(1))


def problems(event: dict[str, Any], schema: dict[str, Any] | None = None) -> list[str]:
    """Where ``event`` breaks the envelope, and its ``data`` the schema of its type (empty when it fits)."""
    root = schema or readme_schema()
    found = _errors(root, event, "$")
    if event.get("type") not in root["$defs"]["data"]:
        return [*found, f"$.type: no schema for {event.get('type')!r}"]
    # The type's schema, with the definitions its $refs point at (no $id: the envelope's is not a URI).
    data = {"$defs": root["$defs"], "$ref": f"#/$defs/data/{event['type']}"}
    return found + _errors(data, event.get("data"), "$.data")


def _errors(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    # rfc3339-validator, a test dependency, makes the format checker check "date-time" too.
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{where}{error.json_path[1:]}: {error.message}" for error in validator.iter_errors(value)]
