"""Hooks in the configuration file: URLs and events exported, never a secret; imported by URL, a new hook's secret
generated and shown once to whoever ran the import."""

from __future__ import annotations

import re

import pytest

from bot.admin.config.apply import apply_config, import_config
from bot.admin.config.export import export_config, to_yaml
from bot.admin.config.parse import parse_config
from bot.errors import ConfigError
from models.db import new_session
from models.hook import list_hooks
from tests.bot.cli.test_cli import loopkeeper

CRM, SURVEY = "https://crm.example.com/loopkeeper", "https://survey.example.com/hooks/lk?src=slack&x=1"
HOOKS = {"hooks": [{"url": CRM}, {"url": SURVEY, "events": ["loop.resolved"]}]}


def test_import_adds_hooks_with_fresh_secrets_and_export_lists_them_without(engine):
    result = import_config(engine, workspace_id="T1", doc=parse_config(HOOKS))
    assert [url for url, _ in result.new_hook_secrets] == [CRM, SURVEY]
    assert all(secret.startswith("lkhook_") and len(secret) > 40 for _, secret in result.new_hook_secrets)
    assert "+- url: https://crm.example.com/loopkeeper" in result.diff
    with new_session(engine, read_only=True) as session:
        exported = export_config(session, workspace_id="T1")
        stored = {h.url: h.secret for h in list_hooks(session=session, workspace_id="T1")}
    assert exported["hooks"] == [{"url": CRM}, {"url": SURVEY, "events": ["loop.resolved"]}]
    assert stored == dict(result.new_hook_secrets)
    assert "lkhook_" not in to_yaml(exported) and "lkhook_" not in result.diff


def test_reimport_keeps_secrets_changes_events_and_removes_what_is_gone(session):
    [crm, survey] = apply_config(session, workspace_id="T1", doc=parse_config(HOOKS))
    secrets = (crm.secret, survey.secret)
    changed = {"hooks": [{"url": SURVEY, "events": ["loop.resolved", "loop.reopened"]}]}
    assert apply_config(session, workspace_id="T1", doc=parse_config(changed)) == []  # nothing new: no secret shown
    [kept] = list_hooks(session=session, workspace_id="T1")
    assert (kept.url, kept.events, kept.secret) == (SURVEY, ["loop.resolved", "loop.reopened"], secrets[1])


def test_a_dry_run_shows_new_hooks_but_no_secret(engine):
    result = import_config(engine, workspace_id="T1", doc=parse_config(HOOKS), dry_run=True)
    assert "+- url: https://crm.example.com/loopkeeper" in result.diff and result.new_hook_secrets == ()


@pytest.mark.parametrize(
    ("hooks", "problem"),
    [
        ([{"url": CRM, "secret": "lkhook_abc"}], "hooks[0].secret: secrets never go in configuration files"),
        ([{"url": "ftp://x.example.com"}], "hooks[0].url: `ftp://x.example.com` must start with https://"),
        ([{"url": CRM, "events": ["loop.closed"]}], "hooks[0].events: unknown event loop.closed"),
        ([{"url": CRM, "headers": {}}], "hooks[0]: unknown key(s) headers; known: url, events"),
        ([{"url": CRM}, {"url": CRM}], f"hooks: {CRM} is listed more than once"),
        ("https://x", "hooks: must be a list"),
    ],
)
def test_bad_hooks_are_refused_with_where(hooks, problem):
    with pytest.raises(ConfigError) as refused:
        parse_config({"hooks": hooks})
    assert problem in str(refused.value)


def test_cli_import_prints_a_new_hooks_secret_once(tmp_path):
    path = tmp_path / "lk.yaml"
    path.write_text(f"hooks:\n  - url: {CRM}\n    events: [loop.resolved]\n")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'lk.db'}"}
    first = loopkeeper("config", "import", str(path), "--workspace", "T0X", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    [secret] = re.findall(r"never shown again\): (lkhook_\S+)", first.stdout)
    assert f"New hook {CRM}" in first.stdout
    again = loopkeeper("config", "import", str(path), "--workspace", "T0X", cwd=tmp_path, env=env)
    exported = loopkeeper("config", "export", cwd=tmp_path, env=env).stdout
    assert "no changes" in again.stdout and secret not in again.stdout + again.stderr + first.stderr
    assert f"- url: {CRM}" in exported and secret not in exported and "lkhook_" not in exported
