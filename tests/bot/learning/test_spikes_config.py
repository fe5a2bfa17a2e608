"""A team's spike alerts as configuration: off is kept through export and import, anything else is refused."""

from __future__ import annotations

import pytest

from bot.admin.config.apply import apply_config
from bot.admin.config.export import export_config
from bot.admin.config.parse import parse_config
from bot.errors import ConfigError
from models.team import list_teams

CONFIG = {
    "default_channel": "C0DEFAULT",
    "teams": [{"name": "billing", "channel": "C0BILLING", "spikes": False}, {"name": "support", "channel": "C0SUP"}],
    "routes": [{"team": "billing", "match": ["touchpoint=billing"]}],
}


def test_spikes_off_survives_export_and_import(session):
    apply_config(session, workspace_id="T1", doc=parse_config(CONFIG))
    assert [(t.name, t.spikes) for t in list_teams(session=session, workspace_id="T1")] == [
        ("billing", False),
        ("support", True),
    ]
    exported = export_config(session, workspace_id="T1")
    assert [team.get("spikes") for team in exported["teams"]] == [False, None]  # on is the default: not written
    assert parse_config(exported) == parse_config(CONFIG)


def test_spikes_must_be_true_or_false():
    with pytest.raises(ConfigError, match=r"teams\[0\]\.spikes: must be true or false"):
        parse_config({"teams": [{"name": "billing", "channel": "C0BILL", "spikes": "off"}]}, source="loopkeeper.yaml")
