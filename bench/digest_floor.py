"""The digest benchmark's floor: every digest figure for all teams at once, in hand-written SQL."""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from bench.digest_data import BAD, NOW, TIMESTAMP, WORKSPACE, insert_sql, stored_time
from bot.digest.content import OVERDUE_SHOWN, OWNER_LOOPS_SHOWN, UNOWNED_SHOWN, common_words
from bot.digest.periods import period

# -- the floor: the same figures for all teams at once, in hand-written SQL ----------------------------------------
# One pass over loop copies what the digests can need — open loops, and loops created, acknowledged or resolved
# since the start of the previous period, with their feedback's columns — into a temporary table; every figure
# is then a GROUP BY team over that. Each team's period comes from another temporary table, bench_period.
OPEN = "l.status IN ('new', 'acknowledged', 'in_progress')"  # lifecycle.OPEN_STATUSES, i.e. "not resolved"
OVERDUE = "((l.status = 'new' AND l.ack_due_at <= :now) OR l.resolve_due_at <= :now)"
CUR, PREV = ("cur_start", "cur_end"), ("prev_start", "cur_start")
FROM_RECENT = "FROM bench_recent l JOIN bench_period p ON p.team_id = l.team_id"
SECONDS = {
    "sqlite": "(julianday({done}) - julianday(l.created_at)) * 86400.0",
    "postgresql": "extract(epoch from {done} - l.created_at)",
}
# SQLite would otherwise walk ix_loop_workspace_status (one workspace: every row) and fetch rows out of order.
NOT_INDEXED = {"sqlite": "NOT INDEXED"}
OPEN_KEYS = ("open", "under_1d", "1_3d", "3_7d", "older", "unowned", "overdue")
COUNT_KEYS = ("opened", "detractors", "closed", "saved", "churned")


def within(column: str, bounds: tuple[str, str]) -> str:
    return f"{column} >= p.{bounds[0]} AND {column} < p.{bounds[1]}"


def _counts(bounds: tuple[str, str]) -> str:
    closed = within("l.resolved_at", bounds)
    opened = within("l.created_at", bounds)
    return (
        f"count(*) FILTER (WHERE {opened}), count(*) FILTER (WHERE {opened} AND l.category IN {BAD}), "
        f"count(*) FILTER (WHERE {closed}), "
        f"count(*) FILTER (WHERE {closed} AND l.outcome = 'saved'), "
        f"count(*) FILTER (WHERE {closed} AND l.outcome = 'churned')"
    )


RECENT = f"""CREATE TEMPORARY TABLE bench_recent AS
SELECT l.id, l.team_id, l.status, l.owner_id, l.outcome, l.created_at, l.acknowledged_at, l.resolved_at,
       l.ack_due_at, l.resolve_due_at, l.channel_id, l.card_ts, f.arr, f.category, f.touchpoint, f.product, f.comment
FROM loop l {{not_indexed}} CROSS JOIN bench_period p JOIN feedback f ON f.id = l.feedback_id
WHERE p.team_id = l.team_id AND l.workspace_id = :w
  AND ({OPEN} OR l.created_at >= p.prev_start OR l.acknowledged_at >= p.prev_start OR l.resolved_at >= p.prev_start)"""

LOOP_FIGURES = f"""SELECT l.team_id, count(*) FILTER (WHERE {OPEN}),
    count(*) FILTER (WHERE {OPEN} AND l.created_at > :day1),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day1 AND l.created_at > :day3),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day3 AND l.created_at > :day7),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day7),
    count(*) FILTER (WHERE {OPEN} AND l.owner_id IS NULL), count(*) FILTER (WHERE {OPEN} AND {OVERDUE}),
    count(*) FILTER (WHERE {OPEN} AND {OVERDUE} AND l.owner_id IS NOT NULL),
    {_counts(CUR)}, {_counts(PREV)},
    count(*) FILTER (WHERE {OPEN} AND l.category IN {BAD}), sum(l.arr) FILTER (WHERE {OPEN} AND l.category IN {BAD}),
    sum(l.arr) FILTER (WHERE l.outcome = 'saved' AND {within("l.resolved_at", CUR)}),
    sum(l.arr) FILTER (WHERE l.outcome = 'saved' AND {within("l.resolved_at", PREV)})
{FROM_RECENT} GROUP BY l.team_id"""

