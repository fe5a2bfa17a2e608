"""Spike alerts end to end: seeded detractors, the hourly check at the test clock's time, the alert as the Slack
stand-in received it, and its Elevate as theme button clicked over signed HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.ids import SpikeAction
from bot.learning.spike_check import check_spikes
from models.db import transaction
from models.theme import list_theme_links, list_themes
from tests.bot.learning.seeding import detractor

ADMIN = "U0ADMIN"
COMMENTS = (
    "Charged twice on my invoice",
    "The invoice charged my card twice",
    "Double charged again on this invoice",
)


def seed(
    harness, *, recent: int, baseline_days: int = 28, touchpoint: str = "billing", hours_ago: int = 1
) -> list[int]:
    """One billing detractor a day over the 28 days before the last 24 h, then ``recent`` within the last 24 h (an
    hour apart, the newest ``hours_ago`` hours ago); the ids of the recent ones' loops."""
    now = harness.clock()
    recent_loops = []
    with transaction(harness.app.engine) as session:
        where = {"session": session, "workspace_id": harness.workspace_id, "product": "Fleet Planner"}
        for day in range(baseline_days):
            detractor(**where, received=now - timedelta(days=day + 1, hours=2), comment="Slow invoices page")
        for n in range(recent):
            _, loop = detractor(
                **where,
                received=now - timedelta(hours=hours_ago + n),
                comment=COMMENTS[n % len(COMMENTS)],
                touchpoint=touchpoint,
            )
            recent_loops.append(loop.id)
    return recent_loops


def check(harness) -> int:
    """The hourly job, run now by the test clock; the worker sends what it queued."""
    queued = check_spikes(harness.app.engine, now=harness.clock())
    harness.app.worker.wake()
    harness.wait_until_delivered()
    return queued


def alerts(harness) -> list[dict]:
    return [
        {**m, "channel": "C0BILLING"} for m in harness.standin.messages("C0BILLING") if m["text"].startswith("Spike")
    ]


def say(harness, text: str, user: str = ADMIN) -> str:
    response = harness.slash(text, user_id=user)
    assert response.status_code == 200, response.text
    return response.json()["text"]


def test_twelve_detractors_against_one_a_day_alert_once(harness):
    loops = seed(harness, recent=12)
    assert harness.app.scheduler.get_job("spike-alerts").trigger.interval == timedelta(hours=1)
    # The touchpoint and the product both spike, with the same loops: the team hears of it once.
    assert check(harness) == 1
    [alert] = alerts(harness)
    text = "\n".join(b["text"]["text"] for b in alert["blocks"] if b["type"] == "section")
    assert "*Spike: 12 detractors at touchpoint billing*" in text
    assert "Usually 1.0 a day over the 28 days before" in text
    assert "*Most common words:* `charged`, `invoice`, `twice`" in text
    for loop_id in loops:
        assert f"/p1700000000{loop_id:06d}|#{loop_id}>" in text
    assert harness.buttons(alert) == [SpikeAction.ELEVATE]

    harness.clock.travel_to(harness.clock() + timedelta(hours=1))
    assert check(harness) == 0
    assert len(alerts(harness)) == 1


def test_a_spike_alerts_again_only_after_it_calmed_down(harness):
    seed(harness, recent=12)
    assert check(harness) == 1
    harness.clock.travel_to(harness.clock() + timedelta(days=1, hours=13))  # the 12 have left the last 24 h
    assert check(harness) == 0
    seed(harness, recent=12, baseline_days=0)
    assert check(harness) == 1
    assert len(alerts(harness)) == 2


def test_two_in_a_day_are_no_spike(harness):
    seed(harness, recent=2)
    assert check(harness) == 0
    assert alerts(harness) == []


def test_a_touchpoint_without_history_needs_more_than_four(harness):
    seed(harness, recent=4, baseline_days=0, touchpoint="checkout")
    assert check(harness) == 0
    assert alerts(harness) == []


def test_a_team_with_spikes_off_hears_nothing(harness):
    assert ":white_check_mark: *billing* updated." in say(harness, "team set billing spikes off")
    assert "spike alerts off" in say(harness, "team list")
    assert "spikes: false" in say(harness, "config export")
    seed(harness, recent=12)
    assert check(harness) == 0
    assert alerts(harness) == []
    refused = say(harness, "team set billing spikes maybe")
    assert "`maybe`: say on or off" in refused and "/loops team set billing spikes off" in refused
    say(harness, "team set billing spikes on")
    assert check(harness) == 1


def test_elevate_as_theme_creates_one_theme_linking_every_loop(harness):
    loops = seed(harness, recent=12)
    assert check(harness) == 1
    [alert] = alerts(harness)
    assert harness.click(alert, SpikeAction.ELEVATE, user_id="U0DANA").status_code == 200
    with harness.session() as session:
        [theme] = list_themes(session=session, workspace_id=harness.workspace_id)
        linked = sorted(link.loop_id for link in list_theme_links(session=session, theme_id=theme.id))
    assert theme.name == "Spike: touchpoint billing" and theme.channel_id == "C0BILLING"
    assert linked == sorted(loops)
    # The alert is updated at once; the 12 cards' notes queue behind Slack's one post a second per channel.
    elevated = f"Elevated by <@U0DANA> to theme #{theme.id}"
    [updated] = harness.standin.wait_for(lambda: [a for a in alerts(harness) if elevated in str(a["blocks"])])
    assert SpikeAction.ELEVATE not in harness.buttons(updated)
    # A second click (an old copy of the message) changes nothing and says why.
    assert harness.click(alert, SpikeAction.ELEVATE, user_id="U0SAM").status_code == 200
    [reply] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert f"already elevated to theme #{theme.id}" in reply.args["text"]
    with harness.session() as session:
        assert len(list_themes(session=session, workspace_id=harness.workspace_id)) == 1


def test_forgetting_a_customer_takes_their_words_out_of_the_alert(harness):
    seed(harness, recent=6)
    now = harness.clock()
    with transaction(harness.app.engine) as session:  # one customer writes twice, naming their depot
        where = {"session": session, "workspace_id": harness.workspace_id, "product": "Fleet Planner"}
        hers, _ = detractor(**where, received=now - timedelta(minutes=30), comment="Aardvark depot invoice wrong")
        again, _ = detractor(**where, received=now - timedelta(minutes=20), comment="Aardvark depot, still wrong")
        again.customer_id = hers.customer_id
        session.add(again)
    assert check(harness) == 1
    [alert] = alerts(harness)
    assert "`aardvark`" in json.dumps(alert["blocks"])  # in two comments, though both are hers

    answer = say(harness, f"forget {hers.customer_id} confirm")
    assert answer.startswith(":wastebasket: Forgot 1 customer: 2 feedback, 2 loops")
    harness.wait_until_delivered()

    [alert] = alerts(harness)  # the same message, updated in place
    words = next(b["text"]["text"] for b in alert["blocks"] if "Most common words" in b.get("text", {}).get("text", ""))
    assert "aardvark" not in words and "depot" not in words
    assert words.endswith("`charged`, `invoice`, `twice`, `card`, `double`")
