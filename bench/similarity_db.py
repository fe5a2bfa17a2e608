"""The similar-loop lookup as a card's render does it, over resolved loops in a database: the index built from
the database by the product (``SimilarLoops.refresh``), then each lookup (``similar_history``: the index query,
the neighbours read by id, each one's recovery) against the floor of one indexed SELECT of three loops by id."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from bench.digest_data import _bulk_load_pragmas, insert_sql, stored_time
from bot.insight.similarity import Document
from bot.learning.history import similar_history
from bot.learning.similar_loops import SimilarLoops
from bot.loops.outcomes import CONTACT_METHODS, OUTCOMES
from models.db import make_engine, new_session, upgrade
from models.feedback import Feedback
from models.loop import Loop, list_loops_by_id

WORKSPACE = "T0BENCHSIM"
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def seed(url: str, documents: list[Document], rng: random.Random) -> float:
    """Migrate ``url`` and write one resolved detractor loop per document (loop id = key + 1); seconds taken."""
    upgrade(url)
    engine = make_engine(url)
    event.listen(engine, "connect", _bulk_load_pragmas)
    started = time.perf_counter()
    at = stored_time(NOW - timedelta(days=400), True)
    feedback, loops = [], []
    for document in documents:
        n = document.key + 1
        received = stored_time(NOW - timedelta(minutes=rng.randrange(365 * 24 * 60)), True)
        resolved = stored_time(NOW - timedelta(minutes=rng.randrange(60)), True)
        feedback.append(
            (n, WORKSPACE, "bench", f"b{n}", 3, document.scale or "nps", "detractor", False, document.text,
             f"cus_{n}", document.segment, document.touchpoint, document.product, "[]", received, n)
        )  # fmt: skip
        loops.append(
            (n, WORKSPACE, n, 1, "C0BENCHSIM", "resolved", "U0BENCH", resolved, rng.choice(list(OUTCOMES)),
             rng.choice(list(CONTACT_METHODS)), "[]", f"1790000000.{n:06d}", 3, received, resolved)
        )  # fmt: skip
    with engine.begin() as conn:
        conn.exec_driver_sql(
            insert_sql(conn, "workspace", "id, default_channel_id, source_options, created_at"),
            [(WORKSPACE, "C0BENCHSIM", "{}", at)],
        )
        conn.exec_driver_sql(
            insert_sql(conn, "team", "id, workspace_id, name, channel_id, leads, timezone, thread_log, "
                       "leads_only_moves, digest_schedule, spikes, created_at"),
            [(1, WORKSPACE, "support", "C0BENCHSIM", "[]", "UTC", True, False, "weekly mon 09:00", True, at)],
        )  # fmt: skip
        conn.exec_driver_sql(
            insert_sql(conn, "feedback", "id, workspace_id, source, external_id, score, scale, category, unparsed, "
                       "comment, customer_id, segment, touchpoint, product, tags, received_at, loop_id"),
            feedback,
        )  # fmt: skip
        conn.exec_driver_sql(
            insert_sql(conn, "loop", "id, workspace_id, feedback_id, team_id, channel_id, status, resolved_by, "
                       "resolved_at, outcome, contact_method, suggestions, card_ts, version, created_at, updated_at"),
            loops,
        )  # fmt: skip
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


def lookups(url: str, queries: list[str], facets: list[dict], rng: random.Random) -> dict:
    """Build the index from the database; time each lookup and each floor SELECT (seconds lists)."""
    engine = make_engine(url)
    similar = SimilarLoops(engine, workspace_id=WORKSPACE)
    started = time.perf_counter()
    indexed = similar.refresh()
    build_s = time.perf_counter() - started
    count = len(similar)
    lookup_s, floor_s, shown = [], [], 0
    try:
        with new_session(engine, read_only=True) as session:
            for n, (text, sought) in enumerate(zip(queries, facets, strict=True)):
                feedback = Feedback(
                    id=-1 - n, workspace_id=WORKSPACE, source="bench", external_id=f"q{n}", score=2,
                    scale=sought.get("scale") or "nps", category="detractor", comment=text, customer_id=f"cus_q{n}",
                    touchpoint=sought.get("touchpoint"), product=sought.get("product"), segment=sought.get("segment"),
                    received_at=NOW,
                )  # fmt: skip
                loop = Loop(id=10**9 + n, workspace_id=WORKSPACE, feedback_id=feedback.id, channel_id="C0BENCHSIM")
                started = time.perf_counter()
                history = similar_history(session, similar, loop=loop, feedback=feedback)
                lookup_s.append(time.perf_counter() - started)
                shown += len(history.shown) if history is not None else 0
                ids = rng.sample(range(1, count + 1), 3)
                started = time.perf_counter()
                list_loops_by_id(session=session, workspace_id=WORKSPACE, loop_ids=ids)
                floor_s.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return {"build_s": build_s, "indexed": indexed, "lookup_s": lookup_s, "floor_s": floor_s, "shown": shown}
