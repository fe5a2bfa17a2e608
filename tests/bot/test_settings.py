"""Settings: every variable read, placeholders refused with the variable's name, secrets never printed."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.settings import SLACK_API_DEFAULT, is_placeholder, load_settings

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdefghijkl",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
    "LOOPKEEPER_WEBHOOK_SECRET": "0c9d7f4e2a1b3c5d6e7f8a9b",
}


def test_defaults():
    settings = load_settings(dict(GOOD))
    assert settings.database_url == "sqlite:///loopkeeper.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)
    assert settings.slack_api_url == SLACK_API_DEFAULT
    assert settings.slack_app_token is None and settings.admins == () and settings.default_channel is None


def test_every_variable_is_read():
    settings = load_settings(
        {
            **GOOD,
            "SLACK_APP_TOKEN": "xapp-1-A0-123-abc",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
            "DATABASE_URL": "postgresql+psycopg://lk:pw@db/lk",
            "LOOPKEEPER_HOST": "0.0.0.0",
            "LOOPKEEPER_PORT": "8080",
            "LOOPKEEPER_ADMINS": "U01, U02,,",
            "LOOPKEEPER_DEFAULT_CHANNEL": "C0GENERAL",
        }
    )
    assert settings.slack_app_token == "xapp-1-A0-123-abc"
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert settings.admins == ("U01", "U02") and settings.default_channel == "C0GENERAL"


def test_delivery_tuning_and_log_format():
    defaults = load_settings(dict(GOOD))
    assert (defaults.post_per_second, defaults.post_burst, defaults.delivery_concurrency) == (1.0, 3, 4)
    assert (defaults.slack_timeout_seconds, defaults.delivery_lease_seconds, defaults.log_format) == (10, 60, "text")
    tuned = load_settings(
        {
            **GOOD,
            "LOOPKEEPER_POSTS_PER_SECOND": "0.5",
            "LOOPKEEPER_POST_BURST": "1",
            "LOOPKEEPER_DELIVERY_CONCURRENCY": "8",
            "LOOPKEEPER_SLACK_TIMEOUT_SECONDS": "5",
            "LOOPKEEPER_DELIVERY_LEASE_SECONDS": "30",
            "LOOPKEEPER_LOG_FORMAT": "JSON",
        }
    )
    assert (tuned.post_per_second, tuned.post_burst, tuned.delivery_concurrency) == (0.5, 1, 8)
    assert (tuned.slack_timeout_seconds, tuned.delivery_lease_seconds, tuned.log_format) == (5, 30, "json")
    assert not tuned.stripe_test_events
    assert load_settings({**GOOD, "LOOPKEEPER_STRIPE_TEST_EVENTS": "TRUE"}).stripe_test_events


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "LOOPKEEPER_WEBHOOK_SECRET"])
@pytest.mark.parametrize("value", [None, "", "   ", "xoxb-your-bot-token", "changeme", "<your signing secret>"])
def test_missing_or_placeholder_secret_names_the_variable(name, value):
    env = dict(GOOD)
    if value is None:
        del env[name]
    else:
        env[name] = value
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert name in str(raised.value) and ".env.example" in str(raised.value)


@pytest.mark.parametrize(
    "env,needle",
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token-1234"}, "xoxb-"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "xapp-"),
        ({"LOOPKEEPER_PORT": "eighty"}, "LOOPKEEPER_PORT"),
        ({"LOOPKEEPER_PORT": "70000"}, "LOOPKEEPER_PORT"),
        ({"LOOPKEEPER_DELIVERY_CONCURRENCY": "2.5"}, "LOOPKEEPER_DELIVERY_CONCURRENCY must be a whole number above 0"),
        ({"LOOPKEEPER_POSTS_PER_SECOND": "0"}, "LOOPKEEPER_POSTS_PER_SECOND must be a number above 0, got '0'"),
        ({"LOOPKEEPER_SLACK_TIMEOUT_SECONDS": "600"}, "at most 120"),
        ({"LOOPKEEPER_LOG_FORMAT": "xml"}, "LOOPKEEPER_LOG_FORMAT must be text or json"),
        ({"LOOPKEEPER_STRIPE_TEST_EVENTS": "yes"}, "LOOPKEEPER_STRIPE_TEST_EVENTS must be true or false, got 'yes'"),
    ],
)
def test_malformed_values_are_explained(env, needle):
    with pytest.raises(ConfigError, match=needle):
        load_settings({**GOOD, **env})


def test_error_messages_and_repr_never_contain_secrets():
    settings = load_settings({**GOOD, "DATABASE_URL": "postgresql+psycopg://lk:hunter2pw@db/lk"})
    text = repr(settings) + str(settings)
    for secret in (*GOOD.values(), "hunter2pw"):
        assert secret not in text
    with pytest.raises(ConfigError) as raised:
        load_settings({**GOOD, "SLACK_BOT_TOKEN": "xoxp-secret-user-token"})
    assert "xoxp-secret-user-token" not in str(raised.value)


def test_env_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(f"{k}={v}" for k, v in GOOD.items()) + "\nLOOPKEEPER_PORT=4000\n")
    monkeypatch.setenv("LOOPKEEPER_PORT", "5000")
    settings = load_settings(env_file=env_file)
    assert settings.port == 5000 and settings.slack_bot_token == GOOD["SLACK_BOT_TOKEN"]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("xoxb-123-456-abc", False),
        (None, True),
        ("", True),
        ("your-token-here", True),
        ("CHANGEME", True),
    ],
)
def test_is_placeholder(value, expected):
    assert is_placeholder(value) is expected


def test_source_secrets_and_customer_window():
    settings = load_settings(
        {
            **GOOD,
            "LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM": "tf-secret-123456",
            "LOOPKEEPER_WEBHOOK_SECRET_ZENDESK": "  ",
            "LOOPKEEPER_CUSTOMER_WINDOW_DAYS": "0",
        }
    )
    assert settings.secret("LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM") == "tf-secret-123456"
    assert settings.secret("LOOPKEEPER_WEBHOOK_SECRET_ZENDESK") is None
    assert settings.secret("LOOPKEEPER_WEBHOOK_SECRET_INTERCOM") is None
    assert settings.secret("LOOPKEEPER_WEBHOOK_SECRET") == GOOD["LOOPKEEPER_WEBHOOK_SECRET"]
    assert settings.customer_window_days == 0
    assert "tf-secret-123456" in settings.secrets and "tf-secret-123456" not in repr(settings)


def test_bad_customer_window_is_explained():
    with pytest.raises(ConfigError, match="LOOPKEEPER_CUSTOMER_WINDOW_DAYS"):
        load_settings({**GOOD, "LOOPKEEPER_CUSTOMER_WINDOW_DAYS": "two weeks"})


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("off", None), ("OFF", None), ("30", 30), ("1", 1)])
def test_retention_days_are_off_unless_set(value, expected):
    env = {**GOOD, **({"LOOPKEEPER_RETENTION_DAYS": value} if value is not None else {})}
    assert load_settings(env).retention_days == expected


@pytest.mark.parametrize("value", ["0", "-5", "thirty", "30d", "99999"])
def test_bad_retention_days_are_explained(value):
    with pytest.raises(ConfigError, match="LOOPKEEPER_RETENTION_DAYS must be a whole number of days from 1 to 36500"):
        load_settings({**GOOD, "LOOPKEEPER_RETENTION_DAYS": value})
