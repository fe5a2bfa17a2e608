"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

SLACK_API_DEFAULT = "https://slack.com/api/"
GENERIC_SECRET = "LOOPKEEPER_WEBHOOK_SECRET"
# Values people leave in place from examples; never accepted as real secrets.
_PLACEHOLDER_MARKERS = ("changeme", "change-me", "your-", "xxxx", "placeholder", "example", "<", "...")


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    webhook_secret: str
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_API_DEFAULT
    database_url: str = "sqlite:///loopkeeper.db"
    host: str = "127.0.0.1"
    port: int = 3000
    admins: tuple[str, ...] = ()
    default_channel: str | None = None
    demo: bool = False
    # Tuning knobs for tests and operators; not secrets.
    # Later feedback from a customer with an open loop joins that loop within this many days (0: never).
    customer_window_days: int = 14
    # Signing secrets of the webhook sources, by setting name (LOOPKEEPER_WEBHOOK_SECRET_<SOURCE>).
    source_secrets: dict[str, str] = field(default_factory=dict)
    delivery_poll_seconds: float = 1.0
    leader_poll_seconds: float = 5.0
    # How often each process's similar-loop index catches up on loops resolved elsewhere (other replicas).
    similar_refresh_seconds: float = 5.0
    slack_timeout_seconds: float = 10.0
    delivery_concurrency: int = 4
    delivery_lease_seconds: float = 60.0  # a claimed item's lease; after a crash it is sent again after this
    log_format: str = "text"  # or json: one object per line
    post_per_second: float = 1.0  # chat.postMessage per channel (Slack: about 1 a second)
    post_burst: int = 3  # ... with this many at once
    # Stripe test-mode events (livemode false) count as real account outcomes: for trying it out only.
    stripe_test_events: bool = False
    hook_timeout_seconds: float = 5.0  # an outgoing webhook's POST: connect and answer within this
    # Personal data of loops resolved longer ago than this many days is anonymised daily; None: kept (off).
    retention_days: int | None = None

    def __repr__(self) -> str:  # never print secrets, even by accident
        return (
            f"Settings(database_url={redact_url(self.database_url)!r}, host={self.host!r}, port={self.port}, "
            f"slack_api_url={self.slack_api_url!r}, socket_mode={self.slack_app_token is not None}, demo={self.demo})"
        )

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value, so log filters can scrub them."""
        return tuple(
            s
            for s in (
                self.slack_bot_token,
                self.slack_signing_secret,
                self.webhook_secret,
                self.slack_app_token,
                *self.source_secrets.values(),
            )
            if s
        )

    def secret(self, setting: str) -> str | None:
        """The value of a webhook secret setting, or None when it is unset or a placeholder."""
        value = self.webhook_secret if setting == GENERIC_SECRET else self.source_secrets.get(setting)
        return None if is_placeholder(value) else value


def redact_url(url: str) -> str:
    """A database URL fit for messages and logs: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # reported by the engine later; here we only must not leak it
        return "<unparseable>"


def is_placeholder(value: str | None) -> bool:
    """True when a secret is missing or still the example text."""
    if value is None or not value.strip():
        return True
    lowered = value.strip().lower()
    return any(marker in lowered for marker in _PLACEHOLDER_MARKERS)


