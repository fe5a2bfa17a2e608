"""Generated data for the digest benchmark: a workspace, its teams, and feedback with one loop each,
spread over 8 weeks, written by the database itself (INSERT ... SELECT) for speed."""

from __future__ import annotations

import bisect
import itertools
import json
import math
import time
from datetime import UTC, datetime, timedelta
from statistics import NormalDist

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from bot.loops.outcomes import CONTACT_METHODS
from models.db import make_engine, upgrade

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # a Wednesday; the data covers the 8 weeks before
WEEKS = 8
WORKSPACE = "T0BENCH"
BAD = "('detractor', 'negative')"

# -- realistic values -------------------------------------------------------------------------------------------
AREAS = (
    "billing",
    "support",
    "onboarding",
    "mobile",
    "checkout",
    "integrations",
    "reporting",
    "payments",
    "shipping",
    "enterprise",
)
TIMEZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Europe/London",
    "Australia/Sydney",
)
SLAS = ((60, 1440), (240, 2880), (480, 4320), (None, 10080), (None, None))  # (ack, close) minutes
TOUCHPOINTS = (
    "billing",
    "support",
    "onboarding",
    "checkout",
    "delivery",
    "mobile app",
    "website",
    "sales",
    "renewal",
    "training",
    "api",
    "account",
)
PRODUCTS = ("Fleet Planner", "Route Optimizer", "Driver App", "Insights", "Billing Portal", "Warehouse Sync")
PHRASES = (
    "the invoice was wrong again",
    "checkout keeps timing out",
    "support took days to answer",
    "the mobile app crashes on login",
    "export to excel is broken",
    "pricing went up without notice",
    "onboarding was confusing",
    "search results are useless",
    "the dashboard loads slowly",
    "delivery arrived late",
    "refund still not processed",
    "billing is a mess",
    "salesforce sync fails",
    "notifications arrive twice",
    "password reset email never came",
    "the new design is hard to read",
    "too many bugs since the last release",
    "your agent was rude",
    "cannot find the cancel button",
    "reports show wrong numbers",
)
COMMENTS = [f"{a.capitalize()} and {b}." for a in PHRASES for b in PHRASES if a != b] + [
    f"{a.capitalize()}." for a in PHRASES
]
TAGS = ("[]", "[]", '["invoice"]', '["churn-risk"]', '["bug", "mobile"]', '["vip"]')
# (source, scale, score, category), repeated by weight: about 45% bad, 25% middling, 30% good.
RESPONSES = (
    [("delighted", "nps", s, "detractor") for s in range(7)] * 4
    + [("delighted", "nps", s, "passive") for s in (7, 8)] * 7
    + [("delighted", "nps", s, "promoter") for s in (9, 10)] * 9
    + [("zendesk", "csat", s, "negative") for s in (1, 2)] * 5
    + [("zendesk", "csat", 3, "neutral")] * 4
    + [("intercom", "csat", s, "positive") for s in (4, 5)] * 4
    + [("typeform", "ces", s, "negative") for s in (1, 2, 3)] * 2
    + [("generic", "stars", 1, "negative")] * 4
)
OUTCOMES = (
    ["contacted_fixed"] * 35
    + ["saved"] * 20
    + ["churned"] * 8
    + ["contacted_not_fixable"] * 12
    + ["no_response"] * 15
    + ["not_actionable"] * 10
)
ARR = (6_000, 12_000, 24_000, 48_000, 90_000, 148_000, 250_000)
CUSTOMERS = 50_000


# -- data generation (runs in a child process) --------------------------------------------------------------------
# The rows are drawn by the database itself (INSERT ... SELECT over a recursive CTE, with its random()), from small
# lookup tables written by Python: pre-formatted timestamps per minute, delay quantiles, weighted team slots, and
# the value lists above. Python-built tuples bound row by row (executemany) took about twice as long.
RANDOM = {"sqlite": "abs(random() % {})", "postgresql": "floor(random() * {})::int"}  # an integer in [0, n)
TIMESTAMP = {"sqlite": "DATETIME", "postgresql": "TIMESTAMP WITH TIME ZONE"}
JSON_VALUE = {"postgresql": "CAST({} AS JSON)"}
MINUTES = WEEKS * 7 * 24 * 60  # "now", in minutes since the start of the data

