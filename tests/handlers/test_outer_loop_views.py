"""Where leads see the outer loop: /loops themes and theme show, root causes, digests, config and the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.ids import CardAction
from tests.factories import feedback_payload
from tests.handlers.test_themes import elevate, finance, two_loops  # noqa: F401  (finance is a fixture)

ROOT = Path(__file__).resolve().parents[2]


def say(harness, text: str, user: str = "U0ADMIN") -> str:
    return harness.slash(text, user_id=user).json()["text"]


def test_themes_are_listed_by_arr_and_shown_with_their_loops(harness, finance):  # noqa: F811
    billing, support = two_loops(harness)
    elevate(harness, billing, new_theme="Double charges", owner_team=finance)
    elevate(harness, support, new_theme="Slow refunds", owner_team=finance)
    listing = say(harness, "themes", user="U0DANA")
    assert listing.startswith("*Themes* (2, by ARR affected)")
    assert listing.index("Double charges") < listing.index("Slow refunds")  # $48,000 before $20,000
    assert "New · <#C0FINANCE> · 1 customer · $48,000 ARR · 1 detractor" in listing
    assert "Slow refunds" in say(harness, "themes finance") and say(harness, "themes shipped").startswith(
        "*Themes: shipped*: none yet"
    )
    shown = say(harness, "theme show 1", user="U0DANA")
    assert "Double charges" in shown and "> We were charged twice on the annual invoice" in shown
    assert "*Loops* (1)" in shown and "*#1* NPS 3/10 · Dana Whitfield" in shown
    assert say(harness, "theme show 99999999999").startswith(":warning: there is no theme #99999999999 here")
    assert "is neither a team nor a status" in say(harness, "themes nonsense")


def test_root_causes_are_configurable_required_and_counted_in_the_digest(harness):
    assert "can now be chosen" in say(harness, 'rootcause add "Data migration"')
    assert say(harness, 'rootcause add "Data migration"', user="U0DANA").startswith(":lock:")
    assert "• Data migration" in say(harness, "rootcause list", user="U0DANA")
    assert "no longer offered" in say(harness, "rootcause remove Expectations")
    exported = say(harness, "config export")
    assert "root_causes:" in exported and "- Data migration" in exported and "Expectations" not in exported

    harness.post_webhook(feedback_payload())
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    assert harness.resolve(card, root_cause="Data migration").status_code == 200
    digest = say(harness, "digest preview billing this-week", user="U0DANA")
    assert "*Root causes* of the loops closed this period: Data migration 1" in digest


def test_the_owner_teams_digest_lists_its_themes(harness, finance):  # noqa: F811
    billing, _ = two_loops(harness)
    elevate(harness, billing, new_theme="Double charges", owner_team=finance)
    owned = say(harness, "digest preview finance this-week", user="U0DANA")
    assert "*Themes you own* (by ARR affected; all linked feedback to date)" in owned and "Double charges" in owned
    fed = say(harness, "digest preview billing this-week", user="U0DANA")
    assert "*Themes from your loops* (by ARR affected; all linked feedback to date)" in fed and "Double charges" in fed


def test_the_cli_lists_themes(harness, finance, database_url):  # noqa: F811
    billing, _ = two_loops(harness)
    elevate(harness, billing, new_theme="Double charges", owner_team=finance)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "themes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Themes (1, by ARR affected)" in result.stdout and "Double charges" in result.stdout
    assert CardAction.ELEVATE  # the theme came from the card's Elevate button
