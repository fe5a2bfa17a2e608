"""What an admin may give a hook (pure): URLs, event names, and the secret's shape."""

from __future__ import annotations

import pytest

from bot.hooks.endpoints import clean_url, events_problem, new_secret, normalise_events, url_problem
from bot.hooks.events import EVENT_TYPES
from tests.hook_schema import problems, readme_example


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("<https://crm.example.com/in>", "https://crm.example.com/in"),
        ("<https://crm.example.com/in?a=1&amp;b=2|crm.example.com/in>", "https://crm.example.com/in?a=1&b=2"),
        ("  http://127.0.0.1:8080/hook ", "http://127.0.0.1:8080/hook"),
    ],
)
def test_urls_are_unwrapped_as_slack_sends_them(typed, url):
    assert clean_url(typed) == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://crm.example.com/in", None),
        ("http://127.0.0.1:8080/hook", None),
        ("ftp://crm.example.com/in", "must start with https://"),
        ("mailto:a@b.io", "must start with https://"),
        ("crm.example.com/in", "must start with https://"),
        ("https:///no-host", "has no host"),
        ("https://crm.example.com:99999999/", "is not a URL"),
        ("https://a:b@crm.example.com/", "leave credentials out"),
        ("https://crm.example.com/a b", "has spaces"),
        ("https://x.io/" + "a" * 2000, "longer than 2000"),
        ("", "give the URL"),
    ],
)
def test_url_problems(url, problem):
    found = url_problem(url)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_events_are_known_names_stored_once_in_order():
    assert normalise_events(["loop.resolved", "LOOP.OPENED", "loop.resolved"]) == ["loop.opened", "loop.resolved"]
    assert normalise_events([]) == [] and normalise_events(["all"]) == [] and normalise_events(["ALL"]) == []
    assert normalise_events(["all", "loop.closed"]) == ["loop.closed"]
    assert events_problem(EVENT_TYPES) is None
    assert (
        events_problem(["loop.opened", "loop.closed"]) == f"unknown event loop.closed; known: {', '.join(EVENT_TYPES)}"
    )


def test_secrets_are_prefixed_random_and_long():
    first, second = new_secret(), new_secret()
    assert first.startswith("lkhook_") and len(first) >= 40 and first != second


def test_the_readme_example_fits_the_readme_schema_and_a_broken_event_does_not():
    example = readme_example()
    assert problems(example) == []
    broken = {**example, "schema": "loopkeeper.event/v2", "data": {**example["data"], "extra": 1}}
    del broken["data"]["loop"]["status"]
    assert sorted(problems(broken)) == [
        "$.data.loop: 'status' is a required property",
        "$.data: Additional properties are not allowed ('extra' was unexpected)",
        "$.schema: 'loopkeeper.event/v1' was expected",
    ]
    assert problems({**readme_example(), "occurred_at": "yesterday"}) == [
        "$.occurred_at: 'yesterday' is not a 'date-time'"
    ]
