"""The scopes the doctor requires come from slack/manifest.yml, the file people create the Slack app from."""

from __future__ import annotations

import pytest
import yaml

from bot.doctor.manifest import MANIFEST, bot_scopes
from bot.errors import ConfigError


def test_the_shipped_manifest_is_read():
    scopes = bot_scopes()
    assert MANIFEST.name == "manifest.yml" and MANIFEST.parent.name == "slack"
    assert scopes == frozenset(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "channels:history", "users:read"} <= scopes


def test_scopes_of_another_manifest(tmp_path):
    path = tmp_path / "manifest.yml"
    path.write_text("oauth_config:\n  scopes:\n    bot:\n      - chat:write   # cards\n      - ' commands '\n")
    assert bot_scopes(path) == {"chat:write", "commands"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("display_information: {name: x}\n", "has no list of scopes under oauth_config.scopes.bot"),
        ("oauth_config: {scopes: {bot: []}}\n", "has no list of scopes under oauth_config.scopes.bot"),
        ("oauth_config: {scopes: {bot: chat:write}}\n", "has no list of scopes under oauth_config.scopes.bot"),
        ("oauth_config: [\n", "cannot read the Slack app manifest"),
        ("- just\n- a list\n", "has no list of scopes"),
    ],
)
def test_an_unusable_manifest_is_a_clear_error(tmp_path, text, says):
    path = tmp_path / "manifest.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=says):
        bot_scopes(path)


def test_a_missing_manifest_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError) as raised:
        bot_scopes(tmp_path / "nowhere.yml")
    assert "installed without the source tree?" in str(raised.value)
    assert "loopkeeper doctor --manifest FILE" in str(raised.value)
