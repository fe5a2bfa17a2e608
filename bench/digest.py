"""Digests: every team's digest built and rendered by the product code, vs. a raw-SQL floor computing the
same figures for all teams at once, over generated feedback (one loop per feedback row) spread over 8 weeks.

    .venv/bin/python -m bench.digest [--rows N] [--teams N] [--database-url URL]

The data is generated in a child process (bulk INSERTs of pre-built tuples, schema from the migrations), so
the peak RSS reported is the digest builder's, not the generator's. Exits non-zero when the product's and the
floor's figures differ for any team.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

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
CHUNK = 20_000  # rows per INSERT batch and per transaction
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
CONTACT_CHOICES = tuple(CONTACT_METHODS)
ARR = (6_000, 12_000, 24_000, 48_000, 90_000, 148_000, 250_000)
CUSTOMERS = 50_000


# -- data generation (runs in a child process) --------------------------------------------------------------------
FEEDBACK_COLUMNS = ("id, workspace_id, source, external_id, score, scale, category, unparsed, comment, customer_id, "
                    "customer_email, customer_name, account, segment, arr, touchpoint, product, tags, url, "
                    "submitted_at, received_at")
LOOP_COLUMNS = ("id, workspace_id, feedback_id, team_id, channel_id, status, owner_id, acknowledged_by, "
                "acknowledged_at, resolved_by, resolved_at, outcome, contact_method, ack_due_at, resolve_due_at, "
                "suggestions, card_ts, version, created_at, updated_at")


def stored_time(moment: datetime, sqlite: bool):
    """``moment`` as the product's UTCDateTime stores it (SQLite compares these strings as text)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else moment


def insert_sql(conn: Connection, table: str, columns: str) -> str:
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = [c.strip() for c in columns.split(",")]
    return f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join([marker] * len(names))})'


def generate(url: str, rows: int, teams: int, seed: int = 7) -> float:
    """Migrate ``url`` and fill it; returns the seconds spent generating and inserting."""
    upgrade(url)
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _bulk_load_pragmas)
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            if conn.execute(text("SELECT count(*) FROM feedback")).scalar():
                raise SystemExit("bench.digest needs an empty database")
            profiles = _workspace_and_teams(conn, teams)
        source = Generator(profiles, random.Random(seed), engine.dialect.name == "sqlite")
        for first in range(1, rows + 1, CHUNK):
            with engine.begin() as conn:
                ids = range(first, min(first + CHUNK, rows + 1))
                feedback, loops = source.rows(ids)
                conn.exec_driver_sql(insert_sql(conn, "feedback", FEEDBACK_COLUMNS), feedback)
                conn.exec_driver_sql(insert_sql(conn, "loop", LOOP_COLUMNS), loops)
                # feedback ⇄ loop reference each other: link the feedback once its loop exists
                conn.execute(text("UPDATE feedback SET loop_id = id WHERE id >= :first AND id <= :last"),
                             {"first": ids[0], "last": ids[-1]})
        return time.perf_counter() - started
    finally:
        engine.dispose()


def _bulk_load_pragmas(dbapi_connection, _record) -> None:
    # Random-order index inserts (emails, customers) thrash SQLite's default 2 MB page cache; nothing here
    # needs to survive a power cut.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA cache_size=-1048576")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _workspace_and_teams(conn: Connection, teams: int) -> list[tuple]:
    """The workspace and ``teams`` teams with varied timezones, SLAs and hours; returns, per team,
    (id, channel, ack SLA, close SLA, usual touchpoint)."""
    created = stored_time(NOW - timedelta(days=120), conn.dialect.name == "sqlite")
    conn.execute(text("INSERT INTO workspace (id, default_channel_id, source_options, created_at) "
                      "VALUES (:id, 'C0DEFAULT', '{}', :at)"), {"id": WORKSPACE, "at": created})
    hours = json.dumps({"days": "mon-fri", "start": "09:00", "end": "17:00"})
    rows, profiles = [], []
    for k in range(teams):
        (ack, close), area = SLAS[k % len(SLAS)], k % len(AREAS)
        rows.append((k + 1, WORKSPACE, f"{AREAS[area]}-{k // len(AREAS) + 1}", f"C0TEAM{k:04d}",
                     json.dumps([f"U{k:03d}LEAD"]), TIMEZONES[k % len(TIMEZONES)], hours if k % 2 else None,
                     ack, close, True, k % 5 == 0, "weekly mon 09:00", created))
        profiles.append((k + 1, f"C0TEAM{k:04d}", ack, close, TOUCHPOINTS[area]))
    conn.exec_driver_sql(insert_sql(conn, "team", "id, workspace_id, name, channel_id, leads, timezone, hours, "
                                    "sla_ack_minutes, sla_close_minutes, thread_log, leads_only_moves, "
                                    "digest_schedule, created_at"), rows)
    return profiles


