"""Digests: every team's digest built and rendered by the product code, vs. a raw-SQL floor computing the
same figures for all teams at once, over generated feedback (one loop per feedback row) spread over 8 weeks.

    .venv/bin/python -m bench.digest [--rows N] [--teams N] [--database-url URL]

The data is generated in a child process (bulk INSERTs of pre-built tuples, schema from the migrations), so
the peak RSS reported is the digest builder's, not the generator's. Exits non-zero when the product's and the
floor's figures differ for any team.
"""

from __future__ import annotations

import argparse
import bisect
import concurrent.futures
import itertools
import json
import math
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import NormalDist

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from bench.common import SPAWN, ratio_line
from bot.digest.content import Digest, Period, build_digest, themes
from bot.digest.periods import period
from bot.digest.render import render_blocks
from bot.outcomes import CONTACT_METHODS
from models.db import make_engine, new_session, upgrade
from models.team import list_teams

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)  # a Wednesday; the data covers the 8 weeks before
WEEKS = 8
WORKSPACE = "T0BENCH"
BAD = "('detractor', 'negative')"

# -- realistic values -------------------------------------------------------------------------------------------
AREAS = ("billing", "support", "onboarding", "mobile", "checkout", "integrations", "reporting", "payments",
         "shipping", "enterprise")
TIMEZONES = ("UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Europe/London",
             "Australia/Sydney")
SLAS = ((60, 1440), (240, 2880), (480, 4320), (None, 10080), (None, None))  # (ack, close) minutes
TOUCHPOINTS = ("billing", "support", "onboarding", "checkout", "delivery", "mobile app", "website", "sales",
               "renewal", "training", "api", "account")
PRODUCTS = ("Fleet Planner", "Route Optimizer", "Driver App", "Insights", "Billing Portal", "Warehouse Sync")
PHRASES = ("the invoice was wrong again", "checkout keeps timing out", "support took days to answer",
           "the mobile app crashes on login", "export to excel is broken", "pricing went up without notice",
           "onboarding was confusing", "search results are useless", "the dashboard loads slowly",
           "delivery arrived late", "refund still not processed", "billing is a mess", "salesforce sync fails",
           "notifications arrive twice", "password reset email never came", "the new design is hard to read",
           "too many bugs since the last release", "your agent was rude", "cannot find the cancel button",
           "reports show wrong numbers")
COMMENTS = [f"{a.capitalize()} and {b}." for a in PHRASES for b in PHRASES if a != b] + \
           [f"{a.capitalize()}." for a in PHRASES]
TAGS = ("[]", "[]", '["invoice"]', '["churn-risk"]', '["bug", "mobile"]', '["vip"]')
# (source, scale, score, category), repeated by weight: about 45% bad, 25% middling, 30% good.
RESPONSES = ([("delighted", "nps", s, "detractor") for s in range(7)] * 4
             + [("delighted", "nps", s, "passive") for s in (7, 8)] * 7
             + [("delighted", "nps", s, "promoter") for s in (9, 10)] * 9
             + [("zendesk", "csat", s, "negative") for s in (1, 2)] * 5 + [("zendesk", "csat", 3, "neutral")] * 4
             + [("intercom", "csat", s, "positive") for s in (4, 5)] * 4
             + [("typeform", "ces", s, "negative") for s in (1, 2, 3)] * 2 + [("generic", "stars", 1, "negative")] * 4)
OUTCOMES = ["contacted_fixed"] * 35 + ["saved"] * 20 + ["churned"] * 8 + ["contacted_not_fixable"] * 12 + \
           ["no_response"] * 15 + ["not_actionable"] * 10
ARR = (6_000, 12_000, 24_000, 48_000, 90_000, 148_000, 250_000)
CUSTOMERS = 50_000


# -- data generation (runs in a child process) --------------------------------------------------------------------
# The rows are drawn by the database itself (INSERT ... SELECT over a recursive CTE, with its random()), from small
# lookup tables written by Python: pre-formatted timestamps per minute, delay quantiles, weighted team slots, and
# the value lists above. Python-built tuples bound row by row were ~5x slower.
RANDOM = {"sqlite": "abs(random() % {n})", "postgresql": "floor(random() * {n})::int"}
TIMESTAMP = {"sqlite": "TEXT", "postgresql": "TIMESTAMP WITH TIME ZONE"}
JSON_VALUE = {"postgresql": "CAST({} AS JSON)"}
MINUTES = WEEKS * 7 * 24 * 60  # "now", in minutes since the start of the data

