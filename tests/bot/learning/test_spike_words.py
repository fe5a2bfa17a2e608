"""The most common words of a spike's comments: stop words and numbers left out, ties alphabetical."""

from __future__ import annotations

from bot.learning.spike_check import common_words


def test_common_words_leave_out_stop_words_and_numbers():
    comments = ["Charged twice on my invoice 2024", "The invoice charged my card twice", "invoice wrong", ""]
    assert common_words(comments) == ["invoice", "charged", "twice", "card", "wrong"]


def test_only_stop_words_or_nothing_give_no_words():
    assert common_words(["it was the", "   "]) == []
    assert common_words([]) == []
