"""Hooks in the configuration file: URLs and events only, never secrets.

A file is meant for review and version control, so a secret never goes in one: export leaves them out, and a
hook in a file with a ``secret`` is refused. Import matches hooks by URL: a hook already there keeps its secret
(receivers keep verifying) and takes the file's events; a new one gets a fresh secret, shown once to whoever ran
the import (``loopkeeper config import`` prints it); one not in the file is removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.hooks.endpoints import MAX_HOOKS, add_hook, events_problem, normalise_events, remove_hook, url_problem
from models.hook import Hook, list_hooks


@dataclass(frozen=True)
class HookConfig:
    url: str
    events: tuple[str, ...] = ()  # empty: every event


def export_hooks(session: Session, *, workspace_id: str) -> list[dict]:
    """The workspace's hooks as the file lists them: URL and events (left out when it is every event)."""
    return [
        {"url": hook.url, **({"events": list(hook.events)} if hook.events else {})}
        for hook in list_hooks(session=session, workspace_id=workspace_id)
    ]


def parse_hooks(value: object, problems: list[str]) -> tuple[HookConfig, ...]:
    """The file's ``hooks``, every problem added to ``problems`` with where it is."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append("hooks: must be a list of {url, events}")
        return ()
    hooks: list[HookConfig] = []
    for i, item in enumerate(value):
        where = f"hooks[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping with url (and optionally events)")
            continue
        if "secret" in item:
            problems.append(
                f"{where}.secret: secrets never go in configuration files; leave it out (a new hook's secret is "
                "generated and printed once when the file is imported; an existing hook keeps its own)"
            )
            continue
        unknown = set(item) - {"url", "events"}
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: url, events")
            continue
        url, events = item.get("url"), item.get("events") or []
        problem = url_problem(url) if isinstance(url, str) else "needs a url like https://crm.example.com/loopkeeper"
        if problem:
            problems.append(f"{where}.url: {problem}")
            continue
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            problems.append(f"{where}.events: must be a list of event names like loop.resolved")
            continue
        names = normalise_events(events)
        problem = events_problem(names)
        if problem:
            problems.append(f"{where}.events: {problem}")
            continue
        hooks.append(HookConfig(str(url), tuple(names)))
    urls = [h.url for h in hooks]
    for url in sorted({u for u in urls if urls.count(u) > 1}):
        problems.append(f"hooks: {url} is listed more than once")
    if len(hooks) > MAX_HOOKS:
        problems.append(f"hooks: at most {MAX_HOOKS} hooks")
    return tuple(hooks)


def apply_hooks(session: Session, *, workspace_id: str, hooks: tuple[HookConfig, ...], actor: str) -> list[Hook]:
    """Make the workspace's hooks exactly ``hooks`` (matched by URL); returns the new ones (their secrets to show)."""
    existing = {hook.url: hook for hook in list_hooks(session=session, workspace_id=workspace_id)}
    wanted = {h.url for h in hooks}
    for url, gone in existing.items():
        if url not in wanted:
            remove_hook(session, hook=gone)
    added = []
    for entry in hooks:
        hook = existing.get(entry.url)
        if hook is None:
            added.append(
                add_hook(
                    session, workspace_id=workspace_id, url=entry.url, events=list(entry.events), added_by=actor[:32]
                )
            )
        elif list(hook.events) != list(entry.events):
            hook.events = list(entry.events)
            session.add(hook)
    session.flush()
    return added