class Generator:
    """Feedback rows and their loops, drawn from the distributions above, as tuples in column order."""

    def __init__(self, profiles: list[tuple], rng: random.Random, sqlite: bool):
        self.profiles, self.rng = profiles, rng
        # Uneven team sizes, as in real workspaces: the busiest team gets ~6x the quietest.
        self.weights = [1 / (k + 1) ** 0.4 for k in range(len(profiles))]
        self.now = WEEKS * 7 * 24 * 60  # minutes since the start of the data
        base = NOW - timedelta(weeks=WEEKS)
        # Every minute a row can mention (the longest SLA runs a week past now), formatted once.
        self.stamps = [stored_time(base + timedelta(minutes=m), sqlite) for m in range(self.now + 2 * 10080)]
        self.customers = [(f"cus_{c}", f"person{c}@account{c % 5000}.example.com", f"Customer {c}",
                           f"Account {c % 5000}", ("smb", "mid-market", "enterprise")[c % 3],
                           ARR[c % 7] if c % 5000 % 3 == 0 else None) for c in range(CUSTOMERS)]

    def pick(self, values):
        return values[int(self.rng.random() * len(values))]  # random.choice, without its per-call overhead

    def rows(self, ids: range) -> tuple[list[tuple], list[tuple]]:
        feedback, loops = [], []
        chance, pick = self.rng.random, self.pick
        for i, team in zip(ids, self.rng.choices(self.profiles, weights=self.weights, k=len(ids))):
            created = int(chance() * self.now)
            source, scale, score, category = pick(RESPONSES)
            touchpoint = team[4] if chance() < 0.5 else pick(TOUCHPOINTS + (None,))
            stamp = self.stamps[created]
            feedback.append((i, WORKSPACE, source, f"bench-{i:09d}", score, scale, category, False,
                             pick(COMMENTS) if chance() < 0.7 else None, *pick(self.customers), touchpoint,
                             pick(PRODUCTS) if chance() < 0.8 else None, pick(TAGS),
                             f"https://app.example.com/r/{i}", stamp, stamp))
            loops.append(self._loop(i, team, created))
        return feedback, loops

    def _loop(self, i: int, team: tuple, created: int) -> tuple:
        """A loop's state from plausible delays: acknowledged after ~1.5 h (median), resolved ~1.7 days later;
        what has not happened by now is still open, and a few loops are forgotten."""
        team_id, channel, ack_sla, close_sla = team[:4]
        chance, at = self.rng.random, self.stamps.__getitem__
        person = f"U{team_id:03d}{int(chance() * 8)}"
        ack = created + int(math.exp(4.5 + 1.2 * self.rng.gauss()))
        resolved = ack + int(math.exp(7.8 + self.rng.gauss()))
        forgotten, owned = chance(), chance() < 0.85  # forgotten < 1%: never acknowledged; < 2%: never resolved
        outcome = contact = None
        if ack > self.now or forgotten < 0.01:
            status, ack, resolved, owned = "new", None, None, False
        elif resolved > self.now or forgotten < 0.02:
            status, resolved = ("in_progress" if owned else "acknowledged"), None
        else:
            status, owned, outcome, contact = "resolved", True, self.pick(OUTCOMES), self.pick(CONTACT_CHOICES)
        return (i, WORKSPACE, i, team_id, channel, status, person if owned else None, person if ack is not None else None,
                at(ack) if ack is not None else None, person if resolved is not None else None,
                at(resolved) if resolved is not None else None,
                outcome, contact, at(created + ack_sla) if ack_sla else None,
                at(created + close_sla) if close_sla else None, "[]", f"{1_790_000_000 + created * 60}.{i:06d}",
                1 + (ack is not None) + (resolved is not None), at(created), at(resolved or ack or created))


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
OPEN = "l.status IN ('new', 'acknowledged', 'in_progress')"  # lifecycle.OPEN_STATUSES, i.e. "not resolved"
OVERDUE = "((l.status = 'new' AND l.ack_due_at <= :now) OR l.resolve_due_at <= :now)"
# Each team's period comes from a temporary table; CROSS JOIN keeps SQLite scanning loop once, in table order.
SCOPE = "FROM loop l CROSS JOIN bench_period p {join} WHERE p.team_id = l.team_id AND l.workspace_id = :w"
WITH_FEEDBACK = SCOPE.format(join="JOIN feedback f ON f.id = l.feedback_id")
SCOPE = SCOPE.format(join="")
CUR, PREV = ("cur_start", "cur_end"), ("prev_start", "cur_start")
SECONDS = {"sqlite": "(julianday({done}) - julianday(l.created_at)) * 86400.0",
           "postgresql": "extract(epoch from {done} - l.created_at)"}
