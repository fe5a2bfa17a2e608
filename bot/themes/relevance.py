"""Which open themes a loop most likely belongs to: similar wording first, then the same touchpoint or product."""

from __future__ import annotations

from collections import Counter

from bot.insight.documents import Document
from models.feedback import Feedback
from models.loop import Loop
from models.theme import Theme, ThemeLink


def theme_document(theme: Theme, rows: list[tuple[ThemeLink, Loop, Feedback]]) -> Document:
    """A theme as a document: its name and its customers' words, where its feedback mostly came from."""
    feedback = [f for link, _, f in rows if link.theme_id == theme.id]
    touchpoints = Counter(f.touchpoint for f in feedback if f.touchpoint)
    products = Counter(f.product for f in feedback if f.product)
    return Document(
        key=theme.id,
        text=" ".join([theme.name, *(f.comment for f in feedback if f.comment)]),
        touchpoint=touchpoints.most_common(1)[0][0] if touchpoints else None,
        product=products.most_common(1)[0][0] if products else None,
    )


def rank_themes(themes: list[Theme], rows: list[tuple[ThemeLink, Loop, Feedback]], feedback: Feedback) -> list[Theme]:
    """``themes`` most relevant first for ``feedback``: by the similarity measure, then shared touchpoint/product,
    then newest."""
    if not themes:
        return []
    documents = {theme.id: theme_document(theme, rows) for theme in themes}
    scores: dict[int, float] = {}
    if feedback.comment:
        from bot.insight.similarity import SimilarityIndex  # scikit-learn et al. on first use (about 120 MiB)

        index = SimilarityIndex.build(documents.values())
        for neighbour in index.query(
            feedback.comment, touchpoint=feedback.touchpoint, product=feedback.product, k=len(documents), min_score=0.01
        ):
            scores[neighbour.key] = neighbour.score

    def rank(theme: Theme) -> tuple[float, int, int]:
        doc = documents[theme.id]
        shared = int(doc.touchpoint is not None and doc.touchpoint == feedback.touchpoint) + int(
            doc.product is not None and doc.product == feedback.product
        )
        return (-scores.get(theme.id, 0.0), -shared, -theme.id)

    return sorted(themes, key=rank)
