"""The Slack scopes Loopkeeper needs, read from the app manifest people install it with (one source of truth).

The manifest lives at ``slack/manifest.yml`` in the source tree, where the README points people to paste it
from; it is read at run time, so the doctor can never disagree with it. An installation without the source
tree (a built wheel) has no manifest: the scope check then says so and how to point at one.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.errors import ConfigError

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"


def bot_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes under ``oauth_config.scopes.bot``; ConfigError naming the file when they cannot be read."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"the Slack app manifest is not at {path} (installed without the source tree?); "
            "run the doctor from a source checkout, or give it the manifest with `loopkeeper doctor --manifest FILE`"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the Slack app manifest {path}: {type(exc).__name__}") from None
    scopes = _dig(document, "oauth_config", "scopes", "bot")
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s.strip() for s in scopes):
        raise ConfigError(f"the Slack app manifest {path} has no list of scopes under oauth_config.scopes.bot")
    return frozenset(s.strip() for s in scopes)


def _dig(document: object, *keys: str) -> object:
    for key in keys:
        document = document.get(key) if isinstance(document, dict) else None
    return document
