"""`loopkeeper impact` as a user runs it: the report as text, the chart as a file, billing's unmatched events."""

from __future__ import annotations

from datetime import timedelta

from models.base import utcnow
from models.db import make_engine, transaction, upgrade
from tests.bot.cli.test_cli import loopkeeper
from tests.bot.impact.seeding import Seeder


def seeded(tmp_path, *, billed: bool = True) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'impact.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        seed = Seeder(session, workspace_id="T0CLI", now=utcnow())
        team = seed.team("billing", "C0BILLING")
        seed.groups({"within_sla": (10, 1), "never": (10, 4)}, team=team, billed=billed)
        if billed:
            unjoined = seed.account(9999, email="ops@northwind.example")
            seed.churn(unjoined, at=utcnow() - timedelta(days=3))
    engine.dispose()
    return {"DATABASE_URL": url}


def test_impact_prints_the_report_and_writes_the_chart(tmp_path):
    env = seeded(tmp_path)
    result = loopkeeper(
        "impact", "--team", "billing", "--period", "last-quarter", "--chart", "c.png", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Impact — billing, last quarter" in result.stdout
    result = loopkeeper("impact", "--team", "billing", "--chart", str(tmp_path / "c.png"), env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Impact — billing, last 90 days (")
    assert "• closed within SLA: 10 % churned (1 of 10, 95 % CI 2–40 %) · ARR lost $12,000" in out
    assert "• never closed: 40 % churned (4 of 10, 95 % CI 17–69 %) · ARR lost $48,000" in out
    assert "/loops impact unmatched" not in out  # Slack's pointers are for Slack
    assert f"Chart written to {tmp_path / 'c.png'}" in out
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_impact_unmatched_and_mistakes(tmp_path):
    env = seeded(tmp_path)
    result = loopkeeper("impact", "--unmatched", env=env)
    assert result.returncode == 0, result.stderr
    assert "Billing events no feedback joins yet: 1" in result.stdout and "ops@northwind.example" in result.stdout
    wrong = loopkeeper("impact", "--period", "fortnight", env=env)
    assert wrong.returncode == 2 and "--period: `fortnight` is not a period" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    nobody = loopkeeper("impact", "--team", "ghosts", env=env)
    assert nobody.returncode == 2 and "no team called 'ghosts'" in nobody.stderr


def test_impact_without_billing_says_how_to_connect_it(tmp_path):
    result = loopkeeper("impact", env=seeded(tmp_path, billed=False))
    assert result.returncode == 0, result.stderr
    assert "No billing data yet" in result.stdout and "/webhooks/stripe" in result.stdout
    assert "churned (" not in result.stdout