DRAWS = """CREATE TEMPORARY TABLE bench_draw AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows),
raw AS MATERIALIZED (
    SELECT i, {team} AS team_k, {created} AS created, {fate} AS fate, {owned} AS owned, {delay} AS ack_k,
           {delay} AS resolve_k, {response} AS response_k, {customer} AS customer, {percent} AS comment_roll,
           {comment} AS comment_k, {percent} AS home_roll, {touchpoint} AS touchpoint_k, {product} AS product_k,
           {tag} AS tag_k, {person} AS person_k, {outcome} AS outcome_k, {contact} AS contact_k
    FROM n
), timed AS (
    SELECT raw.*, t.team_id, 'U' || (1000 + t.team_id) || raw.person_k AS person,
           raw.created + a.ack AS ack, raw.created + a.ack + r.resolve AS resolved
    FROM raw JOIN bench_team_pick t ON t.k = raw.team_k
    JOIN bench_delay a ON a.k = raw.ack_k JOIN bench_delay r ON r.k = raw.resolve_k
)
-- 1% are never acknowledged and 1% never resolved (forgotten); the rest move on unless their time is still to come
SELECT timed.*, CASE WHEN fate < 1 OR ack > :now THEN 'new'
                     WHEN fate < 2 OR resolved > :now THEN CASE WHEN owned < 85 THEN 'in_progress' ELSE 'acknowledged' END
                     ELSE 'resolved' END AS status
FROM timed"""

FEEDBACK = f"""INSERT INTO feedback (id, workspace_id, source, external_id, score, scale, category, unparsed, comment,
    customer_id, customer_email, customer_name, account, segment, arr, touchpoint, product, tags, url, submitted_at,
    received_at)
SELECT d.i, :w, r.source, 'bench-' || d.i, r.score, r.scale, r.category, :no, c.value, 'cus_' || d.customer,
       'person' || d.customer || '@account' || (d.customer % 5000) || '.example.com', 'Customer ' || d.customer,
       'Account ' || (d.customer % 5000), CASE d.customer % 3 WHEN 0 THEN 'smb' WHEN 1 THEN 'mid-market' ELSE 'enterprise' END,
       CASE WHEN d.customer % 5000 % 3 = 0 THEN CASE d.customer % {len(ARR)}
           {" ".join(f"WHEN {k} THEN {arr}" for k, arr in enumerate(ARR))} END END,
       tp.value, pr.value, {{tags}}, 'https://app.example.com/r/' || d.i, m.at, m.at
FROM bench_draw d
LEFT JOIN bench_response r ON r.k = d.response_k
LEFT JOIN bench_minute m ON m.m = d.created
LEFT JOIN bench_value c ON c.list = 'comment' AND c.k = CASE WHEN d.comment_roll < 70 THEN d.comment_k END
LEFT JOIN bench_value tp ON tp.list = 'touchpoint'
    AND tp.k = CASE WHEN d.home_roll < 50 THEN (d.team_id - 1) % {len(AREAS)} ELSE d.touchpoint_k END
LEFT JOIN bench_value pr ON pr.list = 'product' AND pr.k = d.product_k
LEFT JOIN bench_value tg ON tg.list = 'tag' AND tg.k = d.tag_k"""

LOOPS = """INSERT INTO loop (id, workspace_id, feedback_id, team_id, channel_id, status, owner_id, acknowledged_by,
    acknowledged_at, resolved_by, resolved_at, outcome, contact_method, ack_due_at, resolve_due_at, suggestions,
    card_ts, version, created_at, updated_at)
SELECT d.i, :w, d.i, d.team_id, t.channel_id, d.status,
       CASE WHEN d.status IN ('in_progress', 'resolved') THEN d.person END,
       CASE WHEN d.status <> 'new' THEN d.person END, CASE WHEN d.status <> 'new' THEN ma.at END,
       CASE WHEN d.status = 'resolved' THEN d.person END, CASE WHEN d.status = 'resolved' THEN mr.at END,
       CASE WHEN d.status = 'resolved' THEN oc.value END, CASE WHEN d.status = 'resolved' THEN ct.value END,
       ack_due.at, resolve_due.at, '[]', (1790000000 + d.created * 60) || '.' || d.i,
       CASE d.status WHEN 'new' THEN 1 WHEN 'resolved' THEN 3 ELSE 2 END, mc.at,
       CASE d.status WHEN 'new' THEN mc.at WHEN 'resolved' THEN mr.at ELSE ma.at END
FROM bench_draw d
LEFT JOIN team t ON t.id = d.team_id
LEFT JOIN bench_minute mc ON mc.m = d.created
LEFT JOIN bench_minute ma ON ma.m = d.ack
LEFT JOIN bench_minute mr ON mr.m = d.resolved
LEFT JOIN bench_minute ack_due ON ack_due.m = d.created + t.sla_ack_minutes
LEFT JOIN bench_minute resolve_due ON resolve_due.m = d.created + t.sla_close_minutes
LEFT JOIN bench_value oc ON oc.list = 'outcome' AND oc.k = d.outcome_k
LEFT JOIN bench_value ct ON ct.list = 'contact' AND ct.k = d.contact_k"""


