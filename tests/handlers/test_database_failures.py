"""A database that cannot be written: clear answers (503 JSON, a short ephemeral message), an honest /healthz,
and no SQL parameters (customer text) in the log."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from models.db import make_engine
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload
from tests.harness import Harness

SECRET_COMMENT = "my card ending 4242 was charged twice"


def read_only(url: str) -> str:
    """The same database, opened so that every write fails (as a read-only file or replica would)."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    return url + ("&" if "?" in url else "?") + "options=-c%20default_transaction_read_only%3Don"


@pytest.fixture
def harness(settings, standin, database_url):
    engine = make_engine(database_url)
    import_config(engine, workspace_id=standin.team_id, doc=parse_config(TEST_CONFIG))
    engine.dispose()
    harness = Harness(dataclasses.replace(settings, database_url=read_only(database_url)), standin)
    harness.start()
    yield harness
    harness.stop()


def test_a_webhook_gets_503_json_with_retry_after_and_the_log_has_no_customer_text(harness, caplog):
    with caplog.at_level(logging.INFO):
        response = harness.post_webhook(feedback_payload(comment=SECRET_COMMENT))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    body = response.json()
    assert body["error"].startswith("the database cannot take writes right now") and body["error_id"]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert f"error id {body['error_id']}" in logged
    assert SECRET_COMMENT not in logged and "dana@acme.io" not in logged


def test_a_command_gets_a_short_message_not_an_http_500(harness):
    response = harness.slash("team add payments <#C0PAY|payments>", user_id="U0ADMIN")
    assert response.status_code == 200
    text = response.json()["text"]
    assert text.startswith(":warning: Loopkeeper's database is not taking changes right now, so nothing was changed")
    assert "error id `" in text


def test_healthz_says_the_database_cannot_be_written(harness):
    response = harness.http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("read-only: cannot write")
