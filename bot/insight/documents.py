"""What the similarity index takes in and gives back: plain values, cheap to import.

Who only builds documents or reads neighbours imports these without numpy, scipy and scikit-learn, which
``bot.insight.similarity`` loads (about 120 MiB), so a process with no history to search never pays for them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Document:
    """A resolved loop's comment and where it came from."""

    key: int
    text: str
    touchpoint: str | None = None
    product: str | None = None
    segment: str | None = None
    scale: str | None = None


@dataclass(frozen=True, slots=True)
class Neighbour:
    """An earlier loop like the query: ``score`` ranks it (similarity plus boosts); ``similarity`` is the text's."""

    key: int
    score: float
    similarity: float
