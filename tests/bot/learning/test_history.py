"""The similar-loops summary, counted by hand: the headline, what worked, and the round bounds it says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.learning.history import PastLoop, SimilarHistory, within


def past(
    n: int,
    *,
    saved: bool,
    contact: str | None = "call",
    hours: float = 2,
    channel: str = "C0BILLING",
    score: float = 0.5,
) -> PastLoop:
    return PastLoop(
        loop_id=n,
        score=score,
        outcome="saved" if saved else "contacted_fixed",
        contact_method=contact,
        root_cause=None,
        channel_id=channel,
        card_ts=None,
        time_to_close=timedelta(hours=hours),
        saved=saved,
        recovered=False,
    )


def test_most_saved_by_one_method_says_so_with_its_slowest_time():
    # 10 neighbours: 6 saved (5 by a call, the slowest after 3.5 h; 1 by email), 4 not saved.
    considered = (
        past(1, saved=True, hours=1),
        past(2, saved=True, hours=3.5),
        past(3, saved=True, hours=0.5),
        past(4, saved=True, hours=2),
        past(5, saved=True, hours=3),
        past(6, saved=True, contact="email", hours=30),
        *(past(n, saved=False, contact="email", hours=50) for n in range(7, 11)),
    )
    history = SimilarHistory(shown=considered[:3], considered=considered)
    assert history.what_worked() == "Similar loops were saved by calling within 4 h (5 of 6)"
    assert history.headline == "3 similar loops: 3 saved by calling within 4 h"


def test_no_clear_method_falls_back_to_the_team_that_closed_most():
    considered = (
        past(1, saved=True, contact="call", channel="C0SUPPORT"),
        past(2, saved=True, contact="email", channel="C0SUPPORT"),
        past(3, saved=False, channel="C0SUPPORT"),
        past(4, saved=False, channel="C0BILLING"),
    )
    history = SimilarHistory(shown=considered[:3], considered=considered)
    assert history.what_worked(channel_id="C0BILLING") == "Similar loops were mostly closed by <#C0SUPPORT> (3 of 4)"
    # Said in the support channel itself, that would be no news.
    assert history.what_worked(channel_id="C0SUPPORT") is None
    assert history.headline == "3 similar loops: 2 saved within 4 h"


def test_a_split_history_says_nothing():
    considered = (past(1, saved=True, contact="call"), past(2, saved=True, contact="email"), past(3, saved=False))
    history = SimilarHistory(shown=considered, considered=considered[:2] + (past(3, saved=False, channel="C0X"),))
    assert history.what_worked(channel_id="C0BILLING") is None
    unsaved = SimilarHistory(shown=(past(1, saved=False),), considered=(past(1, saved=False),))
    assert unsaved.headline == "1 similar loop"


@pytest.mark.parametrize(
    ("hours", "said"),
    [(0.2, "an hour"), (1, "an hour"), (3.9, "4 h"), (20, "a day"), (24, "a day"), (50, "3 days"), (100, "a week")],
)
def test_within_rounds_up_to_what_people_say(hours, said):
    assert within(timedelta(hours=hours)) == said


def test_within_counts_days_past_a_week():
    assert within(timedelta(days=9, hours=1)) == "10 days"