def stored_time(moment: datetime, sqlite: bool):
    """``moment`` as the product's UTCDateTime stores it (SQLite compares these strings as text)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else moment


def insert_sql(conn: Connection, table: str, columns: str) -> str:
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = [c.strip() for c in columns.split(",")]
    return f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join([marker] * len(names))})'


def generate(url: str, rows: int, teams: int) -> float:
    """Migrate ``url`` and fill it; returns the seconds spent generating and inserting."""
    upgrade(url)
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _bulk_load_pragmas)
    dialect = engine.dialect.name
    rand = lambda n: RANDOM[dialect].format(n=n)  # noqa: E731
    draws = DRAWS.format(team=rand(100 * teams), created=rand(MINUTES), fate=rand(100), owned=rand(100),
                         delay=rand(1000), response=rand(len(RESPONSES)), customer=rand(CUSTOMERS), percent=rand(100),
                         comment=rand(len(COMMENTS)), touchpoint=rand(len(TOUCHPOINTS) + 1),
                         product=rand(len(PRODUCTS) + 2), tag=rand(len(TAGS)), person=rand(8),
                         outcome=rand(len(OUTCOMES)), contact=rand(len(CONTACT_METHODS)))
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            if conn.execute(text("SELECT count(*) FROM feedback")).scalar():
                raise SystemExit("bench.digest needs an empty database")
            _workspace_and_teams(conn, teams)
            _lookup_tables(conn, teams)
            params = {"rows": rows, "now": MINUTES, "w": WORKSPACE, "no": False}
            for sql in (draws, FEEDBACK.format(tags=JSON_VALUE.get(dialect, "{}").format("tg.value")), LOOPS,
                        "UPDATE feedback SET loop_id = id"):  # feedback ⇄ loop: link each once its loop exists
                conn.execute(text(sql), params)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def _bulk_load_pragmas(dbapi_connection, _record) -> None:
    # Random-order index inserts (emails, customers) thrash SQLite's default 2 MB page cache; nothing here
    # needs to survive a power cut.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA cache_size=-1048576")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _workspace_and_teams(conn: Connection, teams: int) -> None:
    """The workspace and ``teams`` teams with varied timezones, SLAs and hours."""
    created = stored_time(NOW - timedelta(days=120), conn.dialect.name == "sqlite")
    conn.execute(text("INSERT INTO workspace (id, default_channel_id, source_options, created_at) "
                      "VALUES (:id, 'C0DEFAULT', '{}', :at)"), {"id": WORKSPACE, "at": created})
    hours = json.dumps({"days": "mon-fri", "start": "09:00", "end": "17:00"})
    rows = []
    for k in range(teams):
        ack, close = SLAS[k % len(SLAS)]
        rows.append((k + 1, WORKSPACE, f"{AREAS[k % len(AREAS)]}-{k // len(AREAS) + 1}", f"C0TEAM{k:04d}",
                     json.dumps([f"U{1001 + k}LEAD"]), TIMEZONES[k % len(TIMEZONES)], hours if k % 2 else None,
                     ack, close, True, k % 5 == 0, "weekly mon 09:00", created))
    conn.exec_driver_sql(insert_sql(conn, "team", "id, workspace_id, name, channel_id, leads, timezone, hours, "
                                    "sla_ack_minutes, sla_close_minutes, thread_log, leads_only_moves, "
                                    "digest_schedule, created_at"), rows)


def _lookup_tables(conn: Connection, teams: int) -> None:
    """The temporary tables DRAWS, FEEDBACK and LOOPS pick their values from."""
    sqlite = conn.dialect.name == "sqlite"
    base = NOW - timedelta(weeks=WEEKS)
    # every minute a row can mention: the longest SLA runs a week past now
    minutes = [(m, stored_time(base + timedelta(minutes=m), sqlite)) for m in range(MINUTES + 10081)]
    # delays as 1000 quantiles of log-normal distributions: acknowledged after ~1.5 h (median), resolved ~1.7 days later
    z = [NormalDist().inv_cdf((k + 0.5) / 1000) for k in range(1000)]
    delays = [(k, int(math.exp(4.5 + 1.2 * z[k])), int(math.exp(7.8 + z[k]))) for k in range(1000)]
    # uneven team sizes, as in real workspaces: the busiest team gets ~6x the quietest
    weights = [1 / (k + 1) ** 0.4 for k in range(teams)]
    slots = 100 * teams
    picks = [(k, 1 + bisect.bisect(list(itertools.accumulate(weights)), k / slots * sum(weights)))
             for k in range(slots)]
    values = [(name, k, value) for name, choices in (
        ("comment", COMMENTS), ("touchpoint", TOUCHPOINTS), ("product", PRODUCTS), ("tag", TAGS),
        ("outcome", OUTCOMES), ("contact", tuple(CONTACT_METHODS))) for k, value in enumerate(choices)]
    for table, columns, rows in (
            ("bench_minute", f"m INTEGER PRIMARY KEY, at {TIMESTAMP[conn.dialect.name]}", minutes),
            ("bench_delay", "k INTEGER PRIMARY KEY, ack INTEGER, resolve INTEGER", delays),
            ("bench_team_pick", "k INTEGER PRIMARY KEY, team_id INTEGER", picks),
            ("bench_response", "k INTEGER PRIMARY KEY, source TEXT, scale TEXT, score INTEGER, category TEXT",
             [(k, *response) for k, response in enumerate(RESPONSES)]),
            ("bench_value", "list TEXT, k INTEGER, value TEXT", values)):
        key = ", PRIMARY KEY (list, k)" if table == "bench_value" else ""
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {table} ({columns}{key})")
        conn.exec_driver_sql(insert_sql(conn, table, ", ".join(c.split()[0] for c in columns.split(", "))), rows)


# -- the product: every team's digest, as the scheduler builds and renders it --------------------------------------
def build_all(engine: Engine) -> tuple[dict[int, Digest], float, float]:
    """Each team's last-week digest (in the team's timezone), built and rendered; (digests, build s, render s)."""
    digests, build_s, render_s = {}, 0.0, 0.0
    with new_session(engine, read_only=True) as session:
        for team in list_teams(session=session, workspace_id=WORKSPACE):
            started = time.perf_counter()
            digest = build_digest(session, workspace_id=WORKSPACE, team=team,
                                  period=period("last-week", now=NOW, tz_name=team.timezone), now=NOW)
            built = time.perf_counter()
            render_blocks(digest)
            build_s, render_s = build_s + built - started, render_s + time.perf_counter() - built
            digests[team.id] = digest
    return digests, build_s, render_s


def product_figures(digest: Digest) -> dict:
    """The digest's figures in the shape the floor produces."""
    money = lambda counts: {**counts, "retained": float(counts["retained"])}  # noqa: E731
    return {"open": digest.open, "current": money(digest.current), "previous": money(digest.previous),
            "ack": digest.ack_times, "ack_before": digest.ack_times_before, "resolve": digest.resolve_times,
            "resolve_before": digest.resolve_times_before, "at_risk": float(digest.revenue_at_risk),
            "touchpoints": digest.touchpoints, "products": digest.products, "themes": digest.themes,
            "owners": [(owner, count) for owner, count, _ in digest.owners],
            "overdue": [loop.id for loop in digest.overdue], "overdue_total": digest.overdue_total}


