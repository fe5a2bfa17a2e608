"""Which earlier resolved loops said nearly the same thing: TF-IDF over words and characters, cosine, small boosts.

A comment becomes one L2-normalised row: word 1–2-grams and character 3–4-grams within words (which forgive
"charged"/"charge" and typos), each TF-IDF with sublinear tf, mixed so that for two texts with both parts

    similarity = WORD_SHARE · cosine(words) + (1 − WORD_SHARE) · cosine(characters).

A query multiplies its row by the postings (features × documents), so it touches only documents that share a
feature with it: 13 ms at the median for 100,000 comments, where scikit-learn's NearestNeighbors (brute, cosine)
took 490 ms. Readers never lock: every change builds a new immutable snapshot and swaps it in whole.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import Normalizer

from bot.insight.documents import Document, Neighbour

# Added to the text similarity for each facet a neighbour shares with the query. They sum to MAX_BOOST = 0.10, so
# metadata only reorders near-ties: a neighbour whose text is more than 0.10 less similar can never outrank a
# closer one, and one below min_score is never returned however much it shares. Product first: the same words
# about another product are more often another problem.
BOOSTS = {"product": 0.04, "touchpoint": 0.03, "segment": 0.02, "scale": 0.01}
MAX_BOOST = sum(BOOSTS.values())
WORD_SHARE = 0.3  # characters carry inflections and typos, which feedback is full of; words add phrase order
# Caps on each vocabulary (the most frequent features are kept): they bound the model's memory on a corpus with a
# long tail of names, numbers and typos, and barely move rankings, which rare features rarely decide.
MAX_WORD_FEATURES = 200_000
MAX_CHAR_FEATURES = 200_000
# Trigrams keep most of a mistyped word ("invoce" shares 4 of its 6 with "invoice"); five-grams added nothing to
# the rankings tested and cost a third more memory and build time.
CHAR_NGRAMS = (3, 4)
# The idf weights and vocabulary come from the documents fitted on; adds reuse them. Past this share of adds and
# removes the weights are stale enough that a refit is worth its seconds.
REFIT_SHARE = 0.1
# The word vectorizer's tokens are runs of two or more word characters: a corpus without one has no vocabulary.
_HAS_WORD = re.compile(r"\w\w")


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """All that a query reads; never changed once made, so a reader holding one needs no lock."""

    features: Pipeline | None  # None until some document has a word in it
    fitted: sp.csr_matrix  # features × the documents fitted on (each row lists the documents with that feature)
    added: sp.csr_matrix  # features × the documents added since, in the fitted vocabulary
    documents: tuple[Document, ...]  # by position, fitted then added; removed ones stay until the next refit
    keys: np.ndarray  # int64 by position
    facets: dict[str, np.ndarray]  # facet → object array of values by position
    live: np.ndarray  # bool by position: False once removed or replaced
    positions: dict[int, int]  # key → position of its live document
    fitted_on: int
    changes: int  # documents added or removed since the fit


class SimilarityIndex:
    """Resolved loops' comments, searchable for near-duplicates; safe for one writer and many readers."""

    def __init__(self) -> None:
        self._snapshot = _fit([])
        self._writer = threading.Lock()  # writers build the next snapshot from the current one, one at a time

    @classmethod
    def build(cls, documents: Iterable[Document]) -> SimilarityIndex:
        """An index fitted on ``documents`` (a later document with the same key replaces an earlier one)."""
        index = cls()
        index._snapshot = _fit(list(documents))
        return index

    def __len__(self) -> int:
        return len(self._snapshot.positions)

    def __contains__(self, key: object) -> bool:
        return key in self._snapshot.positions

    @property
    def needs_refit(self) -> bool:
        """Whether enough was added or removed since the fit that ``refit()`` is worth its time."""
        snapshot = self._snapshot
        return snapshot.changes > REFIT_SHARE * snapshot.fitted_on

    def add(self, documents: Iterable[Document]) -> None:
        """Make ``documents`` searchable now, in the fitted vocabulary; a known key's document is replaced."""
        batch = _last_per_key(documents)
        if not batch:
            return
        with self._writer:
            current = self._snapshot
            if current.features is None:  # no vocabulary yet to transform with: fit on everything (it is tiny)
                self._snapshot = _fit([*_live_documents(current), *batch])
            else:
                self._snapshot = _append(current, current.features, batch)

    def remove(self, keys: Iterable[int]) -> None:
        """Forget the documents with these keys; unknown keys are ignored."""
        with self._writer:
            current = self._snapshot
            gone = {key for key in keys if key in current.positions}
            if gone:
                self._snapshot = _drop(current, gone)

    def refit(self) -> None:
        """Fit the vocabulary and weights again on the live documents (seconds at 100,000); queries go on meanwhile."""
        with self._writer:
            self._snapshot = _fit(_live_documents(self._snapshot))

    def query(
        self,
        text: str,
        *,
        touchpoint: str | None = None,
        product: str | None = None,
        segment: str | None = None,
        scale: str | None = None,
        k: int = 3,
        min_score: float = 0.2,
        exclude: Iterable[int] = (),
    ) -> list[Neighbour]:
        """Up to ``k`` documents whose text similarity is at least ``min_score``, best score first.

        A blank ``text`` finds nothing: a neighbour must have said something alike, not merely share metadata.
        Equal scores put the larger key (the later loop) first.
        """
        snapshot = self._snapshot  # read once: a concurrent writer swaps in a new snapshot, never edits this one
        if k <= 0 or not text.strip() or snapshot.features is None:
            return []
        row = snapshot.features.transform([text])
        if not row.nnz:
            return []
        similarity = np.concatenate([(row @ block).toarray().ravel() for block in (snapshot.fitted, snapshot.added)])
        wanted = snapshot.live & (similarity >= min_score) & (similarity > 0)
        for key in exclude:
            if (position := snapshot.positions.get(key)) is not None:
                wanted[position] = False
        candidates = np.flatnonzero(wanted)
        if len(candidates) > k:  # only those within MAX_BOOST of the k-th best similarity can still make the top k
            kth = np.partition(similarity[candidates], -k)[-k]
            candidates = candidates[similarity[candidates] >= kth - MAX_BOOST]
        sought = {"touchpoint": touchpoint, "product": product, "segment": segment, "scale": scale}
        texts = np.minimum(similarity[candidates], 1.0).astype(np.float64)  # float32 sums of unit rows reach 1 + 1e-7
        scores = texts.copy()
        for facet, value in sought.items():
            if value is not None:
                scores += BOOSTS[facet] * (snapshot.facets[facet][candidates] == value)
        keys = snapshot.keys[candidates]
        best = np.lexsort((-keys, -scores))[:k]
        return [Neighbour(int(keys[i]), float(scores[i]), float(texts[i])) for i in best]


