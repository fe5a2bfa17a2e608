"""The README's JSON Schema of hook events (``loopkeeper.event/v1``), and a small checker for the parts of JSON
Schema it uses, so every event the tests receive is checked against what receivers are told."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


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
    found = _check(event, root, root, "$")
    data_schema = root["$defs"]["data"].get(event.get("type"))
    if data_schema is None:
        return [*found, f"$.type: no schema for {event.get('type')!r}"]
    return found + _check(event.get("data"), data_schema, root, "$.data")


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _check(value, target, root, where)
    found: list[str] = []
    for part in schema.get("allOf", []):
        found += _check(value, part, root, where)
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(
            isinstance(value, TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool)) for k in kinds
        ):
            return [*found, f"{where}: {value!r} is not {' or '.join(kinds)}"]
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date-time":
            try:
                datetime.fromisoformat(value)
            except ValueError:
                found.append(f"{where}: {value!r} is not a date-time")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{where}: {key} is missing" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            found += [f"{where}: {key} is not in the schema" for key in value if key not in properties]
        for key, sub in properties.items():
            if key in value:
                found += _check(value[key], sub, root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += _check(item, schema["items"], root, f"{where}[{i}]")
    return found
