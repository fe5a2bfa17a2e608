"""Every webhook source, fuzzed end to end through the real app: whatever a correctly signed body holds, the
answer is JSON, never a server error, and a refused body stores nothing."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from bot.intake.sources import all_sources
from models import Feedback
from tests.factories import feedback_payload
from tests.vendor_signing import vendor_headers

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"
SOURCES = sorted(all_sources())
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def documented_payloads(source: str) -> list[Any]:
    """The vendor's documented payloads for ``source`` (the generic shape comes from the factory)."""
    if source == "generic":
        return [feedback_payload(id="fuzz-generic-1")]
    return [json.loads(path.read_bytes()) for path in sorted((FIXTURES / source).glob("*.json"))]


# Where each source's response id lives; a fresh id makes a body new feedback rather than a replay.
ID_PATHS = {
    "delighted": ("event_data", "id"),
    "generic": ("id",),
    "intercom": ("data", "item", "id"),
    "typeform": ("form_response", "token"),
    "zendesk": ("ticket", "id"),
}
_fresh_ids = itertools.count(1)


def with_fresh_id(source: str, doc: Any) -> Any:
    return mutate(doc, ID_PATHS[source], f"fuzz{next(_fresh_ids)}", delete=False)


def test_every_source_has_a_documented_payload_to_mutate():
    assert SOURCES == ["delighted", "generic", "intercom", "typeform", "zendesk"]
    assert all(documented_payloads(source) for source in SOURCES)
    assert all(ID_PATHS[source] in paths(doc) for source in SOURCES for doc in documented_payloads(source))


def post(harness, source: str, body: bytes):
    for attempt in (1, 2):
        try:
            if source == "generic":
                return harness.post_webhook(None, raw=body)
            return harness.post_source(source, body, vendor_headers(source, body))
        except httpx.TransportError:
            # After a server error the server drops the keep-alive connection; that is the earlier body's doing.
            if attempt == 2:
                raise


def feedback_count(harness) -> int:
    with harness.session() as session:
        return session.exec(select(func.count()).select_from(Feedback)).one()


def answer_problem(harness, source: str, body: bytes) -> str | None:
    """What is wrong with the answer to ``body``: not 2xx/4xx, not JSON, or a row stored for a refused body."""
    before = feedback_count(harness)
    response = post(harness, source, body)
    if not 200 <= response.status_code < 500:
        return f"{response.status_code} {response.text[:100]!r}"
    if not response.headers["content-type"].startswith("application/json"):
        return f"{response.status_code} answered as {response.headers['content-type']}"
    answer = response.json()
    if response.status_code >= 400 and not isinstance(answer.get("error"), str):
        return f"{response.status_code} without an error message: {answer}"
    if (response.status_code >= 400 or "ignored" in answer) and feedback_count(harness) != before:
        return f"{response.status_code} {answer} but a feedback row was stored"
    if response.status_code < 300 and "ignored" not in answer and not isinstance(answer.get("feedback_id"), int):
        return f"{response.status_code} without a feedback id: {answer}"
    return None


def assert_answered_well(harness, source: str, body: bytes) -> None:
    problem = answer_problem(harness, source, body)
    assert problem is None, f"{problem} for {body[:300]!r}"


# -- strategies ------------------------------------------------------------------------------------------------

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-20, 20)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            " ",
            "nps",
            "csat",
            "bad",
            "good",
            "offered",
            "5",
            "-1",
            "9999999999",
            "https://x.io",
            "2026-11-23T08:12:00Z",
            "\u202e\x00",
            "\ud800",
            "1e309",
            "form_response",
            "survey_response.created",
            "conversation.rating.added",
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
        ]
    )
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """The path (keys and indexes) to every node below the root."""
    if isinstance(node, dict):
        children = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    else:
        return []
    found = []
    for key, child in children:
        found.append(prefix + (key,))
        found += paths(child, prefix + (key,))
    return found