def _features() -> Pipeline:
    """Unfitted: word and character TF-IDF side by side, weighted to WORD_SHARE, each row L2-normalised again."""
    common = {"sublinear_tf": True, "strip_accents": "unicode", "dtype": np.float32}
    words = TfidfVectorizer(ngram_range=(1, 2), max_features=MAX_WORD_FEATURES, **common)
    characters = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, max_features=MAX_CHAR_FEATURES, **common)
    # Each part comes out unit-length; weights √s and √(1−s) make the cosine of the whole their s-to-(1−s) mix.
    union = FeatureUnion(
        [("words", words), ("characters", characters)],
        transformer_weights={"words": WORD_SHARE**0.5, "characters": (1 - WORD_SHARE) ** 0.5},
    )
    return make_pipeline(union, Normalizer(copy=False))  # the union's output is new: normalise it in place


def _fit(documents: list[Document]) -> _Snapshot:
    documents = _last_per_key(documents)
    texts = [document.text for document in documents]
    if any(_HAS_WORD.search(text) for text in texts):
        features = _features()
        fitted = _postings(features.fit_transform(texts))
    else:  # whitespace and punctuation only: nothing to fit on, and nothing a query could match
        features, fitted = None, sp.csr_matrix((0, len(documents)), dtype=np.float32)
    empty = sp.csr_matrix((fitted.shape[0], 0), dtype=np.float32)
    return _Snapshot(
        features=features,
        fitted=fitted,
        added=empty,
        documents=tuple(documents),
        keys=np.array([document.key for document in documents], dtype=np.int64),
        facets={facet: _values(documents, facet) for facet in BOOSTS},
        live=np.ones(len(documents), dtype=bool),
        positions={document.key: position for position, document in enumerate(documents)},
        fitted_on=len(documents),
        changes=0,
    )


def _append(current: _Snapshot, features: Pipeline, batch: list[Document]) -> _Snapshot:
    """``current`` plus ``batch``, transformed with ``features``, the snapshot's fitted vocabulary."""
    rows = features.transform([document.text for document in batch])
    live = current.live.copy()
    positions = dict(current.positions)
    for offset, document in enumerate(batch):
        if (replaced := positions.get(document.key)) is not None:
            live[replaced] = False
        positions[document.key] = len(current.documents) + offset
    return _Snapshot(
        features=features,
        fitted=current.fitted,
        # Only the small block of added documents is copied; the fitted postings are shared as they are.
        added=sp.hstack([current.added, _postings(rows)], format="csr", dtype=np.float32),
        documents=current.documents + tuple(batch),
        keys=np.concatenate([current.keys, [document.key for document in batch]]).astype(np.int64),
        facets={facet: np.concatenate([values, _values(batch, facet)]) for facet, values in current.facets.items()},
        live=np.concatenate([live, np.ones(len(batch), dtype=bool)]),
        positions=positions,
        fitted_on=current.fitted_on,
        changes=current.changes + len(batch),
    )


def _drop(current: _Snapshot, gone: set[int]) -> _Snapshot:
    live = current.live.copy()
    live[[current.positions[key] for key in gone]] = False
    positions = {key: position for key, position in current.positions.items() if key not in gone}
    return _Snapshot(
        features=current.features,
        fitted=current.fitted,
        added=current.added,
        documents=current.documents,
        keys=current.keys,
        facets=current.facets,
        live=live,
        positions=positions,
        fitted_on=current.fitted_on,
        changes=current.changes + len(gone),
    )


def _postings(rows: sp.spmatrix) -> sp.csr_matrix:
    """Documents × features turned features × documents, so a query row's product reads only its features' rows."""
    return sp.csr_matrix(rows.T, dtype=np.float32)


def _values(documents: list[Document], facet: str) -> np.ndarray:
    values = np.empty(len(documents), dtype=object)
    values[:] = [getattr(document, facet) for document in documents]
    return values


def _live_documents(snapshot: _Snapshot) -> list[Document]:
    return [document for document, alive in zip(snapshot.documents, snapshot.live, strict=True) if alive]


def _last_per_key(documents: Iterable[Document]) -> list[Document]:
    return list({document.key: document for document in documents}.values())
