"""The words a group of comments has in common: what a digest and a spike alert show of what customers said."""

from __future__ import annotations

from collections.abc import Iterable

TOP_WORDS = 5
# Words of three letters or more, no digits (an order number says nothing about a group).
_TOKEN = r"(?u)\b[^\W\d_]{3,}\b"


def common_words(comments: Iterable[str | None], *, top: int = TOP_WORDS) -> list[tuple[str, int]]:
    """The words most comments use, each with how many comments use it (once per comment, so a count can be
    explained), most used first, ties alphabetical; English stop words left out. A word must be in two comments
    at least: one customer's own word is theirs, not the group's (and erasing that customer takes it out)."""
    texts = [text for text in comments if text and text.strip()]
    if len(texts) < 2:
        return []
    from sklearn.feature_extraction.text import (
        CountVectorizer,
    )  # imported on first use: a process that never needs it keeps its memory (scikit-learn: 117 MiB)

    vectorizer = CountVectorizer(stop_words="english", token_pattern=_TOKEN, binary=True, lowercase=True, min_df=2)
    try:
        counts = vectorizer.fit_transform(texts).sum(axis=0).A1
    except ValueError:  # no word left: only stop words, or none in two comments
        return []
    ranked = sorted(zip(vectorizer.get_feature_names_out(), counts.tolist(), strict=True), key=lambda i: (-i[1], i[0]))
    return [(str(word), int(n)) for word, n in ranked[:top]]
