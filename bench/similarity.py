"""Similarity: build time, memory and query latency of the resolved-loop index at 100,000 comments, and the
similar-loop lookup of a card (index query, neighbours read by id, their recovery) at 100,000 resolved loops in a
database, against the floor of one indexed SELECT of three loops by id. Goal: lookup p99 under 50 ms.

    .venv/bin/python -m bench.similarity [--documents N] [--queries Q]

Comments are generated from a few hundred phrases with customer names, amounts and typos mixed in, so the
vocabulary has the long tail real feedback has; half the queries are new comments, half are retyped old ones.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench import similarity_db
from bench.common import percentile, ratio_line
from bench.memory import memory_mib
from bot.insight.similarity import BOOSTS, Document, SimilarityIndex

GOAL_P99_MS = 50.0
OPENERS = [
    "",
    "",
    "",
    "honestly",
    "ugh,",
    "so",
    "hi team,",
    "we love the product but",
    "as an admin,",
    "fyi",
    "our whole team noticed that",
    "last week",
    "since the november release",
    "every monday morning",
    "again!",
    "not for the first time,",
    "quick one:",
    "hello, ",
    "frankly",
    "to be fair,",
    "sadly",
    "our finance lead says",
    "my manager asked me to tell you",
    "for the third time",
    "after the upgrade",
]
SUBJECTS = [
    "the invoice",
    "my invoice",
    "the billing page",
    "the export",
    "the csv export",
    "the pdf export",
    "the dashboard",
    "onboarding",
    "the onboarding call",
    "setup",
    "the login page",
    "password reset",
    "the mobile app",
    "the ios app",
    "the android app",
    "the api",
    "the rest api",
    "the webhook",
    "the weekly report",
    "the monthly report",
    "search",
    "the search bar",
    "notifications",
    "email notifications",
    "the salesforce integration",
    "the hubspot sync",
    "the slack integration",
    "csv import",
    "the importer",
    "sso",
    "okta login",
    "the support chat",
    "your support team",
    "the pricing page",
    "the free trial",
    "the refund",
    "the renewal",
    "seat management",
    "user roles",
    "the permissions screen",
    "the audit log",
    "the calendar view",
    "the kanban board",
    "dark mode",
    "the new editor",
    "file uploads",
    "attachments",
    "the chart builder",
    "two factor auth",
    "the account manager",
    "the contract",
    "the quote",
    "tax settings",
    "the vat number field",
    "currency conversion",
    "the payment form",
    "card payments",
    "the customer portal",
    "the status page",
]
PROBLEMS = [
    "is slow",
    "is really slow",
    "keeps crashing",
    "charged me twice",
    "double charged us",
    "was confusing",
    "took weeks",
    "never loads",
    "times out",
    "is missing data",
    "shows the wrong total",
    "broke after the update",
    "is hard to find",
    "does not work on safari",
    "needs better docs",
    "was great",
    "saved us hours",
    "logged me out",
    "sent the email twice",
    "lost my changes",
    "is way too expensive",
    "has no way to undo",
    "ignores my timezone",
    "rounds the amounts wrong",
    "shows another customer's name",
    "fails with error 500",
    "hangs at 99%",
    "is unusable on mobile",
    "never synced",
    "duplicated every record",
    "billed us for seats we removed",
    "has a typo",
    "was cancelled without notice",
    "did not answer for days",
    "closed my ticket without a fix",
    "asked me the same questions three times",
    "charged the wrong card",
    "applied the discount twice",
    "did not apply our discount",
    "showed a blank page",
    "is slower than last month",
    "crashes on upload",
    "needs a bulk edit",
    "should support sso",
    "is fantastic",
    "works well",
    "is fine I guess",
    "made onboarding painless",
    "helped us launch in a day",
    "was quick to fix it",
]
DETAILS = [
    "",
    "",
    "",
    "",
    "on the november invoice",
    "for the enterprise plan",
    "for our eu workspace",
    "when I export more than 10k rows",
    "in chrome",
    "on my iphone",
    "since tuesday",
    "for all 40 seats",
    "after we added new users",
    "during month end close",
    "when the report has charts",
    "for invoices in euros",
    "with our okta setup",
    "on the annual plan",
    "for the second month in a row",
    "when two people edit at once",
    "after switching plans",
    "with large attachments",
    "for customers in canada",
    "during the trial",
    "on the first day",
    "with the hubspot connector",
]
CLOSERS = [
    "",
    "",
    "",
    "",
    "please fix",
    "nobody answered my ticket",
    "we are considering switching",
    "thanks",
    "this is blocking us",
    "support was helpful",
    "really frustrating",
    "would recommend otherwise",
    "please refund us",
    "can someone call me",
    "we need this before renewal",
    "otherwise great product",
    "keep it up",
    "our ceo noticed",
    "not acceptable for the price",
    "happy to help test a fix",
]
NAMES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Pied Piper",
    "Vandelay",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Massive Dynamic",
    "Aperture",
    "Black Mesa",
    "Oscorp",
    "Nakatomi",
]
FACETS = {
    "touchpoint": ["billing", "onboarding", "support", "product", "renewal", None],
    "product": ["invoicing", "reports", "platform", "mobile", "integrations", None],
    "segment": ["smb", "mid-market", "enterprise", None],
    "scale": ["nps", "csat", "ces"],
}


def comment(rng: random.Random) -> str:
    """One generated comment: one to three clauses, sometimes a name or an amount, and typos."""
    clauses = [
        " ".join(
            part
            for part in (
                rng.choice(OPENERS),
                rng.choice(SUBJECTS),
                rng.choice(PROBLEMS),
                rng.choice(DETAILS),
                rng.choice(CLOSERS),
            )
            if part
        )
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))
    ]
    if rng.random() < 0.3:
        clauses.append(
            f"({rng.choice(NAMES)} account, invoice {rng.randrange(10_000, 99_999)}, ${rng.randrange(50, 20_000):,})"
        )
    return retype(". ".join(clauses), rng, typos=0.04)


def retype(text: str, rng: random.Random, *, typos: float) -> str:
    """``text`` with a share of its words mistyped: two letters swapped or one dropped."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 3 and rng.random() < typos:
            at = rng.randrange(len(word) - 1)
            words[i] = (
                word[:at] + word[at + 1] + word[at] + word[at + 2 :]
                if rng.random() < 0.5
                else word[:at] + word[at + 1 :]
            )
    return " ".join(words)


