"""`loopkeeper doctor`: the same checks as `/loops doctor`, printed; exit 1 when any fails.

The doctor changes nothing: unlike the other commands it never migrates an SQLite database, since an
out-of-date schema is one of the things it reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.app import slack_client
from bot.delivery.slack_directory import WebDirectory
from bot.doctor.checks import Check, judge, render, summary
from bot.doctor.facts import gather
from bot.doctor.manifest import MANIFEST
from bot.errors import ConfigError
from bot.settings import Settings, database_problem, load_settings, redact_url
from models.db import make_engine

HEALTHZ_TIMEOUT_SECONDS = 3.0


def doctor_command(*, manifest: str | None) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        checks = [Check("settings", False, str(exc), "fill in .env (or the environment) as .env.example describes")]
    else:
        checks = _checks(settings, Path(manifest) if manifest else MANIFEST)
    print("\n".join(render(checks)))
    print(summary(checks))
    return 0 if all(check.ok for check in checks) else 1


def _checks(settings: Settings, manifest: Path) -> list[Check]:
    try:
        if _missing_sqlite_file(settings.database_url):  # connecting would create an empty one
            raise ConfigError(
                f"there is no database at {redact_url(settings.database_url)}; check DATABASE_URL "
                "(`loopkeeper db upgrade` creates it)"
            )
        engine = make_engine(settings.database_url)
    except SQLAlchemyError as exc:
        raise ConfigError(database_problem(settings.database_url, exc)) from None
    base = _own_url(settings)
    try:
        install = gather(
            engine=engine,
            slack=WebDirectory(slack_client(settings)),
            settings=settings,
            workspace_id=None,  # the token says which
            scheduler=_scheduler_status(base + "/healthz"),
            asked=f"the `loopkeeper run` at {base}",
            manifest=manifest,
        )
    finally:
        engine.dispose()
    return judge(install)


def _missing_sqlite_file(database_url: str) -> bool:
    url = make_url(database_url)
    path = url.database or ""
    return url.get_backend_name() == "sqlite" and path not in ("", ":memory:") and not Path(path).exists()


def _own_url(settings: Settings) -> str:
    """Where `loopkeeper run` listens with these settings, as this machine reaches it."""
    host = "127.0.0.1" if settings.host in ("", "0.0.0.0", "::") else settings.host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"


def _scheduler_status(url: str) -> Callable[[], str | None]:
    """Asks the running process's /healthz what its scheduler is doing; None when nothing answers."""

    def ask() -> str | None:
        try:
            workers = httpx.get(url, timeout=HEALTHZ_TIMEOUT_SECONDS).json().get("workers") or {}
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        status = workers.get("scheduler") if isinstance(workers, dict) else None
        return str(status) if status else None

    return ask
