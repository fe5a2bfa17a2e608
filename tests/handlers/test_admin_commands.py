"""/loops configuration commands as Slack sends them, for admins and for everyone else."""

from __future__ import annotations

from sqlmodel import select

from models import AuditEntry, Feedback, Loop, PlaybookRecord, Route, Team
from models.admin import Admin
from models.intake_channel import IntakeChannel
from tests.factories import feedback_payload

ADMIN, MEMBER = "U0ADMIN", "U0DANA"


def say(harness, text: str, user: str = ADMIN) -> str:
    response = harness.slash(text, user_id=user)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return body["text"]


def rows(harness, model, **where):
    with harness.session() as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.exec(query))


def audit_actions(harness) -> list[str]:
    return [e.action for e in rows(harness, AuditEntry) if e.action != "config.import"]


def test_admin_adds_a_team_and_the_change_is_audited(harness):
    text = say(harness, "team add payments <#C0PAY|payments>")
    assert "Team *payments* works in <#C0PAY>" in text
    [team] = rows(harness, Team, name="payments")
    assert team.channel_id == "C0PAY" and team.digest_schedule == "weekly mon 09:00"
    [entry] = [e for e in rows(harness, AuditEntry) if e.action == "team.add"]
    assert (entry.actor, entry.target, entry.before, entry.after["channel"]) == (ADMIN, "payments", None, "C0PAY")


def test_a_member_may_look_but_not_change(harness):
    text = say(harness, "team add payments <#C0PAY|payments>", user=MEMBER)
    assert text.startswith(":lock: Sorry, only Loopkeeper admins can run `/loops team add`")
    assert rows(harness, Team, name="payments") == [] and audit_actions(harness) == []
    assert "*billing*" in say(harness, "team list", user=MEMBER)
    assert "Routes" in say(harness, "route list", user=MEMBER)
    assert "Dry run" in say(harness, "route test score=3", user=MEMBER)


def test_slack_workspace_admins_may_change_things(harness):
    harness.standin.add_user("U0OWNER", "olivia", is_owner=True)
    assert "works in" in say(harness, "team add payments <#C0PAY|payments>", user="U0OWNER")
    assert harness.standin.calls_to("users.info")[0].args["user"] == "U0OWNER"


def test_team_add_checks_the_bot_can_post_there(harness):
    harness.standin.add_channel("C0SECRET", "secret", is_private=True, is_member=False)
    harness.standin.add_channel("C0OPEN", "open", is_member=False)
    text = say(harness, "team add hush <#C0SECRET|secret>")
    assert "invite me with `/invite @Loopkeeper`" in text and rows(harness, Team, name="hush") == []
    assert "works in" in say(harness, "team add open <#C0OPEN|open>")
    assert harness.standin.calls_to("conversations.join")[0].args["channel"] == "C0OPEN"


def test_team_settings(harness):
    assert "updated" in say(harness, "team set billing lead <@U0ANA|ana> <@U0BEN|ben>")
    say(harness, "team set billing timezone Europe/Berlin")
    say(harness, "team set billing hours mon-fri 09:00-17:00")
    say(harness, "team set billing sla ack 2h close 2d")
    text = say(harness, 'team set billing digest "daily 08:30"')
    assert (
        "<@U0ANA> <@U0BEN> · Europe/Berlin · mon-fri 09:00-17:00 · SLA ack 2h / close 2d · digest daily 08:30" in text
    )
    [team] = rows(harness, Team, name="billing")
    assert (team.leads, team.sla_ack_minutes, team.sla_close_minutes) == (["U0ANA", "U0BEN"], 120, 2880)
    assert audit_actions(harness) == [
        "team.set.lead",
        "team.set.timezone",
        "team.set.hours",
        "team.set.sla",
        "team.set.digest",
    ]