# Nearest-rank percentiles as the product computes them: the smallest value at or after rank ceil(n * fraction).
_RANK = "CAST(total * {f} AS INTEGER) + CASE WHEN total * {f} > CAST(total * {f} AS INTEGER) THEN 1 ELSE 0 END"
DURATIONS = f"""WITH done AS (
    SELECT l.team_id, 'ack' AS kind, l.acknowledged_at >= p.cur_start AS cur, {{ack}} AS seconds
    {FROM_RECENT} WHERE l.acknowledged_at >= p.prev_start AND l.acknowledged_at < p.cur_end
    UNION ALL
    SELECT l.team_id, 'resolve', l.resolved_at >= p.cur_start, {{resolve}}
    {FROM_RECENT} WHERE l.resolved_at >= p.prev_start AND l.resolved_at < p.cur_end
), ranked AS (
    SELECT team_id, kind, cur, seconds,
           row_number() OVER (PARTITION BY team_id, kind, cur ORDER BY seconds) AS position,
           count(*) OVER (PARTITION BY team_id, kind, cur) AS total
    FROM done
)
SELECT team_id, kind, cur, min(seconds) FILTER (WHERE position >= {_RANK.format(f=0.5)}),
       min(seconds) FILTER (WHERE position >= {_RANK.format(f=0.9)})
FROM ranked GROUP BY team_id, kind, cur"""

# Only loops that count somewhere (open, or a detractor this period). Two rankings, by detractors this period and
# by open loops now; names with a zero are dropped from that ranking.
WEAKEST = f"""WITH relevant AS MATERIALIZED (
    SELECT l.team_id, l.touchpoint, l.product, {OPEN} AS open,
           l.category IN {BAD} AND {within("l.created_at", CUR)} AS detractor
    {FROM_RECENT} WHERE {OPEN} OR (l.category IN {BAD} AND {within("l.created_at", CUR)})
), named AS (
    SELECT team_id, 'touchpoints' AS kind, touchpoint AS name, count(*) FILTER (WHERE detractor) AS detractors,
           count(*) FILTER (WHERE open) AS open_loops
    FROM relevant WHERE touchpoint IS NOT NULL GROUP BY team_id, touchpoint
    UNION ALL
    SELECT team_id, 'products', product, count(*) FILTER (WHERE detractor), count(*) FILTER (WHERE open)
    FROM relevant WHERE product IS NOT NULL GROUP BY team_id, product
), ranked AS (
    SELECT team_id, kind, name, detractors AS n,
           row_number() OVER (PARTITION BY team_id, kind ORDER BY detractors DESC, name) AS position
    FROM named
    UNION ALL
    SELECT team_id, 'open_' || kind, name, open_loops,
           row_number() OVER (PARTITION BY team_id, kind ORDER BY open_loops DESC, name)
    FROM named
)
SELECT team_id, kind, name, n FROM ranked WHERE position <= 3 AND n > 0 ORDER BY team_id, kind, position"""

THEMES = f"""SELECT team_id, comment FROM (
    SELECT l.team_id, l.comment, row_number() OVER (PARTITION BY l.team_id ORDER BY l.id DESC) AS position
    {FROM_RECENT} WHERE {within("l.created_at", CUR)} AND l.category IN {BAD} AND l.comment IS NOT NULL
) AS recent WHERE position <= 500"""

OWNERS = f"""SELECT l.team_id, l.owner_id, count(*) AS loops FROM bench_recent l
WHERE {OPEN} AND l.owner_id IS NOT NULL GROUP BY l.team_id, l.owner_id ORDER BY l.team_id, loops DESC, l.owner_id"""

# The loops the digest lists (unowned, overdue first; oldest overdue with an owner; each owner's oldest), with what
# their card links need.
UNOWNED_FIRST = f"""SELECT team_id, id, created_at, channel_id, card_ts FROM (
    SELECT l.team_id, l.id, l.created_at, l.channel_id, l.card_ts,
           row_number() OVER (
               PARTITION BY l.team_id ORDER BY CASE WHEN {OVERDUE} THEN 0 ELSE 1 END, l.created_at, l.id
           ) AS position
    FROM bench_recent l WHERE {OPEN} AND l.owner_id IS NULL
) AS unowned WHERE position <= {UNOWNED_SHOWN} ORDER BY team_id, position"""

OVERDUE_FIRST = f"""SELECT team_id, id, created_at, channel_id, card_ts FROM (
    SELECT l.team_id, l.id, l.created_at, l.channel_id, l.card_ts,
           row_number() OVER (PARTITION BY l.team_id ORDER BY l.created_at, l.id) AS position
    FROM bench_recent l WHERE {OPEN} AND {OVERDUE} AND l.owner_id IS NOT NULL
) AS overdue WHERE position <= {OVERDUE_SHOWN} ORDER BY team_id, position"""

OWNER_LOOPS = f"""SELECT team_id, owner_id, id, created_at, channel_id, card_ts FROM (
    SELECT l.team_id, l.owner_id, l.id, l.created_at, l.channel_id, l.card_ts,
           row_number() OVER (PARTITION BY l.team_id, l.owner_id ORDER BY l.created_at, l.id) AS position
    FROM bench_recent l WHERE {OPEN} AND l.owner_id IS NOT NULL
) AS oldest WHERE position <= {OWNER_LOOPS_SHOWN} ORDER BY team_id, owner_id, position"""