DRAWS = """CREATE TEMPORARY TABLE bench_draw AS
-- ids follow time, as when feedback arrives: row i is received (i - 1) / rows of the way through the 8 weeks
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows),
-- materialized, so that each random() is drawn once however often the later steps read its column
raw AS MATERIALIZED (
    SELECT i, (i - 1) * CAST({minutes} AS BIGINT) / :rows AS created, {team} AS team_k, {fate} AS fate,
           {owned} AS owned, {delay} AS ack_k, {delay} AS resolve_k, {response} AS response_k,
           {customer} AS customer, {percent} AS comment_roll, {comment} AS comment_k, {percent} AS home_roll,
           {touchpoint} AS touchpoint_k, {product} AS product_k, {tag} AS tag_k, {person} AS person_k,
           {outcome} AS outcome_k, {contact} AS contact_k
    FROM n
), timed AS (
    SELECT raw.*, t.team_id, 'U' || (1000 + t.team_id) || raw.person_k AS person,
           raw.created + a.ack AS ack, raw.created + a.ack + r.resolve AS resolved
    FROM raw JOIN bench_team_pick t ON t.k = raw.team_k
    JOIN bench_delay a ON a.k = raw.ack_k JOIN bench_delay r ON r.k = raw.resolve_k
)
-- 0.5% are never acknowledged and 0.5% never resolved (forgotten); the rest move on unless it is too early
SELECT timed.*, CASE WHEN fate < 5 OR ack > :now THEN 'new'
                     WHEN fate < 10 OR resolved > :now THEN
                         CASE WHEN owned < 85 THEN 'in_progress' ELSE 'acknowledged' END
                     ELSE 'resolved' END AS status
FROM timed"""

FEEDBACK = f"""INSERT INTO feedback (id, workspace_id, source, external_id, score, scale, category, unparsed, comment,
    customer_id, customer_email, customer_name, account, segment, arr, touchpoint, product, tags, url, submitted_at,
    received_at)
SELECT d.i, :w, r.source, 'bench-' || d.i, r.score, r.scale, r.category, :no, c.value, cu.id, cu.email,
       cu.name, cu.account, cu.segment, cu.arr, tp.value, pr.value, {{tags}}, 'https://app.example.com/r/' || d.i,
       m.at, m.at
FROM bench_draw d
LEFT JOIN bench_response r ON r.k = d.response_k
LEFT JOIN bench_customer cu ON cu.k = d.customer
LEFT JOIN bench_minute m ON m.m = d.created
LEFT JOIN bench_comment c ON c.k = CASE WHEN d.comment_roll < 70 THEN d.comment_k END
-- half of a team's feedback is about its own area's touchpoint
LEFT JOIN bench_touchpoint tp
    ON tp.k = CASE WHEN d.home_roll < 50 THEN (d.team_id - 1) % {len(AREAS)} ELSE d.touchpoint_k END
LEFT JOIN bench_product pr ON pr.k = d.product_k
LEFT JOIN bench_tag tg ON tg.k = d.tag_k"""

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
LEFT JOIN bench_outcome oc ON oc.k = d.outcome_k
LEFT JOIN bench_contact ct ON ct.k = d.contact_k"""


def stored_time(moment: datetime, sqlite: bool):
    """``moment`` as the product's UTCDateTime stores it (SQLite compares these strings as text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else moment


