"""`loopkeeper config export` / `config import`: YAML out, and validated all-or-nothing YAML in with a diff."""

from __future__ import annotations

import os
import sys

from dotenv import dotenv_values
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.admin.config.apply import import_config
from bot.admin.config.export import export_config, to_yaml
from bot.admin.config.parse import load_config
from bot.errors import ConfigError
from bot.settings import database_problem
from models.db import make_engine, new_session, pending_migrations, upgrade
from models.workspace import list_workspace_ids


def database_url() -> str:
    """DATABASE_URL from the environment, then .env, then the SQLite default."""
    return os.environ.get("DATABASE_URL") or dotenv_values(".env").get("DATABASE_URL") or "sqlite:///loopkeeper.db"


def open_engine() -> Engine:
    """The engine for DATABASE_URL, migrated on SQLite; ConfigError (one line) when it cannot be used."""
    url = database_url()
    try:
        engine = make_engine(url)
        behind = bool(pending_migrations(engine))
        if behind and engine.dialect.name == "sqlite":
            upgrade(url)
            behind = False
    except (SQLAlchemyError, OSError) as exc:
        raise ConfigError(database_problem(url, exc)) from None
    if behind:
        raise ConfigError("the database schema is behind; run `loopkeeper db upgrade` first")
    return engine


def pick_workspace(session: Session, given: str | None) -> str:
    if given:
        return given
    ids = list_workspace_ids(session=session)
    if len(ids) == 1:
        return ids[0]
    raise ConfigError(
        "say which workspace with --workspace T0123ABCD "
        f"({'none is' if not ids else 'several are'} in the database; `loopkeeper run` records it)"
    )


def config_export(*, workspace: str | None) -> int:
    engine = open_engine()
    try:
        with new_session(engine, read_only=True) as session:
            sys.stdout.write(to_yaml(export_config(session, workspace_id=pick_workspace(session, workspace))))
    finally:
        engine.dispose()
    return 0


def config_import(path: str, *, dry_run: bool, workspace: str | None) -> int:
    doc = load_config(path)  # validates everything before anything is touched
    engine = open_engine()
    try:
        with new_session(engine, read_only=True) as session:
            workspace_id = pick_workspace(session, workspace)
        result = import_config(engine, workspace_id=workspace_id, doc=doc, source=path, dry_run=dry_run)
    finally:
        engine.dispose()
    sys.stdout.write(result.diff or "no changes\n")
    for url, secret in result.new_hook_secrets:  # shown this once, to whoever ran the import; never logged
        print(f"New hook {url}\n  signing secret (give it to the receiver now; it is never shown again): {secret}")
    print(
        f"{path}: {len(doc.teams)} team(s), {len(doc.routes)} route(s), {len(doc.playbooks)} playbook(s), "
        f"{len(doc.intake_channels)} intake channel(s), {len(doc.admins)} admin(s) — "
        + ("valid; nothing changed (dry run)" if dry_run else "applied")
    )
    return 0