OPEN_KEYS = ("open", "under_1d", "1_3d", "3_7d", "older", "unowned", "overdue")
COUNT_KEYS = ("opened", "closed", "saved", "churned")


def within(column: str, bounds: tuple[str, str]) -> str:
    return f"{column} >= p.{bounds[0]} AND {column} < p.{bounds[1]}"


def _counts(bounds: tuple[str, str]) -> str:
    closed = within("l.resolved_at", bounds)
    return (f"count(*) FILTER (WHERE {within('l.created_at', bounds)}), count(*) FILTER (WHERE {closed}), "
            f"count(*) FILTER (WHERE {closed} AND l.outcome = 'saved'), "
            f"count(*) FILTER (WHERE {closed} AND l.outcome = 'churned')")


LOOP_FIGURES = f"""SELECT l.team_id, count(*) FILTER (WHERE {OPEN}),
    count(*) FILTER (WHERE {OPEN} AND l.created_at > :day1),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day1 AND l.created_at > :day3),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day3 AND l.created_at > :day7),
    count(*) FILTER (WHERE {OPEN} AND l.created_at <= :day7),
    count(*) FILTER (WHERE {OPEN} AND l.owner_id IS NULL), count(*) FILTER (WHERE {OPEN} AND {OVERDUE}),
    {_counts(CUR)}, {_counts(PREV)}
{SCOPE} GROUP BY l.team_id"""

MONEY = f"""SELECT l.team_id, sum(f.arr) FILTER (WHERE {OPEN} AND f.category IN {BAD}),
    sum(f.arr) FILTER (WHERE l.outcome = 'saved' AND {within('l.resolved_at', CUR)}),
    sum(f.arr) FILTER (WHERE l.outcome = 'saved' AND {within('l.resolved_at', PREV)})
{WITH_FEEDBACK} AND ({OPEN} OR (l.outcome = 'saved' AND l.resolved_at >= p.prev_start AND l.resolved_at < p.cur_end))
GROUP BY l.team_id"""

# Nearest-rank percentiles as the product computes them: the smallest value at or after rank ceil(n * fraction).
_RANK = "CAST(total * {f} AS INTEGER) + CASE WHEN total * {f} > CAST(total * {f} AS INTEGER) THEN 1 ELSE 0 END"
DURATIONS = """WITH done AS (
    SELECT l.team_id, 'ack' AS kind, l.acknowledged_at >= p.cur_start AS cur, {ack} AS seconds
    {scope} AND l.acknowledged_at >= p.prev_start AND l.acknowledged_at < p.cur_end
    UNION ALL
    SELECT l.team_id, 'resolve', l.resolved_at >= p.cur_start, {resolve}
    {scope} AND l.resolved_at >= p.prev_start AND l.resolved_at < p.cur_end
), ranked AS (
    SELECT team_id, kind, cur, seconds, row_number() OVER (PARTITION BY team_id, kind, cur ORDER BY seconds) AS position,
           count(*) OVER (PARTITION BY team_id, kind, cur) AS total FROM done
)
SELECT team_id, kind, cur, min(seconds) FILTER (WHERE position >= {median}), min(seconds) FILTER (WHERE position >= {p90})
FROM ranked GROUP BY team_id, kind, cur"""

