"""The words a group of comments has in common (a digest's and a spike alert's): counted once per comment, in
two comments at least, stop words and numbers left out, ties alphabetical."""

from __future__ import annotations

from bot.insight.words import common_words


def test_counted_once_per_comment_and_only_when_two_comments_share_it():
    comments = ["Charged twice on my invoice 2024", "The invoice charged my card twice", "invoice wrong", ""]
    # "card" and "wrong" are one customer's words each; "2024" is a number; "on", "my", "the" are stop words.
    assert common_words(comments) == [("invoice", 3), ("charged", 2), ("twice", 2)]


def test_a_word_repeated_in_one_comment_counts_once():
    assert common_words(["Slow slow slow app", "The app is slow", "Great support"]) == [("app", 2), ("slow", 2)]


def test_the_most_used_first_ties_alphabetical_and_at_most_top():
    comments = ["alpha beta gamma delta", "alpha beta gamma delta", "alpha beta", "alpha"]
    assert common_words(comments, top=3) == [("alpha", 4), ("beta", 3), ("delta", 2)]


def test_nothing_shared_gives_no_words():
    assert common_words(["it was the", "   "]) == []
    assert common_words(["Zanzibar shipping", "Refund please"]) == []
    assert common_words(["Only one comment, only one customer"]) == []
    assert common_words([None, ""]) == []