def load_settings(env: dict[str, str] | None = None, *, env_file: str | Path | None = ".env") -> Settings:
    """Read settings from ``env`` (default: the process environment over `.env`)."""
    if env is None:
        merged: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        merged.update(os.environ)
        env = merged

    def get(name: str) -> str | None:
        value = env.get(name)
        return value.strip() if value is not None and value.strip() else None

    problems = []
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "LOOPKEEPER_WEBHOOK_SECRET"):
        if is_placeholder(get(name)):
            problems.append(f"{name} is missing or still a placeholder")
    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token and not is_placeholder(bot_token) and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    app_token = get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp- (or left empty)")
    window_text = get("LOOPKEEPER_CUSTOMER_WINDOW_DAYS") or "14"
    if not (window_text.isascii() and window_text.isdigit() and len(window_text) <= 5):
        problems.append(f"LOOPKEEPER_CUSTOMER_WINDOW_DAYS must be a whole number of days, got {window_text!r}")

    def number(name: str, default: float, *, kind: type = float, low: float = 0, high: float = 1e9) -> float:
        text = get(name)
        if text is None:
            return default
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not low < value <= high:
            problems.append(
                f"{name} must be a {'whole ' if kind is int else ''}number above {low:g}"
                f"{f' and at most {high:g}' if high < 1e9 else ''}, got {text!r}"
            )
            return default
        return value

    slack_timeout = number("LOOPKEEPER_SLACK_TIMEOUT_SECONDS", 10.0, high=120)
    hook_timeout = number("LOOPKEEPER_HOOK_TIMEOUT_SECONDS", 5.0, high=30)
    lease = number("LOOPKEEPER_DELIVERY_LEASE_SECONDS", 60.0)
    similar_refresh = number("LOOPKEEPER_SIMILAR_REFRESH_SECONDS", 5.0, high=3600)
    concurrency = int(number("LOOPKEEPER_DELIVERY_CONCURRENCY", 4, kind=int, high=64))
    posts_per_second = number("LOOPKEEPER_POSTS_PER_SECOND", 1.0)
    post_burst = int(number("LOOPKEEPER_POST_BURST", 3, kind=int, high=1000))
    log_format = (get("LOOPKEEPER_LOG_FORMAT") or "text").lower()
    test_events = (get("LOOPKEEPER_STRIPE_TEST_EVENTS") or "false").lower()
    if test_events not in ("true", "false"):
        problems.append(f"LOOPKEEPER_STRIPE_TEST_EVENTS must be true or false, got {test_events!r}")
    if log_format not in ("text", "json"):
        problems.append(f"LOOPKEEPER_LOG_FORMAT must be text or json, got {log_format!r}")
    retention_text = (get("LOOPKEEPER_RETENTION_DAYS") or "off").lower()
    retention_days = None
    if retention_text != "off":
        if not (retention_text.isascii() and retention_text.isdigit() and 0 < int(retention_text) <= 36500):
            problems.append(
                "LOOPKEEPER_RETENTION_DAYS must be a whole number of days from 1 to 36500, or off; "
                f"got {retention_text!r}"
            )
        else:
            retention_days = int(retention_text)
    port_text = get("LOOPKEEPER_PORT") or "3000"
    if not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5) or not 0 <= int(port_text) <= 65535:
        problems.append(f"LOOPKEEPER_PORT must be a port number, got {port_text!r}")
    if problems:
        raise ConfigError("Loopkeeper cannot start: " + "; ".join(problems) + ". See .env.example.")

    api_url = get("SLACK_API_URL") or SLACK_API_DEFAULT
    return Settings(
        slack_bot_token=bot_token or "",
        slack_signing_secret=get("SLACK_SIGNING_SECRET") or "",
        webhook_secret=get("LOOPKEEPER_WEBHOOK_SECRET") or "",
        slack_app_token=app_token,
        slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
        database_url=get("DATABASE_URL") or "sqlite:///loopkeeper.db",
        host=get("LOOPKEEPER_HOST") or "127.0.0.1",
        port=int(port_text),
        admins=tuple(u.strip() for u in (get("LOOPKEEPER_ADMINS") or "").split(",") if u.strip()),
        default_channel=get("LOOPKEEPER_DEFAULT_CHANNEL"),
        customer_window_days=int(window_text),
        source_secrets={
            name: value.strip()
            for name, value in env.items()
            if name.startswith(GENERIC_SECRET + "_") and value and value.strip()
        },
        log_format=log_format,
        slack_timeout_seconds=slack_timeout,
        delivery_lease_seconds=lease,
        similar_refresh_seconds=similar_refresh,
        delivery_concurrency=concurrency,
        post_per_second=posts_per_second,
        post_burst=post_burst,
        stripe_test_events=test_events == "true",
        hook_timeout_seconds=hook_timeout,
        retention_days=retention_days,
    )


def database_problem(url: str, error: BaseException) -> str:
    """One line saying which database could not be used and why (the password hidden)."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200] or type(error).__name__
    hint = ""
    if url.startswith("sqlite") and "unable to open" in reason:
        hint = " (does its directory exist, and may Loopkeeper write there?)"
    return f"cannot use the database {redact_url(url)}: {reason}{hint}; check DATABASE_URL"
