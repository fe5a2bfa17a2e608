"""Fixtures: a fresh database per test (SQLite, and PostgreSQL when configured), the Slack
stand-in, and the real app served over HTTP."""

from __future__ import annotations

import os
import shutil

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table for TABLES)
from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.demo.standin import SlackStandIn
from bot.settings import Settings
from models.db import alembic_config, make_engine, new_session, upgrade
from tests.factories import SOURCE_SECRETS
from tests.harness import Harness

PG_URL = os.environ.get("LOOPKEEPER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# Every table, children first (what TRUNCATE empties between PostgreSQL tests).
TABLES = tuple(table.name for table in reversed(SQLModel.metadata.sorted_tables))

TEST_CONFIG = {
    "default_channel": "C0DEFAULT",
    "teams": [
        {"name": "billing", "channel": "C0BILLING", "leads": ["U0BILLLEAD"]},
        {"name": "support", "channel": "C0SUPPORT"},
        {"name": "escalations", "channel": "C0ESCAL"},
    ],
    "intake_channels": [{"channel": "C0INTAKE", "source": "delighted"}, {"channel": "C0ALERTS"}],
    "routes": [
        {"team": "escalations", "match": ["category=detractor", "arr>=100000"], "continue": True},
        {"team": "billing", "match": ["touchpoint=billing"]},
        {"team": "support", "match": ["scale=csat"]},
    ],
}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """An SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    """The PostgreSQL test database, rebuilt from migrations once per session."""
    engine = make_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "loopkeeper.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_migrated")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def old_schema_url(database_url, standin):
    """The test configuration in a database one migration behind the code (configured first, then stepped back;
    brought up to date afterwards: PostgreSQL's is shared). Its revision: ``previous_migration()``."""
    engine = make_engine(database_url)
    import_config(engine, workspace_id=standin.team_id, doc=parse_config(TEST_CONFIG))
    engine.dispose()
    command.downgrade(alembic_config(database_url), "-1")
    yield database_url
    upgrade(database_url)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with new_session(engine) as session:
        yield session


@pytest.fixture
def standin():
    standin = SlackStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def settings(database_url, standin) -> Settings:
    return suite_settings(database_url, standin)


def suite_settings(database_url: str, standin: SlackStandIn) -> Settings:
    """The suite's settings: the app on ``database_url``, talking to ``standin``."""
    return Settings(
        slack_bot_token=standin.bot_token,
        slack_signing_secret="test-signing-secret-0123456789",
        webhook_secret="test-webhook-secret-0123456789",
        slack_api_url=standin.url,
        database_url=database_url,
        default_channel="C0DEFAULT",
        source_secrets=dict(SOURCE_SECRETS),
        admins=("U0ADMIN",),
        delivery_poll_seconds=0.05,
        slack_timeout_seconds=2,
    )


@pytest.fixture
def harness(settings, standin):
    """The real app on real HTTP, routing configured, workers running."""
    harness = Harness(settings, standin)
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    harness.start()
    yield harness
    harness.stop()