# -- the floor: the same figures for all teams at once, in hand-written SQL ----------------------------------------
# One pass over loop copies what the digests can need — open loops, and loops created, acknowledged or resolved
# since the start of the previous period, with their feedback's columns — into a temporary table; every figure
# is then a GROUP BY team over that. Each team's period comes from another temporary table, bench_period.
OPEN = "l.status IN ('new', 'acknowledged', 'in_progress')"  # lifecycle.OPEN_STATUSES, i.e. "not resolved"
OVERDUE = "((l.status = 'new' AND l.ack_due_at <= :now) OR l.resolve_due_at <= :now)"
CUR, PREV = ("cur_start", "cur_end"), ("prev_start", "cur_start")
FROM_RECENT = "FROM bench_recent l JOIN bench_period p ON p.team_id = l.team_id"
SECONDS = {"sqlite": "(julianday({done}) - julianday(l.created_at)) * 86400.0",
           "postgresql": "extract(epoch from {done} - l.created_at)"}
# SQLite would otherwise walk ix_loop_workspace_status (one workspace: every row) and fetch rows out of order.
NOT_INDEXED = {"sqlite": "NOT INDEXED"}
OPEN_KEYS = ("open", "under_1d", "1_3d", "3_7d", "older", "unowned", "overdue")
COUNT_KEYS = ("opened", "closed", "saved", "churned")