def mutate(doc: Any, path: tuple, value: Any, delete: bool) -> Any:
    doc = copy.deepcopy(doc)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@st.composite
def mutated_payloads(draw, source: str) -> bytes:
    """A documented payload (as a replay or as new feedback) with one to three nodes replaced by any JSON value,
    or removed."""
    doc = draw(st.sampled_from(documented_payloads(source)))
    if draw(st.booleans()):
        doc = with_fresh_id(source, doc)
    for _ in range(draw(st.integers(1, 3))):
        candidates = paths(doc)
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        doc = mutate(doc, path, draw(JSON_VALUES), delete=draw(st.booleans()))
    return json.dumps(doc).encode()


# -- the properties -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(value=JSON_VALUES)
def test_any_json_value_is_answered_without_a_server_error(harness, source, value):
    assert_answered_well(harness, source, json.dumps(value).encode())


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(body=st.binary(max_size=300) | st.text(max_size=100).map(str.encode))
def test_any_bytes_are_answered_without_a_server_error(harness, source, body):
    assert_answered_well(harness, source, body)


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_mutated_documented_payloads_are_answered_without_a_server_error(harness, source, data):
    assert_answered_well(harness, source, data.draw(mutated_payloads(source), label="body"))


# -- every field each source reads, set to the values parsers tend to miss -------------------------------------

READ_FIELDS = {
    "delighted": [
        "event_type",
        "event_data",
        "event_data.id",
        "event_data.survey_type",
        "event_data.score",
        "event_data.comment",
        "event_data.person.email",
        "event_data.person_properties",
        "event_data.person_properties.Company",
        "event_data.tags",
        "event_data.created_at",
        "event_data.permalink",
    ],
    "generic": [
        "id",
        "source",
        "score",
        "scale",
        "comment",
        "customer",
        "customer.email",
        "customer.arr",
        "tags",
        "created_at",
        "url",
    ],
    "intercom": [
        "topic",
        "app_id",
        "data.item",
        "data.item.id",
        "data.item.source.author.type",
        "data.item.source.author.email",
        "data.item.conversation_rating.rating",
        "data.item.conversation_rating.remark",
        "data.item.conversation_rating.created_at",
        "data.item.conversation_rating.contact.external_id",
        "data.item.tags.tags",
    ],
    "typeform": [
        "event_type",
        "form_response.form_id",
        "form_response.token",
        "form_response.answers",
        "form_response.answers.0.type",
        "form_response.answers.0.number",
        "form_response.answers.0.field",
        "form_response.answers.1.text",
        "form_response.hidden",
        "form_response.hidden.email",
        "form_response.submitted_at",
    ],
    "zendesk": [
        "satisfaction",
        "satisfaction.score",
        "satisfaction.rating",
        "satisfaction.comment",
        "satisfaction.reason",
        "ticket.id",
        "ticket.group",
        "ticket.link",
        "requester.email",
        "requester.organization",
    ],
}
# null, a lone surrogate (valid JSON, not encodable as UTF-8), a time that overflows when made UTC, a huge number,
# and a structure where text is expected; each field is also deleted.
EDGE_VALUES = [None, "\ud800", "9999-12-31T23:59:59-14:00", 10**20, {"a": [1]}]


def dotted(path: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))


@pytest.mark.parametrize("source", SOURCES)
def test_edge_values_at_every_field_a_source_reads_are_answered_without_a_server_error(harness, source):
    [doc, *_] = documented_payloads(source)
    failures = []
    for path in READ_FIELDS[source]:
        assert dotted(path) in paths(doc), f"{path} is not in the documented {source} payload"
        for value, delete in [(value, False) for value in EDGE_VALUES] + [(None, True)]:
            body = json.dumps(mutate(with_fresh_id(source, doc), dotted(path), value, delete=delete)).encode()
            if problem := answer_problem(harness, source, body):
                failures.append(f"{path} {'deleted' if delete else '= ' + repr(value)}: {problem}")
    assert not failures, "server errors or refusals that stored rows:\n" + "\n".join(failures)