# Only loops that count somewhere (open, or a detractor this period): a name with neither would rank last and be
# dropped by the product anyway, so the top three are the same.
WEAKEST = f"""WITH relevant AS MATERIALIZED (
    SELECT l.team_id, f.touchpoint, f.product, {OPEN} AS open,
           f.category IN {BAD} AND {within('l.created_at', CUR)} AS detractor
    {WITH_FEEDBACK} AND ({OPEN} OR {within('l.created_at', CUR)})
      AND ({OPEN} OR f.category IN {BAD})
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
    SELECT l.team_id, f.comment, row_number() OVER (PARTITION BY l.team_id ORDER BY l.id DESC) AS position
    {WITH_FEEDBACK} AND {within('l.created_at', CUR)} AND f.category IN {BAD} AND f.comment IS NOT NULL
) AS recent WHERE position <= 500"""

OWNERS = f"""SELECT l.team_id, l.owner_id, count(*) AS loops FROM loop l
WHERE l.workspace_id = :w AND {OPEN} AND l.owner_id IS NOT NULL
GROUP BY l.team_id, l.owner_id ORDER BY l.team_id, loops DESC, l.owner_id"""

OVERDUE_FIRST = f"""SELECT team_id, id FROM (
    SELECT l.team_id, l.id, l.owner_id, l.created_at, l.channel_id, l.card_ts,
           row_number() OVER (PARTITION BY l.team_id ORDER BY l.created_at, l.id) AS position
    FROM loop l WHERE l.workspace_id = :w AND {OPEN} AND {OVERDUE}
) AS overdue WHERE position <= 5 ORDER BY team_id, position"""


def empty_figures() -> dict:
    counts = {**dict.fromkeys(COUNT_KEYS, 0), "retained": 0.0}
    return {"open": dict.fromkeys(OPEN_KEYS, 0), "current": dict(counts), "previous": dict(counts),
            "ack": (None, None), "ack_before": (None, None), "resolve": (None, None), "resolve_before": (None, None),
            "at_risk": 0.0, "touchpoints": [], "products": [], "themes": [], "owners": [], "overdue": [],
            "overdue_total": 0}


def run_floor(engine: Engine) -> tuple[dict[int, dict], float, dict[str, float]]:
    """Every team's figures from a handful of GROUP BY team queries; (figures, seconds, seconds per query)."""
    dialect = engine.dialect.name
    store = lambda moment: stored_time(moment, dialect == "sqlite")  # noqa: E731
    params = {"w": WORKSPACE, "now": store(NOW), **{f"day{n}": store(NOW - timedelta(days=n)) for n in (1, 3, 7)}}
    seconds = SECONDS[dialect]
    steps = {
        "figures": (LOOP_FIGURES, _add_loop_figures),
        "money": (MONEY, _add_money),
        "durations": (DURATIONS.format(scope=SCOPE, ack=seconds.format(done="l.acknowledged_at"),
                                       resolve=seconds.format(done="l.resolved_at"),
                                       median=_RANK.format(f=0.5), p90=_RANK.format(f=0.9)), _add_durations),
        "weakest": (WEAKEST, _add_weakest),
        "themes": (THEMES, _add_themes),
        "owners": (OWNERS, _add_owners),
        "overdue": (OVERDUE_FIRST, _add_overdue),
    }
    figures: dict[int, dict] = defaultdict(empty_figures)
    parts = {}
    started = time.perf_counter()
    # The temporary table lives in this connection's transaction, which is rolled back on close.
    with engine.connect() as conn:
        _period_table(conn, store)
        for name, (sql, add) in steps.items():
            step_started = time.perf_counter()
            add(figures, conn.execute(text(sql), params).all())
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


def _add_money(figures: dict[int, dict], rows) -> None:
    for team_id, at_risk, retained, retained_before in rows:
        figures[team_id]["at_risk"] = float(at_risk or 0)
        figures[team_id]["current"]["retained"] = float(retained or 0)
        figures[team_id]["previous"]["retained"] = float(retained_before or 0)


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