def within(column: str, bounds: tuple[str, str]) -> str:
    return f"{column} >= p.{bounds[0]} AND {column} < p.{bounds[1]}"


def _counts(bounds: tuple[str, str]) -> str:
    closed = within("l.resolved_at", bounds)
    return (f"count(*) FILTER (WHERE {within('l.created_at', bounds)}), count(*) FILTER (WHERE {closed}), "
            f"count(*) FILTER (WHERE {closed} AND l.outcome = 'saved'), "
            f"count(*) FILTER (WHERE {closed} AND l.outcome = 'churned')")


RECENT = f"""CREATE TEMPORARY TABLE bench_recent AS
SELECT l.id, l.team_id, l.status, l.owner_id, l.outcome, l.created_at, l.acknowledged_at, l.resolved_at,
       l.ack_due_at, l.resolve_due_at, f.arr, f.category, f.touchpoint, f.product, f.comment
FROM loop l {{not_indexed}} CROSS JOIN bench_period p JOIN feedback f ON f.id = l.feedback_id
WHERE p.team_id = l.team_id AND l.workspace_id = :w
  AND ({OPEN} OR l.created_at >= p.prev_start OR l.acknowledged_at >= p.prev_start OR l.resolved_at >= p.prev_start)"""

LOOP_FIGURES = f"""SELECT l.team_id, count(*) FILTER (WHERE {OPEN}),
    count(*) FILTER (WHERE {OPEN} AND l.created_at > :day1),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day1 AND l.created_at > :day3),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day3 AND l.created_at > :day7),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day7),
    count(*) FILTER (WHERE {OPEN} AND l.owner_id IS NULL), count(*) FILTER (WHERE {OPEN} AND {OVERDUE}),
    {_counts(CUR)}, {_counts(PREV)},
    sum(l.arr) FILTER (WHERE {OPEN} AND l.category IN {BAD}),
    sum(l.arr) FILTER (WHERE l.outcome = 'saved' AND {within('l.resolved_at', CUR)}),
    sum(l.arr) FILTER (WHERE l.outcome = 'saved' AND {within('l.resolved_at', PREV)})
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
    SELECT team_id, kind, cur, seconds, row_number() OVER (PARTITION BY team_id, kind, cur ORDER BY seconds) AS position,
           count(*) OVER (PARTITION BY team_id, kind, cur) AS total FROM done
)
SELECT team_id, kind, cur, min(seconds) FILTER (WHERE position >= {_RANK.format(f=0.5)}),
       min(seconds) FILTER (WHERE position >= {_RANK.format(f=0.9)})
FROM ranked GROUP BY team_id, kind, cur"""

# Only loops that count somewhere (open, or a detractor this period): a name with neither would rank last and be
# dropped by the product anyway, so the top three are the same.
WEAKEST = f"""WITH relevant AS MATERIALIZED (
    SELECT l.team_id, l.touchpoint, l.product, {OPEN} AS open,
           l.category IN {BAD} AND {within('l.created_at', CUR)} AS detractor
    {FROM_RECENT} WHERE {OPEN} OR (l.category IN {BAD} AND {within('l.created_at', CUR)})
), named AS (
    SELECT team_id, 'touchpoints' AS kind, touchpoint AS name, count(*) FILTER (WHERE detractor) AS detractors,
           count(*) FILTER (WHERE open) AS open_loops FROM relevant WHERE touchpoint IS NOT NULL GROUP BY team_id, touchpoint
    UNION ALL
    SELECT team_id, 'products', product, count(*) FILTER (WHERE detractor), count(*) FILTER (WHERE open)
    FROM relevant WHERE product IS NOT NULL GROUP BY team_id, product
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY team_id, kind ORDER BY detractors DESC, open_loops DESC, name) AS position
    FROM named
)
SELECT team_id, kind, name, detractors, open_loops FROM ranked WHERE position <= 3 ORDER BY team_id, kind, position"""

