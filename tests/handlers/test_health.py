"""GET /healthz reports the database and the workers."""

from __future__ import annotations

import dataclasses

import httpx

from bot.app import Loopkeeper
from bot.server import BackgroundServer


def test_healthy_app_reports_ok_with_workers_and_outbox(harness):
    response = harness.http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["workers"] == {"delivery": "running", "scheduler": "running"}
    assert body["outbox"] == {"pending": 0, "oldest_pending_age_seconds": None}


def test_unreachable_database_gives_503(settings, standin):
    # A PostgreSQL URL where nothing listens: the database really is unreachable.
    unreachable = dataclasses.replace(settings, database_url="postgresql+psycopg://postgres@127.0.0.1:9/none")
    app = Loopkeeper(unreachable)
    server = BackgroundServer(app.asgi).start()
    try:
        response = httpx.get(server.url + "/healthz", timeout=15)
    finally:
        server.stop()
        app.stop()
    assert response.status_code == 503
    assert response.json()["database"].startswith("unreachable")
    assert "postgres@" not in response.text
