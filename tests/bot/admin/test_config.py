"""Routing config files: validated whole (every problem with where it is), applied all at once."""

from __future__ import annotations

import pytest

from bot.admin.config.apply import apply_config
from bot.admin.config.parse import load_config, parse_config
from bot.errors import ConfigError
from models.team import list_routes, list_teams
from models.workspace import Workspace

VALID = {
    "default_channel": "C0DEFAULT",
    "teams": [
        {"name": "billing", "channel": "C0BILLING", "leads": ["U0LEAD"], "timezone": "Europe/Berlin"},
        {"name": "support", "channel": "C0SUPPORT"},
    ],
    "routes": [
        {"team": "billing", "match": ["touchpoint=billing", "score<=6"]},
        {"team": "support", "match": "scale=csat", "continue": True},
    ],
}


def test_valid_config_is_applied(session):
    apply_config(session, workspace_id="T1", doc=parse_config(VALID))
    teams = list_teams(session=session, workspace_id="T1")
    assert [(t.name, t.channel_id, t.leads, t.timezone) for t in teams] == [
        ("billing", "C0BILLING", ["U0LEAD"], "Europe/Berlin"),
        ("support", "C0SUPPORT", [], "UTC"),
    ]
    routes = list_routes(session=session, workspace_id="T1")
    assert [(r.position, r.matchers, r.continue_matching) for r in routes] == [
        (1, ["touchpoint=billing", "score<=6"], False),
        (2, ["scale=csat"], True),
    ]
    assert session.get(Workspace, "T1").default_channel_id == "C0DEFAULT"


def test_applying_again_replaces_routes_and_updates_teams(session):
    apply_config(session, workspace_id="T1", doc=parse_config(VALID))
    changed = {
        **VALID,
        "teams": [{"name": "billing", "channel": "C0NEWBILL"}],
        "routes": [{"team": "billing", "match": ["category=detractor"]}],
    }
    apply_config(session, workspace_id="T1", doc=parse_config(changed))
    assert {t.name: t.channel_id for t in list_teams(session=session, workspace_id="T1")}["billing"] == "C0NEWBILL"
    assert [r.matchers for r in list_routes(session=session, workspace_id="T1")] == [["category=detractor"]]


def test_workspaces_are_kept_apart(session):
    apply_config(session, workspace_id="T1", doc=parse_config(VALID))
    assert list_teams(session=session, workspace_id="T2") == []


BAD = [
    ({"teams": "billing"}, "teams: must be a list"),
    ({"teams": [{"name": "Billing Team", "channel": "C0B"}]}, "teams[0].name"),
    ({"teams": [{"name": "billing", "channel": "#billing"}]}, "teams[0].channel: '#billing' is not a channel ID"),
    ({"teams": [{"name": "billing", "channel": "C0BILL", "leads": ["dana"]}]}, "teams[0].leads"),
    ({"teams": [{"name": "billing", "channel": "C0BILL", "timezone": "Mars/Olympus"}]}, "unknown timezone"),
    ({"teams": [{"name": "b", "channel": "C0B1"}, {"name": "b", "channel": "C0B2"}]}, "defined more than once"),
    ({"routes": [{"team": "ghost", "match": ["score<=6"]}]}, "routes[0].team: 'ghost'"),
    ({**VALID, "routes": [{"team": "billing", "match": ["mood=sad"]}]}, "routes[0].match[0]: unknown field 'mood'"),
    ({**VALID, "routes": [{"team": "billing", "match": []}]}, "routes[0].match: must be a non-empty list"),
    ({**VALID, "routes": [{"team": "billing", "match": ["comment=~(a+)+"]}]}, "nests quantifiers"),
    (
        {"teams": [{"name": "billing", "channel": "C0BILL", "personal_digests": "yes"}]},
        "teams[0].personal_digests: must be true or false",
    ),
    (
        {"teams": [{"name": "billing", "channel": "C0BILL", "mask_emails": "on"}]},
        "teams[0].mask_emails: must be true or false",
    ),
    ({"default_channel": "general"}, "default_channel"),
    ({"root_causes": "bugs"}, "root_causes: must be a non-empty list"),
    ({"root_causes": ["Bug", "bug"]}, "root_causes: a name is listed twice"),
    ({"teamz": []}, "unknown key(s) teamz"),
    (["not", "a", "mapping"], "top level must be a mapping"),
]


@pytest.mark.parametrize("data,needle", BAD, ids=[n for _, n in BAD])
def test_bad_config_is_refused_saying_where(data, needle):
    with pytest.raises(ConfigError) as raised:
        parse_config(data, source="loopkeeper.yaml")
    assert needle in str(raised.value) and str(raised.value).startswith("loopkeeper.yaml")


def test_all_problems_are_reported_at_once():
    with pytest.raises(ConfigError) as raised:
        parse_config({"teams": [{"name": "B", "channel": "x"}], "default_channel": 5})
    message = str(raised.value)
    assert "teams[0].name" in message and "teams[0].channel" in message and "default_channel" in message


def test_bad_file_changes_nothing(session, tmp_path):
    apply_config(session, workspace_id="T1", doc=parse_config(VALID))
    path = tmp_path / "bad.yaml"
    path.write_text("teams:\n  - name: billing\n    channel: C0OTHER\nroutes:\n  - team: nope\n    match: [score<=6]\n")
    with pytest.raises(ConfigError):
        apply_config(session, workspace_id="T1", doc=load_config(path))
    assert [r.team_id for r in list_routes(session=session, workspace_id="T1")] != []
    assert {t.channel_id for t in list_teams(session=session, workspace_id="T1")} == {"C0BILLING", "C0SUPPORT"}


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("teams:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d+, column \d+"):
        load_config(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_demo_config_is_valid():
    from importlib import resources

    doc = load_config(str(resources.files("bot.demo") / "loopkeeper.yaml"))
    assert len(doc.teams) == 4 and len(doc.routes) == 5