def insert_sql(conn: Connection, table: str, columns: str) -> str:
    """An INSERT for executemany in the driver's parameter style."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = [c.strip() for c in columns.split(",")]
    return f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join([marker] * len(names))})'


def generate(url: str, rows: int, teams: int) -> dict[str, float]:
    """Migrate ``url`` and fill it; returns the seconds each step took."""
    upgrade(url)
    engine = make_engine(url)
    dialect = engine.dialect.name
    if dialect == "sqlite":
        event.listen(engine, "connect", _bulk_load_pragmas)
    rand = RANDOM[dialect].format
    draws = DRAWS.format(
        team=rand(100 * teams),
        minutes=MINUTES,
        fate=rand(1000),
        owned=rand(100),
        delay=rand(1000),
        response=rand(len(RESPONSES)),
        customer=rand(CUSTOMERS),
        percent=rand(100),
        comment=rand(len(COMMENTS)),
        touchpoint=rand(len(TOUCHPOINTS) + 1),
        product=rand(len(PRODUCTS) + 2),
        tag=rand(len(TAGS)),
        person=rand(8),
        outcome=rand(len(OUTCOMES)),
        contact=rand(len(CONTACT_METHODS)),
    )
    steps = {
        "draws": draws,
        "feedback": FEEDBACK.format(tags=JSON_VALUE.get(dialect, "{}").format("tg.value")),
        "loops": LOOPS,
        "links": "UPDATE feedback SET loop_id = id",
    }  # feedback ⇄ loop: linked once both exist
    params = {"rows": rows, "now": MINUTES, "w": WORKSPACE, "no": False}
    timings = {}
    try:
        with engine.begin() as conn:
            if conn.execute(text("SELECT count(*) FROM feedback")).scalar():
                raise SystemExit("bench.digest needs an empty database")
            started = time.perf_counter()
            _workspace_and_teams(conn, teams)
            _lookup_tables(conn, teams)
            indexes = _drop_indexes(conn) if dialect == "sqlite" else []
            timings["setup"] = time.perf_counter() - started
            for name, sql in steps.items():
                started = time.perf_counter()
                conn.execute(text(sql), params)
                timings[name] = time.perf_counter() - started
            started = time.perf_counter()
            for sql in indexes:
                conn.exec_driver_sql(sql)
            timings["indexes"] = time.perf_counter() - started
    finally:
        engine.dispose()
    return timings


def _drop_indexes(conn: Connection) -> list[str]:
    """Drop feedback's and loop's secondary indexes; returns the migrations' CREATE INDEX statements to rebuild them
    (SQLite builds an index from sorted rows several times faster than it grows one row by row)."""
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name IN ('feedback', 'loop') AND sql IS NOT NULL"
    ).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def _bulk_load_pragmas(dbapi_connection, _record) -> None:
    # Scratch data: no journal, no fsync, no foreign-key checks (the generator keeps the references right); a
    # 64 MB page cache and two sorter threads for rebuilding the indexes. Temporary tables stay in memory.
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=OFF",
        "synchronous=OFF",
        "foreign_keys=OFF",
        "temp_store=MEMORY",
        "cache_size=-65536",
        "threads=2",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _workspace_and_teams(conn: Connection, teams: int) -> None:
    """The workspace and ``teams`` teams with varied timezones, SLAs and hours."""
    created = stored_time(NOW - timedelta(days=120), conn.dialect.name == "sqlite")
    conn.execute(
        text(
            "INSERT INTO workspace (id, default_channel_id, source_options, created_at) "
            "VALUES (:id, 'C0DEFAULT', '{}', :at)"
        ),
        {"id": WORKSPACE, "at": created},
    )
    hours = json.dumps({"days": "mon-fri", "start": "09:00", "end": "17:00"})
    rows = []
    for k in range(teams):
        ack, close = SLAS[k % len(SLAS)]
        rows.append(
            (
                k + 1,
                WORKSPACE,
                f"{AREAS[k % len(AREAS)]}-{k // len(AREAS) + 1}",
                f"C0TEAM{k:04d}",
                json.dumps([f"U{1001 + k}LEAD"]),
                TIMEZONES[k % len(TIMEZONES)],
                hours if k % 2 else None,
                ack,
                close,
                True,
                k % 5 == 0,
                "weekly mon 09:00",
                created,
            )
        )
    conn.exec_driver_sql(
        insert_sql(
            conn,
            "team",
            "id, workspace_id, name, channel_id, leads, timezone, hours, "
            "sla_ack_minutes, sla_close_minutes, thread_log, leads_only_moves, "
            "digest_schedule, created_at",
        ),
        rows,
    )


def _lookup_tables(conn: Connection, teams: int) -> None:
    """The temporary tables DRAWS, FEEDBACK and LOOPS pick their values from."""
    sqlite = conn.dialect.name == "sqlite"
    base = NOW - timedelta(weeks=WEEKS)
    # every minute a row can mention: the longest SLA runs a week past now
    minutes = [(m, stored_time(base + timedelta(minutes=m), sqlite)) for m in range(MINUTES + 10081)]
    # delays as 1000 quantiles of log-normal distributions: acknowledged after ~1.5 h (median), resolved ~1 day later
    z = [NormalDist().inv_cdf((k + 0.5) / 1000) for k in range(1000)]
    delays = [(k, int(math.exp(4.5 + 1.2 * z[k])), int(math.exp(7.3 + 0.9 * z[k]))) for k in range(1000)]
    # uneven team sizes, as in real workspaces: the busiest team gets ~6x the quietest
    weights = [1 / (k + 1) ** 0.4 for k in range(teams)]
    slots = 100 * teams
    picks = [
        (k, 1 + bisect.bisect(list(itertools.accumulate(weights)), k / slots * sum(weights))) for k in range(slots)
    ]
    customers = [
        (
            c,
            f"cus_{c}",
            f"person{c}@account{c % 5000}.example.com",
            f"Customer {c}",
            f"Account {c % 5000}",
            ("smb", "mid-market", "enterprise")[c % 3],
            ARR[c % len(ARR)] if c % 5000 % 3 == 0 else None,
        )
        for c in range(CUSTOMERS)
    ]
    tables = [
        ("bench_minute", f"m INTEGER PRIMARY KEY, at {TIMESTAMP[conn.dialect.name]}", minutes),
        ("bench_delay", "k INTEGER PRIMARY KEY, ack INTEGER, resolve INTEGER", delays),
        ("bench_team_pick", "k INTEGER PRIMARY KEY, team_id INTEGER", picks),
        (
            "bench_response",
            "k INTEGER PRIMARY KEY, source TEXT, scale TEXT, score INTEGER, category TEXT",
            [(k, *response) for k, response in enumerate(RESPONSES)],
        ),
        (
            "bench_customer",
            ("k INTEGER PRIMARY KEY, id TEXT, email TEXT, name TEXT, account TEXT, segment TEXT, arr INTEGER"),
            customers,
        ),
    ]
    tables += [
        (f"bench_{name}", "k INTEGER PRIMARY KEY, value TEXT", list(enumerate(choices)))
        for name, choices in (
            ("comment", COMMENTS),
            ("touchpoint", TOUCHPOINTS),
            ("product", PRODUCTS),
            ("tag", TAGS),
            ("outcome", OUTCOMES),
            ("contact", tuple(CONTACT_METHODS)),
        )
    ]
    for table, columns, rows in tables:
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {table} ({columns})")
        conn.exec_driver_sql(insert_sql(conn, table, ", ".join(c.split()[0] for c in columns.split(", "))), rows)