BAD_COMMANDS = [
    ("team add payments #payments", "`#payments` is not a channel", "/loops team add billing #billing-feedback"),
    ("team add Pay-Ments! <#C0PAY|p>", "cannot be a team name", "/loops team add"),
    ("team add billing <#C0PAY|p>", "team `billing` already exists", "/loops team set billing"),
    ("team set ghost timezone UTC", "no team called `ghost` (teams: billing, escalations, support)", "/loops team"),
    ("team set billing timezone Mars/Base", "`Mars/Base` is not a timezone", "Europe/Berlin"),
    ("team set billing hours mon-fri 17:00-09:00", "is not a span of the day", "09:00-17:00"),
    ("team set billing sla ack soon", "cannot read duration 'soon'", "sla ack 2h close 2d"),
    ('team set billing digest "every tuesday"', "is not a schedule", "weekly mon 09:00"),
    ('team set billing digest "0 9 * * 1"', "with names (mon-fri), not numbers", "0 9 * * mon"),
    ("team set billing colour blue", "`colour` is not a team setting", "/loops team set"),
    ("team frobnicate", "`team` needs one of `add`, `list`, `remove`, `set`; got `frobnicate`", "/loops team add"),
    ("route add billing mood=sad", "`mood=sad`: unknown field 'mood'", "/loops route add billing"),
    ("route add billing comment=~(a+)+", "nests quantifiers", "/loops route add"),
    ("route add billing", "missing a team and at least one matcher", "/loops route add"),
    ("route move 9 1", "`9` is not a route number (1–3)", "/loops route move 3 1"),
    ("route test score=lots", "score must be a number", "/loops route test"),
    ('playbook add refunds comment=~refund do "Call" within soon', "cannot read duration", "/loops playbook add"),
    ("playbook add refunds comment=~refund Call them now", "after `do` in quotes", "/loops playbook add"),
    ("playbook restore my-own", "not a built-in playbook", "/loops playbook restore"),
    ("admin add dana", "`dana` is not a person", "/loops admin add @dana"),
    ("audit lots", "`lots` is not a number", "/loops audit 20"),
    ('help "unclosed', "check your quotes", "/loops playbook add"),
]


def test_every_malformed_command_says_what_where_and_shows_an_example(harness):
    for command, problem, example in BAD_COMMANDS:
        text = say(harness, command)
        assert text.startswith(":warning:"), (command, text)
        assert problem in text, (command, text)
        assert "For example: `/loops " in text and example in text.split("For example:")[1], (command, text)
    assert audit_actions(harness) == []
    assert [r.position for r in rows(harness, Route)] == [1, 2, 3]


def test_routes_can_be_added_listed_moved_and_removed_and_take_effect(harness):
    say(harness, "team add payments <#C0PAY|payments>")
    text = say(harness, "route add payments segment in smb,mid touchpoint=checkout continue")
    assert "4. `segment in smb,mid` `touchpoint=checkout` → *payments* <#C0PAY>  _continue_" in text
    text = say(harness, "route move 4 1")
    assert text.splitlines()[2].startswith("1. `segment in smb,mid`")
    response = harness.post_webhook(feedback_payload(touchpoint="checkout", customer={"segment": "smb"}))
    assert len(response.json()["loop_ids"]) == 1  # payments (continue), then no other route: default skipped
    harness.cards("C0PAY")
    assert "Route removed" in say(harness, "route remove 1")
    assert [r.position for r in rows(harness, Route)] == [1, 2, 3]
    assert "now goes to <#C0CX>" in say(harness, "route default <#C0CX|cx>")
    assert audit_actions(harness) == ["team.add", "route.add", "route.move", "route.remove", "route.default"]


def test_route_test_is_a_dry_run(harness):
    text = say(harness, "route test score=3 touchpoint=billing arr=150000", user=MEMBER)
    assert "category *detractor*" in text
    assert "matches route 1 (category=detractor arr>=150000" not in text  # matchers shown as stored
    assert "matches route 1" in text and "*escalations* <#C0ESCAL> and continues" in text
    assert "matches route 2" in text and "*billing* <#C0BILLING>" in text
    assert "Call the account owner today" in text
    assert rows(harness, Feedback) == [] and rows(harness, Loop) == []


