"""Click → card: how long after a single Acknowledge click on an idle system the card's ``chat.update`` reaches
Slack (the stand-in, in its own process), vs. one round trip to the stand-in. Goal: p50 within the floor + 50 ms.

    .venv/bin/python -m bench.click_latency [--clicks N]

Each click is on its own card (posted beforehand), one at a time with a pause between, so the system is idle
when it arrives: the figure is the path click → commit → worker woken → claim → render → ``chat.update``.
"""

from __future__ import annotations

import argparse
import sys
import time

import httpx
from slack_sdk import WebClient

from bench.common import TEAM_CHANNEL, Stack, percentile, ratio_line, running_app, wait_until
from bench.interactivity import seed_cards, signed_click
from models.db import new_session
from models.loop import Loop

GOAL_MS = 50.0


def posted_cards(stack: Stack, standin, count: int) -> list[dict]:
    """Open ``count`` loops, let the worker post their cards, and return them as Slack shows them (real ts)."""
    seeded = seed_cards(stack, count)
    stack.app.worker.wake()
    if not wait_until(lambda: len(standin.posted(TEAM_CHANNEL)) >= count, timeout=60):
        raise SystemExit("click_latency: the cards were not posted")
    by_loop = {m["metadata"]["event_payload"]["loop_id"]: m for m in standin.posted(TEAM_CHANNEL)}
    with new_session(stack.app.engine, read_only=True) as session:
        cards = []
        for card in seeded:
            loop_id = int(card["ts"].split(".")[0]) - 1_700_000_000
            assert session.get(Loop, loop_id).card_ts == by_loop[loop_id]["ts"]
            cards.append({**card, "ts": by_loop[loop_id]["ts"]})
    return cards


def round_trips(stack: Stack, count: int) -> list[float]:
    """Seconds per Web API call to the stand-in from this process (the floor)."""
    client = WebClient(token=stack.settings.slack_bot_token, base_url=stack.settings.slack_api_url)
    times = []
    for _ in range(count):
        started = time.time()
        client.api_call("auth.test")
        times.append(time.time() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.click_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20, help="clicks, one at a time (default 20; max 25)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between clicks (default 0.5)")
    args = parser.parse_args(argv)
    clicks = min(args.clicks, 25)  # chat.update's tier 3 burst: more would wait for Slack's limit

    # Cards post at once (no channel limit in the way); the clicks then find an idle system.
    with running_app(post_per_second=1000.0, post_burst=1000) as stack:
        standin = stack.standin
        cards = posted_cards(stack, standin, clicks)
        floor = round_trips(stack, 50)
        latencies = []
        with httpx.Client(base_url=stack.server.url, timeout=10) as client:
            for i in range(clicks):
                time.sleep(args.pause)
                request = signed_click(
                    i,
                    cards=cards,
                    secret=stack.settings.slack_signing_secret,
                    team_id=stack.app.workspace_id,
                    response_url=stack.response_url_base + "click",
                )
                head, _, body = request.partition(b"\r\n\r\n")
                headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
                headers.pop("Content-Length", None)
                clicked = time.time()
                response = client.post("/slack/events", content=body, headers=headers)
                assert response.status_code == 200, response.text
                ts = cards[i]["ts"]
                if not wait_until(
                    lambda ts=ts: any(a.get("ts") == ts for _, a in standin.call_times("chat.update")),
                    timeout=10,
                    poll=0.01,
                ):
                    raise SystemExit(f"click_latency: no chat.update for card {ts}")
                at = next(at for at, a in standin.call_times("chat.update") if a.get("ts") == ts)
                latencies.append(at - clicked)
    product, rtt = percentile(latencies, 50) * 1000, percentile(floor, 50) * 1000
    verdict = "met" if product <= rtt + GOAL_MS else "NOT met"
    print(f"floor   one Web API round trip to the stand-in: p50 {rtt:.1f} ms ({len(floor)} calls)")
    print(
        f"product click → chat.update at the stand-in: p50 {product:.1f} ms, max {max(latencies) * 1000:.1f} ms "
        f"({clicks} clicks on an idle system)"
    )
    print(
        ratio_line(
            "clicks",
            product / (rtt + GOAL_MS),
            f"click → chat.update p50 {product:.0f} ms vs one round trip {rtt:.1f} ms; goal <= floor + "
            f"{GOAL_MS:.0f} ms = {rtt + GOAL_MS:.0f} ms (the ratio's floor): {verdict}",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
