"""The impact chart is a PNG drawn offline, whatever the names in it say."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.impact.chart import draw
from bot.impact.figures import build_report
from bot.impact.periods import last_days
from tests.bot.impact.seeding import Seeder

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_png_with_customer_text_in_it(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    seed.groups({"within_sla": (3, 1), "never": (3, 2)}, touchpoint="pay $ up $ now")  # no math mode
    seed.loop("never", churned=True, touchpoint="<!channel> & co", arr=Decimal(7))
    report = build_report(session, workspace_id="T1", team=None, window=last_days(90, end=NOW), now=NOW)
    assert report is not None
    png = draw(report)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert [r.name for r in report.touchpoints] == ["pay $ up $ now", "<!channel> & co"]


def test_a_period_with_no_churn_still_draws(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    seed.groups({"never": (2, 0)})
    report = build_report(session, workspace_id="T1", team=None, window=last_days(30, end=NOW), now=NOW)
    assert report is not None and draw(report).startswith(b"\x89PNG")
