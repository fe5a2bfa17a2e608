"""A workspace's hooks: checking what an admin typed (pure), adding one with a fresh secret, removing one."""

from __future__ import annotations

import html
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlmodel import Session

from bot.hooks.events import EVENT_TYPES
from models.hook import Hook, cancel_hook_deliveries, list_hooks

SECRET_PREFIX = "lkhook_"
MAX_URL = 2000
MAX_HOOKS = 10  # each event is one outbox row per hook: a bound on what one change can queue


def new_secret() -> str:
    """A fresh signing secret: 256 random bits, prefixed so log filters and people recognise it."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def clean_url(typed: str) -> str:
    """The URL as typed in Slack: unwrapped from ``<…>`` (and a ``|label``), Slack's &amp; escapes undone."""
    text = typed.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0]
    return html.unescape(text).strip()


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a hook (None when it can): http(s), a host, no credentials, not too long."""
    if not url:
        return "give the URL to send events to"
    if len(url) > MAX_URL:
        return f"the URL is longer than {MAX_URL} characters"
    if any(c.isspace() for c in url):
        return "the URL has spaces in it"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return f"`{url[:100]}` is not a URL"
    if parts.scheme not in ("http", "https"):
        return f"`{url[:100]}` must start with https:// (or http://); other schemes cannot receive events"
    if not parts.hostname:
        return f"`{url[:100]}` has no host"
    if parts.username or parts.password:
        return "leave credentials out of the URL: every event is signed, and the receiver checks the signature"
    return None


def events_problem(names: Iterable[str]) -> str | None:
    """Why these event names cannot be subscribed to (None when all are known)."""
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        return f"unknown event{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}"
    return None


def normalise_events(names: Iterable[str]) -> list[str]:
    """The events as stored: lowercase, each once, in the documented order; ``all`` (or none) means every event."""
    wanted = {name.strip().lower() for name in names if name.strip()}
    unknown = sorted(wanted - set(EVENT_TYPES) - {"all"})  # kept, for events_problem to name them
    if not unknown and (not wanted or "all" in wanted):
        return []
    return [name for name in EVENT_TYPES if name in wanted] + unknown


def add_hook(session: Session, *, workspace_id: str, url: str, events: list[str], added_by: str) -> Hook:
    """A new hook with a fresh secret, in the caller's transaction (the caller shows the secret once)."""
    hook = Hook(workspace_id=workspace_id, url=url, events=events, secret=new_secret(), added_by=added_by)
    session.add(hook)
    session.flush()
    return hook


def remove_hook(session: Session, *, hook: Hook) -> int:
    """Remove a hook and cancel what was still waiting to go to it; returns how many deliveries were cancelled."""
    cancelled = cancel_hook_deliveries(session=session, workspace_id=hook.workspace_id, hook_id=hook.id)
    session.delete(hook)
    return cancelled


def hook_count(session: Session, *, workspace_id: str) -> int:
    return len(list_hooks(session=session, workspace_id=workspace_id))