def test_playbooks_shape_the_suggestions_on_new_cards(harness):
    text = say(harness, 'playbook add refunds comment=~refund do "Confirm the refund reached their card" within 4h')
    assert "Playbook *refunds* (is yours) now suggests 1 step(s)" in text
    assert "*refunds* (yours)" in say(harness, "playbook list", user=MEMBER)
    say(harness, "playbook remove nps-detractor")
    assert "~nps-detractor~ (built-in, switched off" in say(harness, "playbook list")
    harness.post_webhook(feedback_payload(comment="Where is my refund?"))
    [card] = harness.cards("C0BILLING")
    steps = str(card["blocks"])
    assert "Confirm the refund reached their card" in steps and "Reach out personally" not in steps
    assert "restored" in say(harness, "playbook restore nps-detractor")
    assert [r.name for r in rows(harness, PlaybookRecord)] == ["refunds"]


def test_admins_intake_channels_and_the_audit_trail(harness):
    assert "<@U0NEW> can now change" in say(harness, "admin add <@U0NEW|new>")
    assert "works in" in say(harness, "team add new-team <#C0NEW|new>", user="U0NEW")
    assert "added here: <@U0NEW>" in say(harness, "admin list", user=MEMBER)
    say(harness, "admin remove <@U0NEW|new>")
    assert rows(harness, Admin) == []
    assert ":lock:" in say(harness, "team remove new-team", user="U0NEW")
    say(harness, "intake add <#C0NPS|nps> delighted")
    assert "<#C0NPS> (delighted)" in say(harness, "intake list", user=MEMBER)
    say(harness, "intake remove <#C0NPS|nps>")
    assert sorted(c.channel_id for c in rows(harness, IntakeChannel)) == ["C0ALERTS", "C0INTAKE"]
    text = say(harness, "audit 3", user=MEMBER)
    assert "*Last 3 change(s)*" in text
    assert "`intake.remove` C0NPS" in text and "→ ∅" in text
    assert "<@U0ADMIN>" in text


def test_config_export_posts_the_yaml(harness):
    text = say(harness, "config export")
    assert "```" in text and "- name: billing" in text and "match:\n  - touchpoint=billing" in text
    assert ":lock:" in say(harness, "config export", user=MEMBER)


def _registry():
    from bot.admin.catalog import build_registry

    return build_registry()


def test_every_change_command_is_refused_for_members_and_changes_nothing(harness):
    changing = [s for s in _registry().subcommands if s.admin]
    assert len(changing) >= 14
    for subcommand in changing:
        text = say(harness, subcommand.example.removeprefix("/loops "), user=MEMBER)
        assert text.startswith(f":lock: Sorry, only Loopkeeper admins can run `/loops {subcommand.name}`"), text
    assert audit_actions(harness) == []
    assert [t.name for t in rows(harness, Team)] == ["billing", "support", "escalations"]


def test_every_read_only_command_answers_members(harness):
    for subcommand in [s for s in _registry().subcommands if not s.admin]:
        text = say(harness, subcommand.example.removeprefix("/loops "), user=MEMBER)
        if subcommand.name == "digest send":  # leads and admins only, checked against the team
            assert text.startswith(":lock: Sorry, only billing's leads"), text
            continue
        if subcommand.name in ("show", "similar"):  # the example's loop does not exist here: a clear answer
            assert text.startswith(":warning: there is no loop #42 here"), text
            continue
        if subcommand.name == "theme show":  # nor the example's theme
            assert text.startswith(":warning: there is no theme #4 here"), text
            continue
        if subcommand.name == "account":  # nor the example's account
            assert text.startswith(":warning: no account here is called or has the email or customer id"), text
            continue
        assert not text.startswith((":lock:", ":warning:")), (subcommand.name, text)


def test_help_on_a_topic_shows_each_subcommand_with_an_example(harness):
    text = say(harness, "help route", user=MEMBER)
    for name in ("add", "list", "move", "remove", "default", "test"):
        assert f"*/loops route {name}" in text
    assert "_(admins)_" in text and "Example: `/loops route test score=3 touchpoint=billing arr=50000`" in text