def empty_figures() -> dict:
    counts = {**dict.fromkeys(COUNT_KEYS, 0), "retained": 0.0}
    return {
        "open": dict.fromkeys(OPEN_KEYS, 0),
        "current": dict(counts),
        "previous": dict(counts),
        "ack": (None, None),
        "ack_before": (None, None),
        "resolve": (None, None),
        "resolve_before": (None, None),
        "open_detractors": 0,
        "at_risk": 0.0,
        "touchpoints": [],
        "products": [],
        "open_touchpoints": [],
        "open_products": [],
        "themes": [],
        "owners": [],
        "owner_loops": {},
        "unowned": [],
        "unowned_total": 0,
        "overdue": [],
        "overdue_total": 0,
    }


def run_floor(engine: Engine) -> tuple[dict[int, dict], float, dict[str, float]]:
    """Every team's figures from one scan and a few GROUP BY team queries; (figures, seconds, seconds per step)."""
    dialect = engine.dialect.name
    store = functools.partial(stored_time, sqlite=dialect == "sqlite")
    params = {"w": WORKSPACE, "now": store(NOW), **{f"day{n}": store(NOW - timedelta(days=n)) for n in (1, 3, 7)}}
    seconds = SECONDS[dialect]
    steps = {
        "scan": (RECENT.format(not_indexed=NOT_INDEXED.get(dialect, "")), None),
        "figures": (LOOP_FIGURES, _add_loop_figures),
        "durations": (
            DURATIONS.format(
                ack=seconds.format(done="l.acknowledged_at"), resolve=seconds.format(done="l.resolved_at")
            ),
            _add_durations,
        ),
        "weakest": (WEAKEST, _add_weakest),
        "themes": (THEMES, _add_themes),
        "owners": (OWNERS, _add_owners),
        "owner loops": (OWNER_LOOPS, _add_owner_loops),
        "unowned": (UNOWNED_FIRST, functools.partial(_add_listed, key="unowned")),
        "overdue": (OVERDUE_FIRST, functools.partial(_add_listed, key="overdue")),
    }
    figures: dict[int, dict] = defaultdict(empty_figures)
    parts = {}
    started = time.perf_counter()
    # The temporary tables live in this connection's transaction, which is rolled back on close.
    with engine.connect() as conn:
        _period_table(conn, store)
        for name, (sql, add) in steps.items():
            step_started = time.perf_counter()
            result = conn.execute(text(sql), params)
            if add is not None:
                add(figures, result.all())
            parts[name] = time.perf_counter() - step_started
    return figures, time.perf_counter() - started, parts


def _period_table(conn: Connection, store) -> None:
    """bench_period: each team's last week in its timezone (and the week before), as the product picks it."""
    kind = TIMESTAMP[conn.dialect.name]
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE bench_period (team_id INTEGER PRIMARY KEY, prev_start {kind}, "
        f"cur_start {kind}, cur_end {kind})"
    )
    rows = []
    for team_id, tz_name in conn.execute(
        text("SELECT id, timezone FROM team WHERE workspace_id = :w"), {"w": WORKSPACE}
    ):
        week = period("last-week", now=NOW, tz_name=tz_name)
        rows.append((team_id, store(week.previous.start), store(week.start), store(week.end)))
    conn.exec_driver_sql(insert_sql(conn, "bench_period", "team_id, prev_start, cur_start, cur_end"), rows)


def _add_loop_figures(figures: dict[int, dict], rows) -> None:
    for team_id, *values in rows:
        team = figures[team_id]
        team["open"] = dict(zip(OPEN_KEYS, values[:7], strict=True))
        team["unowned_total"], team["overdue_total"] = values[5], values[7]
        team["current"].update(zip(COUNT_KEYS, values[8:13], strict=True))
        team["previous"].update(zip(COUNT_KEYS, values[13:18], strict=True))
        team["open_detractors"] = values[18]
        at_risk, retained, retained_before = (float(value or 0) for value in values[19:22])
        team["at_risk"], team["current"]["retained"], team["previous"]["retained"] = at_risk, retained, retained_before


def _add_durations(figures: dict[int, dict], rows) -> None:
    for team_id, kind, current, median, p90 in rows:
        figures[team_id][kind if current else f"{kind}_before"] = (float(median), float(p90))


def _add_weakest(figures: dict[int, dict], rows) -> None:
    for team_id, kind, name, count in rows:
        figures[team_id][kind].append((name, count))


def _add_themes(figures: dict[int, dict], rows) -> None:
    comments: dict[int, list[str]] = defaultdict(list)
    for team_id, comment in rows:
        comments[team_id].append(comment)
    for team_id, texts in comments.items():
        figures[team_id]["themes"] = common_words(texts)


def _add_owners(figures: dict[int, dict], rows) -> None:
    for team_id, owner, count in rows:
        figures[team_id]["owners"].append((owner, count))


def _add_owner_loops(figures: dict[int, dict], rows) -> None:
    for team_id, owner, loop_id, *_ in rows:
        figures[team_id]["owner_loops"].setdefault(owner, []).append(loop_id)


def _add_listed(figures: dict[int, dict], rows, *, key: str) -> None:
    for team_id, loop_id, *_ in rows:
        figures[team_id][key].append(loop_id)
