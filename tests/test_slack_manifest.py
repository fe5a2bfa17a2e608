"""slack/manifest.yml, edited as the README's set-up steps say, asks Slack for everything Loopkeeper listens to."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = (ROOT / "slack" / "manifest.yml").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETUP = README[README.index("## Running it with your Slack workspace") : README.index("## Settings")]
PLACEHOLDER_URL = "https://loopkeeper.example.com"
# The events handlers/events.py listens to: the Home tab opened, messages in public and private intake channels.
BOT_EVENTS = {"app_home_opened", "message.channels", "message.groups"}


def socket_mode_manifest() -> dict:
    """The manifest with the README's Socket Mode edits: socket_mode_enabled true, the three URL lines deleted."""
    manifest = yaml.safe_load(MANIFEST)
    settings = manifest["settings"]
    settings["socket_mode_enabled"] = True
    for command in manifest["features"]["slash_commands"]:
        del command["url"]
    del settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]
    return manifest


def test_the_readme_names_the_manifest_edits_and_the_token_for_socket_mode():
    for words in ("`socket_mode_enabled: true`", "three", "`url`", "`request_url`", "`connections:write`", "`xapp-"):
        assert words in SETUP, words
    assert "`SLACK_APP_TOKEN`" in SETUP and "SLACK_APP_TOKEN" in (ROOT / ".env.example").read_text(encoding="utf-8")
    assert yaml.safe_dump(yaml.safe_load(MANIFEST)).count(PLACEHOLDER_URL) == 3  # the README's "three places"
    assert yaml.safe_load(MANIFEST)["settings"]["socket_mode_enabled"] is False  # HTTP unless edited


def test_the_socket_mode_manifest_needs_no_url_and_still_asks_for_every_event_click_and_command():
    manifest = socket_mode_manifest()
    assert "http" not in yaml.safe_dump(manifest)  # nothing in it needs a public URL
    settings, features = manifest["settings"], manifest["features"]
    assert set(settings["event_subscriptions"]["bot_events"]) >= BOT_EVENTS
    assert settings["interactivity"]["is_enabled"] is True  # card buttons, menus and modals
    assert [c["command"] for c in features["slash_commands"]] == ["/loops"]
    assert features["app_home"]["home_tab_enabled"] is True