def document(key: int, rng: random.Random) -> Document:
    """A generated resolved loop: a comment and random facets."""
    return Document(key, comment(rng), **{facet: rng.choice(values) for facet, values in FACETS.items()})


def milliseconds(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and max of ``seconds``, in milliseconds."""
    return {"p50": percentile(seconds, 50) * 1000, "p99": percentile(seconds, 99) * 1000, "max": max(seconds) * 1000}


def main(argv: list[str] | None = None) -> int:
    """Build, query, add and remove; then the card lookup from a database; RATIO last (lookup p99 over the floor)."""
    parser = argparse.ArgumentParser(prog="bench.similarity", description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000, help="resolved loops indexed (default 100000)")
    parser.add_argument("--queries", type=int, default=1_000, help="queries timed (default 1000)")
    parser.add_argument(
        "--lookups", type=int, default=300, help="card lookups timed against the database (default 300)"
    )
    args = parser.parse_args(argv)
    rng = random.Random(20240601)
    documents = [document(key, rng) for key in range(args.documents)]
    words = sum(len(d.text.split()) for d in documents) / len(documents)
    print(
        f"bench.similarity: {args.documents:,} generated comments ({words:.1f} words on average), "
        f"{args.queries:,} queries, {os.cpu_count()} cores"
    )

    gc.collect()
    before = memory_mib(os.getpid())
    started = time.perf_counter()
    index = SimilarityIndex.build(documents)
    build_s = time.perf_counter() - started
    gc.collect()
    after = memory_mib(os.getpid())
    resident, peak = after["VmRSS"] - before["VmRSS"], after["VmHWM"] - before["VmRSS"]
    snapshot = index._snapshot  # the bench looks inside to report the postings' size
    postings_mb = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (snapshot.fitted, snapshot.added))
    print(
        f"build:   {build_s:.1f} s; RSS +{resident:.0f} MiB after the build "
        f"(postings {postings_mb / 2**20:.0f} MiB, {snapshot.fitted.nnz / len(documents):.0f} features a comment, "
        f"{snapshot.fitted.shape[0]:,} in the vocabulary), peak RSS +{peak:.0f} MiB during it"
    )

    # Odd queries are new comments; even ones retype an indexed comment, which should come back among the 3.
    sources = [rng.choice(documents) for _ in range(args.queries)]
    queries = [comment(rng) if i % 2 else retype(source.text, rng, typos=0.15) for i, source in enumerate(sources)]
    facets = [{facet: rng.choice(FACETS[facet]) for facet in BOOSTS} for _ in queries]
    timings, found, recalled = [], 0, 0
    for i, (text, sought) in enumerate(zip(queries, facets, strict=True)):
        started = time.perf_counter()
        neighbours = index.query(text, **sought)
        timings.append(time.perf_counter() - started)
        found += bool(neighbours)
        # The generator repeats some comments word for word: any copy of the source counts.
        recalled += not i % 2 and sources[i].text in {documents[n.key].text for n in neighbours}
    query = milliseconds(timings)
    print(
        f"query:   p50 {query['p50']:.1f} ms, p99 {query['p99']:.1f} ms, max {query['max']:.1f} ms "
        f"(goal p99 < {GOAL_P99_MS:.0f} ms: {'met' if query['p99'] < GOAL_P99_MS else 'NOT met'}); "
        f"{found:,} of {len(queries):,} found a neighbour at the default min_score; "
        f"{recalled:,} of {(len(queries) + 1) // 2:,} retyped comments found their original among the 3"
    )

    adds, removes = [], []
    for key in range(args.documents, args.documents + 100):
        started = time.perf_counter()
        index.add([document(key, rng)])
        adds.append(time.perf_counter() - started)
    for key in range(100):
        started = time.perf_counter()
        index.remove([key])
        removes.append(time.perf_counter() - started)
    add, remove = milliseconds(adds), milliseconds(removes)
    print(
        f"writes:  add one p50 {add['p50']:.1f} ms (p99 {add['p99']:.1f}), remove one p50 {remove['p50']:.1f} ms "
        f"(p99 {remove['p99']:.1f}); needs_refit after 100 of each: {index.needs_refit}"
    )
    del index, snapshot
    gc.collect()
    # The lookup a card's render does, with the index built from a database of resolved loops by the product.
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'similarity.db'}"
        seed_s = similarity_db.seed(url, documents, rng)
        found = similarity_db.lookups(url, queries[: args.lookups], facets[: args.lookups], rng)
    lookup, floor = milliseconds(found["lookup_s"]), milliseconds(found["floor_s"])
    print(
        f"lookup:  {found['indexed']:,} resolved loops written in {seed_s:.1f} s, the index built from the database "
        f"in {found['build_s']:.1f} s; similar_history p50 {lookup['p50']:.1f} ms, p99 {lookup['p99']:.1f} ms "
        f"(goal p99 < {GOAL_P99_MS:.0f} ms: {'met' if lookup['p99'] < GOAL_P99_MS else 'NOT met'}) vs one indexed "
        f"SELECT of three loops by id p50 {floor['p50']:.2f} ms, p99 {floor['p99']:.2f} ms; "
        f"{found['shown']:,} loops shown over {len(found['lookup_s']):,} lookups"
    )
    print(
        ratio_line(
            "similarity",
            lookup["p99"] / floor["p99"],
            f"similar-loop lookup p99 {lookup['p99']:.1f} ms (goal < {GOAL_P99_MS:.0f} ms) vs a SELECT of three loops "
            f"by id p99 {floor['p99']:.2f} ms at {found['indexed']:,} resolved loops; index query alone p99 "
            f"{query['p99']:.1f} ms; build {build_s:.1f} s in memory, {found['build_s']:.1f} s from the database, "
            f"RSS +{resident:.0f} MiB, peak +{peak:.0f} MiB",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