THEMES = f"""SELECT team_id, comment FROM (
    SELECT l.team_id, l.comment, row_number() OVER (PARTITION BY l.team_id ORDER BY l.id DESC) AS position
    {FROM_RECENT} WHERE {within('l.created_at', CUR)} AND l.category IN {BAD} AND l.comment IS NOT NULL
) AS recent WHERE position <= 500"""

OWNERS = f"""SELECT l.team_id, l.owner_id, count(*) AS loops FROM bench_recent l
WHERE {OPEN} AND l.owner_id IS NOT NULL GROUP BY l.team_id, l.owner_id ORDER BY l.team_id, loops DESC, l.owner_id"""

OVERDUE_FIRST = f"""SELECT team_id, id FROM (
    SELECT l.team_id, l.id, row_number() OVER (PARTITION BY l.team_id ORDER BY l.created_at, l.id) AS position
    FROM bench_recent l WHERE {OPEN} AND {OVERDUE}
) AS overdue WHERE position <= 5 ORDER BY team_id, position"""


def empty_figures() -> dict:
    counts = {**dict.fromkeys(COUNT_KEYS, 0), "retained": 0.0}
    return {"open": dict.fromkeys(OPEN_KEYS, 0), "current": dict(counts), "previous": dict(counts),
            "ack": (None, None), "ack_before": (None, None), "resolve": (None, None), "resolve_before": (None, None),
            "at_risk": 0.0, "touchpoints": [], "products": [], "themes": [], "owners": [], "overdue": [],
            "overdue_total": 0}


def run_floor(engine: Engine) -> tuple[dict[int, dict], float, dict[str, float]]:
    """Every team's figures from one scan and a few GROUP BY team queries; (figures, seconds, seconds per step)."""
    dialect = engine.dialect.name
    store = lambda moment: stored_time(moment, dialect == "sqlite")  # noqa: E731
    params = {"w": WORKSPACE, "now": store(NOW), **{f"day{n}": store(NOW - timedelta(days=n)) for n in (1, 3, 7)}}
    seconds = SECONDS[dialect]
    steps = {
        "scan": (RECENT.format(not_indexed=NOT_INDEXED.get(dialect, "")), None),
        "figures": (LOOP_FIGURES, _add_loop_figures),
        "durations": (DURATIONS.format(ack=seconds.format(done="l.acknowledged_at"),
                                       resolve=seconds.format(done="l.resolved_at")), _add_durations),
        "weakest": (WEAKEST, _add_weakest),
        "themes": (THEMES, _add_themes),
        "owners": (OWNERS, _add_owners),
        "overdue": (OVERDUE_FIRST, _add_overdue),
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
    kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE bench_period (team_id INTEGER PRIMARY KEY, prev_start {kind}, "
                         f"cur_start {kind}, cur_end {kind})")
    rows = []
    for team_id, tz_name in conn.execute(text("SELECT id, timezone FROM team WHERE workspace_id = :w"),
                                         {"w": WORKSPACE}):
        week: Period = period("last-week", now=NOW, tz_name=tz_name)
        rows.append((team_id, store(week.previous.start), store(week.start), store(week.end)))
    conn.exec_driver_sql(insert_sql(conn, "bench_period", "team_id, prev_start, cur_start, cur_end"), rows)


def _add_loop_figures(figures: dict[int, dict], rows) -> None:
    for team_id, *values in rows:
        team = figures[team_id]
        team["open"] = dict(zip(OPEN_KEYS, values[:7]))
        team["overdue_total"] = values[6]
        team["current"].update(zip(COUNT_KEYS, values[7:11]))
        team["previous"].update(zip(COUNT_KEYS, values[11:15]))
        at_risk, retained, retained_before = (float(value or 0) for value in values[15:18])
        team["at_risk"], team["current"]["retained"], team["previous"]["retained"] = at_risk, retained, retained_before


def _add_durations(figures: dict[int, dict], rows) -> None:
    for team_id, kind, current, median, p90 in rows:
        figures[team_id][kind if current else f"{kind}_before"] = (float(median), float(p90))


def _add_weakest(figures: dict[int, dict], rows) -> None:
    for team_id, kind, name, detractors, open_loops in rows:
        figures[team_id][kind].append((name, detractors, open_loops))


def _add_themes(figures: dict[int, dict], rows) -> None:
    comments: dict[int, list[str]] = defaultdict(list)
    for team_id, comment in rows:
        comments[team_id].append(comment)
    for team_id, texts in comments.items():
        figures[team_id]["themes"] = themes(texts)


def _add_owners(figures: dict[int, dict], rows) -> None:
    for team_id, owner, count in rows:
        figures[team_id]["owners"].append((owner, count))


def _add_overdue(figures: dict[int, dict], rows) -> None:
    for team_id, loop_id in rows:
        figures[team_id]["overdue"].append(loop_id)


# -- comparing, measuring, reporting ----------------------------------------------------------------------------
def differences(digests: dict[int, Digest], floor: dict[int, dict]) -> list[str]:
    """Where the product's and the floor's figures disagree, one line per (team, figure)."""
    found = []
    for team_id, digest in sorted(digests.items()):
        product, expected = _rounded(product_figures(digest)), _rounded(floor.get(team_id, empty_figures()))
        found += [f"team {team_id} {key}: product {product[key]!r} vs floor {expected[key]!r}"
                  for key in product if product[key] != expected[key]]
    return found


def _rounded(value):
    """Floats to 6 decimals, tuples as lists, so that equal figures compare equal."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def traced_build_mb(engine: Engine) -> float:
    """tracemalloc's peak over a second build of every digest (untimed: tracing slows Python down)."""
    tracemalloc.start()
    try:
        build_all(engine)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(url: str, rows: int, teams: int) -> int:
    print(f"bench.digest: {rows:,} feedback rows (one loop each), {teams} teams, now {NOW:%Y-%m-%d %H:%M} UTC, "
          f"{url.split(':', 1)[0]}")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=SPAWN) as pool:
        generated = pool.submit(generate, url, rows, teams).result()
    print(f"generated in {generated:.1f} s ({rows / generated:,.0f} rows/s, in a child process)")
    engine = make_engine(url)
    try:
        rss_before = peak_rss_mb()
        started = time.perf_counter()
        digests, build_s, render_s = build_all(engine)
        product_s = time.perf_counter() - started
        rss_after = peak_rss_mb()
        floor, floor_s, parts = run_floor(engine)
        traced_mb = traced_build_mb(engine)
    finally:
        engine.dispose()
    totals = [sum(f["open"]["open"] for f in floor.values()), sum(f["open"]["overdue"] for f in floor.values()),
              sum(f["current"]["opened"] for f in floor.values()), sum(f["current"]["closed"] for f in floor.values())]
    print("data: {:,} open loops ({:,} overdue); last week {:,} opened, {:,} closed".format(*totals))
    print(f"product: {len(digests)} digests in {product_s:.2f} s = {product_s / max(len(digests), 1) * 1000:.0f} ms "
          f"per team (build_digest {build_s:.2f} s, render_blocks {render_s:.2f} s)")
    print(f"floor:   all teams in {floor_s:.2f} s (" + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()) + ")")
    print(f"memory:  peak RSS {rss_before:.0f} MB before the build, {rss_after:.0f} MB after; "
          f"tracemalloc peak during a second (traced) build {traced_mb:.1f} MB")
    wrong = differences(digests, floor)
    if wrong or len(digests) != teams:
        print(f"check:   FAILED — {len(wrong)} figure(s) differ, {len(digests)}/{teams} digests", *wrong[:20],
              sep="\n  ", file=sys.stderr)
        return 1
    print(f"check:   product and floor agree on every figure of all {teams} teams")
    print(ratio_line("digest", product_s / floor_s,
                     f"digests {product_s:.2f} s for {teams} teams over {rows:,} rows; raw-SQL floor {floor_s:.2f} s; "
                     f"peak RSS {rss_after:.0f} MB, tracemalloc peak during build {traced_mb:.1f} MB"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.digest", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="feedback rows, one loop each (default 1000000)")
    parser.add_argument("--teams", type=int, default=100, help="teams (default 100)")
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    workdir = None
    url = args.database_url
    if url is None:
        workdir = Path(tempfile.mkdtemp(prefix="loopkeeper-bench-digest-"))
        url = f"sqlite:///{workdir / 'digest.db'}"
    try:
        return run(url, args.rows, args.teams)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
